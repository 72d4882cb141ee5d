"""The provider returns page and its CSV and XLSX downloads.

A provider manager sees the exact return of their own organisation's services; OPCC staff
and board members see the suppressed return of any service (`waymark.cases.returns`). A
service outside someone's choices answers 404, so its existence is not confirmed.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify

from waymark.accounts.access import has_role, organisation_ids_with_role
from waymark.accounts.models import Service
from waymark.accounts.roles import Role
from waymark.audit.models import AccessLog
from waymark.cases.returns import (
    HIDDEN_MARKER,
    OPCC_ROLES,
    ProviderReturn,
    default_quarter,
    provider_return_csv,
    provider_return_for_opcc,
    provider_return_for_staff,
    provider_return_xlsx,
    recent_quarters,
)
from waymark.core.http import AuthenticatedHttpRequest
from waymark.core.periods import FinancialQuarter

from . import rules as _rules  # noqa: F401 - registers the permission even before the app is installed
from .forms import ProviderReturnForm

# Five years of quarters: a return must stay reproducible long after it was sent.
QUARTERS_OFFERED = 20

view_provider_return = permission_required("returns.view_provider_return", raise_exception=True)

_CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _services_for(user: object) -> list[Service]:
    """The services whose return this person may ask for: their own provider's, or any for the OPCC."""
    services = Service.objects.select_related("organisation").order_by("organisation__name", "name")
    if has_role(user, *OPCC_ROLES):
        return list(services)
    return list(
        services.filter(organisation_id__in=organisation_ids_with_role(user, [Role.PROVIDER_MANAGER]))
    )


def _check_service_param(request: AuthenticatedHttpRequest, services: list[Service]) -> None:
    """404 for a service id that is malformed or not among the person's choices."""
    raw = request.GET.get("service")
    if not raw:
        return
    try:
        wanted = UUID(raw)
    except ValueError:
        raise Http404("No such service.") from None
    if not any(service.public_id == wanted for service in services):
        raise Http404("No such service.")


def _build(
    request: AuthenticatedHttpRequest, service: Service, quarter: FinancialQuarter, action: AccessLog.Action
) -> ProviderReturn:
    """The exact return for the provider's own managers, the suppressed one for everyone else."""
    user = request.user
    if service.organisation_id in organisation_ids_with_role(user, [Role.PROVIDER_MANAGER]):
        return provider_return_for_staff(
            user=user, service=service, quarter=quarter, request=request, action=action
        )
    return provider_return_for_opcc(
        user=user, service=service, quarter=quarter, request=request, action=action
    )


def _form(request: AuthenticatedHttpRequest) -> tuple[ProviderReturnForm, list[Service]]:
    services = _services_for(request.user)
    _check_service_param(request, services)
    quarters = recent_quarters(QUARTERS_OFFERED)
    form = ProviderReturnForm(
        request.GET or None,
        services=services,
        quarters=quarters,
        initial={"quarter": default_quarter().label},
    )
    return form, services


def _chosen(form: ProviderReturnForm, services: list[Service]) -> tuple[Service, FinancialQuarter]:
    wanted = UUID(form.cleaned_data["service"])
    service = next(service for service in services if service.public_id == wanted)
    return service, form.cleaned_data["quarter"]


@login_required
@view_provider_return
def provider_return(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Pick a service and quarter; see its return (exact or suppressed, by role)."""
    form, services = _form(request)
    context: dict[str, object] = {"form": form, "services": services, "hidden_marker": HIDDEN_MARKER}
    if not form.is_bound:
        return render(request, "returns/provider_return.html", context)
    if not form.is_valid():
        return render(request, "returns/provider_return.html", context, status=400)
    service, quarter = _chosen(form, services)
    context["provider_return"] = _build(request, service, quarter, AccessLog.Action.VIEW)
    context["query"] = request.GET.urlencode()
    return render(request, "returns/provider_return.html", context)


@login_required
@view_provider_return
def provider_return_download(request: AuthenticatedHttpRequest, file_format: str) -> HttpResponse:
    """The same return as a CSV or XLSX file; recorded in the access log as an export."""
    if file_format not in _CONTENT_TYPES:
        raise Http404("No such format.")
    form, services = _form(request)
    if not form.is_bound or not form.is_valid():
        return render(
            request, "returns/provider_return.html", {"form": form, "services": services}, status=400
        )
    service, quarter = _chosen(form, services)
    result = _build(request, service, quarter, AccessLog.Action.EXPORT)
    body: str | bytes = provider_return_csv(result) if file_format == "csv" else provider_return_xlsx(result)
    response = HttpResponse(body, content_type=_CONTENT_TYPES[file_format])
    name = f"provider-return-{slugify(service.name)}-{slugify(quarter.label)}"
    if not result.is_exact:
        name += "-suppressed"
    response["Content-Disposition"] = f'attachment; filename="{name}.{file_format}"'
    return response
