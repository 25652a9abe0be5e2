from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from executions.dashboard import contexts
from executions.views.common import HtmxHttpRequest, template_for, viewer_required


@require_GET
@login_required
@viewer_required
def overview(request: HtmxHttpRequest) -> HttpResponse:
    template = template_for(request, "executions/overview.html", "overview-live")
    return render(request, template, contexts.overview_context())
