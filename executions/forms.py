"""Forms of the dashboard and the admin: parse and shape input; the services decide what is allowed."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from executions import services
from executions.engine.states import ExecutionStatus
from executions.errors import Conflict, InvalidInput
from executions.models import ApiToken, Workflow
from executions.selectors import ExecutionFilters
from executions.services.workflows import check_labels, check_name


class StartForm(forms.Form):
    input = forms.CharField(
        label="Input (JSON)",
        initial="{}",
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "class": "code"}),
        help_text="Any JSON value; an object's keys are also copied to the top of the workflow state.",
    )
    idempotency_key = forms.CharField(
        label="Idempotency key",
        required=False,
        max_length=200,
        help_text="Optional. Starting again with the same key and input returns the same execution.",
    )
    queue_name = forms.CharField(
        label="Queue",
        required=False,
        max_length=100,
        help_text="Optional. The workflow's default queue when empty.",
    )
    run_timeout_seconds = forms.IntegerField(
        label="Timeout (seconds)",
        required=False,
        min_value=1,
        help_text="Optional. How long the whole execution may run; the workflow's default when empty.",
    )

    def __init__(self, *args: Any, workflow: Workflow | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if workflow is not None:
            self.fields["queue_name"].widget.attrs["placeholder"] = workflow.default_queue_name
            if workflow.default_run_timeout_seconds:
                self.fields["run_timeout_seconds"].widget.attrs["placeholder"] = workflow.default_run_timeout_seconds
        self.fields["input"].widget.attrs["data-json-editor"] = ""

    def clean_input(self) -> Any:
        return parse_json(self.cleaned_data["input"])

    def add_domain_error(self, exc: Exception) -> None:
        """Show a service's refusal next to the field it is about."""
        message = getattr(exc, "message", str(exc))
        if isinstance(exc, Conflict):
            self.add_error("idempotency_key", message)
        elif isinstance(exc, InvalidInput):
            self.add_error("input", message)
        else:
            self.add_error(None, message)


def parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise forms.ValidationError(
            f"This is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
        ) from None


class RetryForm(forms.Form):
    """Retry (redrive), optionally giving the steps it re-runs a replacement input."""

    replace_input = forms.BooleanField(label="Replace the input of the steps it re-runs", required=False)
    input = forms.CharField(
        label="Replacement input (JSON)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "code", "data-json-editor": ""}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("replace_input"):
            try:
                data["input"] = parse_json(data.get("input") or "")
            except forms.ValidationError as exc:
                self.add_error("input", exc)
        return data

    def service_kwargs(self) -> dict[str, Any]:
        return {"input": self.cleaned_data["input"]} if self.cleaned_data.get("replace_input") else {}


class IdsField(forms.Field):
    """Execution ids from repeated `ids` parameters (the list's checkboxes)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[str]:
        return [str(item).strip() for item in (value or []) if str(item).strip()]

    def validate(self, value: list[str]) -> None:
        super().validate(value)
        bad = [item for item in value if not _EXECUTION_ID.match(item)]
        if bad:
            raise forms.ValidationError(f"{bad[0]!r} is not an execution id.")


_EXECUTION_ID = re.compile(r"^[0-9a-z]{26}$")


class BulkForm(forms.Form):
    action = forms.ChoiceField(choices=[("stop", "Stop"), ("terminate", "Terminate"), ("retry", "Retry")])
    ids = IdsField(error_messages={"required": "Select at least one execution."})
    confirmed = forms.BooleanField(required=False)


class HistoryQueryForm(forms.Form):
    """Which slice of an execution's history to show: a page cursor, one step's runs, or the page of a run."""

    after = forms.IntegerField(required=False, min_value=1)
    step = forms.CharField(required=False, max_length=1000)
    run = forms.IntegerField(required=False, min_value=1)


class RevisionDiffForm(forms.Form):
    old = forms.IntegerField(min_value=1)
    new = forms.IntegerField(min_value=1)


class StatusesField(forms.MultipleChoiceField):
    """Statuses from repeated `status` parameters or one comma-separated value, in any case."""

    def to_python(self, value: Any) -> list[str]:
        return [part.strip().upper() for item in super().to_python(value) for part in item.split(",") if part.strip()]

    def bound_data(self, data: Any, initial: Any) -> list[str]:
        # The checkboxes show what was understood (`?status=failed` ticks FAILED), not the raw text.
        return self.to_python(data)


RANGES = {"15m": timedelta(minutes=15), "1h": timedelta(hours=1), "24h": timedelta(days=1), "7d": timedelta(days=7)}
LOCAL_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"]


class ExecutionFilterForm(forms.Form):
    status = StatusesField(
        choices=[(status.value, status.value.title()) for status in ExecutionStatus],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    workflow = forms.ChoiceField(required=False)
    queue = forms.CharField(label="Queue", required=False, max_length=100)
    range = forms.ChoiceField(
        label="Created",
        required=False,
        choices=[
            ("", "Any time"),
            ("15m", "Last 15 minutes"),
            ("1h", "Last hour"),
            ("24h", "Last 24 hours"),
            ("7d", "Last 7 days"),
        ],
    )
    after = forms.DateTimeField(
        label="From (UTC)",
        required=False,
        input_formats=LOCAL_INPUT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    before = forms.DateTimeField(
        label="To (UTC)",
        required=False,
        input_formats=LOCAL_INPUT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    q = forms.CharField(label="Search", required=False, max_length=26)
    cursor = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, data: Any, *, workflows: Iterable[Workflow]) -> None:
        super().__init__(data)
        self.fields["workflow"].choices = [("", "All workflows"), *((w.pk, w.name) for w in workflows)]
        self.fields["q"].widget.attrs.update(
            placeholder="Execution id or workflow", autocomplete="off", **{"data-shortcut-search": ""}
        )
        self.fields["queue"].widget.attrs.update(placeholder="any", autocomplete="off")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        after, before = data.get("after"), data.get("before")
        if after and before and after >= before:
            self.add_error("before", "The end of the time range must come after its start.")
        return data

    def filters(self, now: datetime | None = None) -> ExecutionFilters:
        data = self.cleaned_data
        after = data.get("after")
        if data.get("range"):
            since = (now or timezone.now()) - RANGES[data["range"]]
            after = max(after, since) if after else since
        return ExecutionFilters(
            statuses=tuple(data["status"]),
            workflow_id=data["workflow"],
            queue_name=data.get("queue", "").strip(),
            created_after=after,
            created_before=data.get("before"),
            search=data["q"].strip(),
        )

    @property
    def first_page(self) -> bool:
        return not self.cleaned_data.get("cursor")


# Service detail fields that the form calls differently.
_FORM_FIELD = {"specification": "yaml_text", "yaml": "yaml_text"}


class WorkflowForm(forms.Form):
    """Create or edit a workflow in the browser; `services.workflow_create`/`workflow_update` decide."""

    name = forms.CharField(
        max_length=63,
        help_text="Lower-case letters, digits and hyphens, starting with a letter. Cannot be changed later.",
    )
    description = forms.CharField(required=False, max_length=256, widget=forms.TextInput)
    labels = forms.CharField(
        required=False,
        help_text="key=value pairs separated by commas, e.g. team=payments, tier=gold",
    )
    yaml_text = forms.CharField(
        label="Specification (YaWL)",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 22, "spellcheck": "false", "class": "code", "data-yaml-editor": ""}),
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.yaml_problems: dict[int, list[str]] = {}
        if editing:
            del self.fields["name"]

    def clean_labels(self) -> dict[str, str]:
        labels = {}
        for item in re.split(r"[,\n]", self.cleaned_data["labels"]):
            if item.strip():
                key, _, value = item.partition("=")
                labels[key.strip()] = value.strip()
        return _as_form_error(check_labels, labels)

    def clean_yaml_text(self) -> str:
        return self.cleaned_data["yaml_text"].replace("\r\n", "\n")

    def add_domain_error(self, exc: Exception) -> None:
        """Place a service's refusal: spec problems at their YAML line, field problems at their field."""
        details = getattr(exc, "details", None) or []
        located = False
        for detail in details:
            if detail.get("line"):
                self.yaml_problems.setdefault(int(detail["line"]), []).append(_located(detail))
                located = True
            elif _FORM_FIELD.get(detail.get("field"), detail.get("field")) in self.fields:
                self.add_error(_FORM_FIELD.get(detail["field"], detail["field"]), getattr(exc, "message", str(exc)))
                located = True
        if located and self.yaml_problems:
            self.add_error(
                "yaml_text",
                f"The specification has {sum(map(len, self.yaml_problems.values()))} "
                "problem(s), shown at their lines below.",
            )
        elif not located:
            field = "name" if isinstance(exc, Conflict) and "name" in self.fields else None
            self.add_error(field, getattr(exc, "message", str(exc)))

    @staticmethod
    def labels_text(labels: dict[str, str]) -> str:
        return ", ".join(f"{key}={value}" if value else key for key, value in labels.items())


class WorkflowAdminForm(forms.ModelForm):
    """Edits a workflow's fields and its YAML; saved through `services.workflow_create`/`workflow_update`."""

    yaml_text = forms.CharField(
        label="Specification (YaWL)",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 24, "cols": 100, "spellcheck": "false", "class": "vLargeTextField"}),
    )

    class Meta:
        model = Workflow
        fields = ["name", "description", "labels"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        revision = self.instance.current_revision if self.instance.pk else None
        if revision is not None:
            self.fields["yaml_text"].initial = revision.yaml_text

    def clean_name(self) -> str:
        return _as_form_error(check_name, self.cleaned_data["name"])

    def clean_labels(self) -> dict[str, str]:
        return _as_form_error(check_labels, self.cleaned_data["labels"] or {})

    def clean_yaml_text(self) -> str:
        # Browsers send a textarea's newlines as CRLF; keep the text as typed, or an untouched spec would
        # differ from its revision and make a new one on every save.
        yaml_text = self.cleaned_data["yaml_text"].replace("\r\n", "\n")
        try:
            services.workflow_validate(yaml_text=yaml_text)
        except InvalidInput as exc:
            problems = [_located(detail) for detail in exc.details] or [exc.message]
            raise forms.ValidationError(problems) from None
        return yaml_text


class TokenForm(forms.Form):
    """A new API token for oneself; the scopes offered are those `permissions.token_scopes_offered` allows."""

    name = forms.CharField(max_length=100, help_text="What uses it, e.g. ci-deploy or grafana.")
    scope = forms.ChoiceField(
        choices=ApiToken.Scope.choices,
        help_text="read: view; operate: also start and steer executions; admin: also change workflows and tokens.",
    )
    expires_in_days = forms.IntegerField(
        label="Expires in (days)",
        required=False,
        min_value=1,
        max_value=3650,
        help_text="Optional. Empty: it never expires.",
    )

    def __init__(self, *args: Any, scopes: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["scope"]
        field.choices = [(value, label) for value, label in ApiToken.Scope.choices if value in scopes]
        field.error_messages["invalid_choice"] = "Your role cannot give a token the %(value)s scope."

    def service_kwargs(self, now: datetime | None = None) -> dict[str, Any]:
        """Keyword arguments of services.api_token_create."""
        data = self.cleaned_data
        days = data.get("expires_in_days")
        expires_at = (now or timezone.now()) + timedelta(days=days) if days else None
        return {"name": data["name"], "scope": data["scope"], "expires_at": expires_at}


class ApiTokenAdminForm(forms.ModelForm):
    """A new token's owner, name, scope and expiry; created through `services.api_token_create`."""

    class Meta:
        model = ApiToken
        fields = ["owner", "name", "scope", "expires_at"]

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def clean_expires_at(self) -> Any:
        expires_at = self.cleaned_data["expires_at"]
        if expires_at is not None and expires_at <= timezone.now():
            raise forms.ValidationError("The expiry must be in the future.")
        return expires_at


def _as_form_error(check: Any, value: Any) -> Any:
    """Run a service's field check, turning its InvalidInput into a form error (one rule, one place)."""
    try:
        return check(value)
    except InvalidInput as exc:
        raise forms.ValidationError(exc.message) from None


def _located(detail: dict[str, Any]) -> str:
    """`steps.a.noOp.next (line 6, column 13): no step 'b' in this block`."""
    where = ", ".join(f"{key} {detail[key]}" for key in ("line", "column") if detail.get(key))
    path = detail.get("path") or detail.get("field") or ""
    prefix = f"{path} ({where})" if path and where else path or where
    message = str(detail.get("message", ""))
    return f"{prefix}: {message}" if prefix else message
