"""API tokens page: your tokens (admins: everyone's), a new one (its secret shown once, never stored), revoke.

The same rules as the native API's token endpoints, from `executions.permissions`; the writes go through
`services.api_token_create` / `api_token_revoke`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from executions import permissions, selectors, services
from executions.errors import Forbidden, InvalidInput
from executions.forms import TokenForm
from executions.models import ApiToken
from executions.views.common import (
    PAGE_SIZE,
    HtmxHttpRequest,
    actor_for,
    domain_errors,
    error_message,
    template_for,
    viewer_required,
    wants_fragment,
)

TEMPLATE = "executions/tokens.html"
ALL_TOKENS_MESSAGE = "Only administrators may see every user's tokens."


@require_GET
@login_required
@viewer_required
@domain_errors
def token_list(request: HtmxHttpRequest) -> HttpResponse:
    return token_page(request, form=new_token_form(request))


@require_POST
@login_required
@viewer_required
@domain_errors
@never_cache  # the response holds the new token's secret: no cache may keep it
def token_create(request: HtmxHttpRequest) -> HttpResponse:
    form = new_token_form(request, request.POST)
    created = None
    if form.is_valid():
        try:
            permissions.check_token_scope(request.user, form.cleaned_data["scope"])
            created = services.api_token_create(actor=actor_for(request), owner=request.user, **form.service_kwargs())
        except (InvalidInput, Forbidden) as exc:
            form.add_error(None, error_message(exc))
    if created is None:
        return token_page(request, form=form, status=400, fragment="create-result")
    return token_page(request, form=new_token_form(request), created=created, status=201, fragment="create-result")


@require_POST
@login_required
@viewer_required
@domain_errors
def token_revoke(request: HtmxHttpRequest, prefix: str) -> HttpResponse:
    manager = permissions.can_manage_tokens(request.user)
    token = selectors.api_token_get(prefix=prefix, owner=None if manager else request.user)
    permissions.check_token_scope(request.user, token.scope)
    token = services.api_token_revoke(actor=actor_for(request), token=token)
    if wants_fragment(request):
        context = {"token": token, "now": timezone.now(), "show_all": request.POST.get("all") == "1"}
        return render(request, f"{TEMPLATE}#token-row", context)
    messages.success(request, f"Token {token.name} ({token.prefix}) revoked.")
    return redirect(list_url(show_all=request.POST.get("all") == "1"))


# --- shared by the views above ------------------------------------------------------------------------------


def new_token_form(request: HtmxHttpRequest, data: Any = None) -> TokenForm:
    return TokenForm(data, scopes=permissions.token_scopes_offered(request.user))


def token_page(
    request: HtmxHttpRequest,
    *,
    form: TokenForm,
    created: tuple[ApiToken, str] | None = None,
    status: int = 200,
    fragment: str = "",
) -> HttpResponse:
    show_all = request.GET.get("all") == "1"
    if show_all and not permissions.can_manage_tokens(request.user):
        raise Forbidden(ALL_TOKENS_MESSAGE)
    queryset = selectors.api_token_list(owner=None if show_all else request.user)
    page = selectors.created_page(queryset=queryset, cursor=request.GET.get("cursor", ""), size=PAGE_SIZE)
    context = {
        "page": page,
        "form": form,
        "created": created,
        "show_all": show_all,
        "can_manage_tokens": permissions.can_manage_tokens(request.user),
        "now": timezone.now(),
    }
    template = template_for(request, TEMPLATE, fragment) if fragment else TEMPLATE
    return render(request, template, context, status=status)


def list_url(*, show_all: bool) -> str:
    url = reverse("executions:token_list")
    return f"{url}?all=1" if show_all else url
