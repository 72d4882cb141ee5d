"""The Code's pages: its versions, rights and entitlements, and the OPCC admin's corrections."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from waymark.core.forms import form_flow
from waymark.core.http import AuthenticatedHttpRequest

from . import code_reference
from .forms_code import EntitlementForm, MetricDefinitionForm
from .models import CodeVersion, Entitlement, MetricDefinition

view_compliance = permission_required("victims_code.view_compliance", raise_exception=True)
manage_code = permission_required("victims_code.manage_code", raise_exception=True)


@require_GET
@login_required
@view_compliance
def code(request: AuthenticatedHttpRequest, version: str | None = None) -> HttpResponse:
    """A Code version's rights and entitlements, with their deadlines and sources."""
    versions = code_reference.code_versions()
    chosen = get_object_or_404(CodeVersion, code=version) if version else (versions[0] if versions else None)
    return render(
        request,
        "victims_code/code/code.html",
        {
            "versions": versions,
            "view": code_reference.code_version_view(chosen) if chosen else None,
            "may_manage": request.user.has_perm("victims_code.manage_code"),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
@manage_code
def entitlement_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    entitlement = get_object_or_404(Entitlement.objects.select_related("right__code_version"), pk=pk)
    initial = {field: getattr(entitlement, field) for field in code_reference.ENTITLEMENT_FIELDS}
    back = reverse("victims_code:code_version", kwargs={"version": entitlement.right.code_version.code})
    return form_flow(
        request,
        form=EntitlementForm(request.POST or None, initial=initial),
        save=lambda data: code_reference.entitlement_update(entitlement=entitlement, by=request.user, **data),
        success=f"{entitlement.code} saved. Duties already recorded now fall due by the new deadline.",
        then=lambda _: back,
        title=f"Correct {entitlement.code}",
        caption=f"Right {entitlement.right.number}: {entitlement.right.title}",
        intro=[
            "Deadlines are in working days: Monday to Friday, not counting England and Wales bank holidays.",
            "Saving a new deadline recomputes when every recorded duty of this entitlement falls due.",
        ],
        submit="Save",
        back_url=back,
    )


@require_http_methods(["GET", "POST"])
@login_required
@manage_code
def metric_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    metric = get_object_or_404(MetricDefinition.objects.select_related("code_version"), pk=pk)
    initial = {field: getattr(metric, field) for field in code_reference.METRIC_FIELDS}
    back = reverse("victims_code:code_version", kwargs={"version": metric.code_version.code})
    return form_flow(
        request,
        form=MetricDefinitionForm(request.POST or None, initial=initial),
        save=lambda data: code_reference.metric_definition_update(metric=metric, by=request.user, **data),
        success=f"{metric.code} saved.",
        then=lambda _: back,
        title=f"Correct {metric.code}: {metric.name}",
        caption="Compliance metric",
        submit="Save",
        back_url=back,
    )
