"""A body that is YAML text as is, for the validate endpoint: `curl --data-binary @flow.yaml`."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser


class YamlTextParser(BaseParser):
    media_type = "application/yaml"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict[str, Any] | None = None) -> str:
        try:
            return stream.read().decode("utf-8")
        except UnicodeDecodeError:
            raise ParseError("the request body is not UTF-8 text") from None


class XYamlTextParser(YamlTextParser):
    media_type = "application/x-yaml"


class TextYamlParser(YamlTextParser):
    media_type = "text/yaml"


class PlainTextParser(YamlTextParser):
    media_type = "text/plain"


YAML_PARSERS = [YamlTextParser, XYamlTextParser, TextYamlParser, PlainTextParser]
