"""The pure workflow engine core: YaWL parsing, jq templating and the interpreter.

Nothing in this package may import Django (or any other framework): it is tested without a database,
and the Django shell (`executions.services`) feeds it events and persists what it returns.
"""

from __future__ import annotations

from .definition import Block, Definition, SpecError, SpecIssue, Step
from .interpreter import handle, start
from .parser import load, parse

__all__ = ["Block", "Definition", "SpecError", "SpecIssue", "Step", "handle", "load", "parse", "start"]
