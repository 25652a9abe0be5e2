"""Forms of the dashboard and the admin: parse and shape input; the services decide what is allowed."""

from __future__ import annotations

import json
from collections.abc import Iterable
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

    def clean_input(self) -> Any:
        try:
            return json.loads(self.cleaned_data["input"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                f"This is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
            ) from None

    def add_domain_error(self, exc: Exception) -> None:
        """Show a service's refusal next to the field it is about."""
        message = getattr(exc, "message", str(exc))
        if isinstance(exc, Conflict):
            self.add_error("idempotency_key", message)
        elif isinstance(exc, InvalidInput):
            self.add_error("input", message)
        else:
            self.add_error(None, message)


class StatusesField(forms.MultipleChoiceField):
    """Statuses from repeated `status` parameters or one comma-separated value, in any case."""

    def to_python(self, value: Any) -> list[str]:
        return [part.strip().upper() for item in super().to_python(value) for part in item.split(",") if part.strip()]

    def bound_data(self, data: Any, initial: Any) -> list[str]:
        # The checkboxes show what was understood (`?status=failed` ticks FAILED), not the raw text.
        return self.to_python(data)


class ExecutionFilterForm(forms.Form):
    status = StatusesField(
        choices=[(status.value, status.value.title()) for status in ExecutionStatus],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    workflow = forms.ChoiceField(required=False)
    q = forms.CharField(label="Execution id", required=False, max_length=26)
    cursor = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, data: Any, *, workflows: Iterable[Workflow]) -> None:
        super().__init__(data)
        self.fields["workflow"].choices = [("", "All workflows"), *((w.pk, w.name) for w in workflows)]
        self.fields["q"].widget.attrs.update(placeholder="id prefix", autocomplete="off")

    def filters(self) -> ExecutionFilters:
        data = self.cleaned_data
        return ExecutionFilters(statuses=tuple(data["status"]), workflow_id=data["workflow"], search=data["q"].strip())


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
