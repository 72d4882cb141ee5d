"""Pages for referrals: the list, a referral, contact and triage, intake forms, outreach events."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from waymark.accounts.access import active_memberships
from waymark.accounts.models import Organisation, Service, Team
from waymark.accounts.roles import OrganisationType
from waymark.accounts.scope import casework_scope
from waymark.accounts.selectors import casework_staff_of
from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record, access_log_record_many
from waymark.core.forms import add_service_errors, form_flow
from waymark.core.http import AuthenticatedHttpRequest

from . import selectors, services
from .contact import contact_attempt_record, safe_contact_summary
from .csv_import import COLUMNS, REQUIRED_COLUMNS, police_batch_import
from .forms import (
    ContactAttemptForm,
    EventReferralForm,
    OutreachEventForm,
    PeopleSupportedForm,
    PoliceBatchUploadForm,
    ReferralForm,
    TriageForm,
)
from .models import Referral
from .rules import CASEWORK_ROLES

PAGE_SIZE = 50

view_referrals = permission_required("referrals.view_referrals", raise_exception=True)


def _services_in_scope(user: Any) -> list[Service]:
    scope = casework_scope(user)
    return list(
        Service.objects.filter(is_active=True)
        .filter(scope.q(organisation="organisation_id", service="id"))
        .select_related("organisation")
        .order_by("name")
    )


@login_required
@view_referrals
def referral_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Received referrals with filters, overdue first contacts first; and those the user's agency sent."""
    status = request.GET.get("status", "")
    if status not in Referral.Status.values:
        status = ""
    service_id: UUID | None
    try:
        service_id = UUID(request.GET.get("service", ""))
    except ValueError:
        service_id = None
    filters = selectors.ReferralFilters(status=status, service=service_id)
    page = Paginator(
        selectors.referral_list_for_user(user=request.user, filters=filters), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    sent = list(selectors.referral_sent_queryset(user=request.user).select_related("service")[:PAGE_SIZE])
    shown: list[Model] = [*page.object_list, *sent]
    if shown:
        access_log_record_many(
            actor=request.user, action=AccessLog.Action.LIST, objects=shown, request=request
        )
    query = {k: v for k, v in (("status", status), ("service", str(service_id or ""))) if v}
    return render(
        request,
        "referrals/list.html",
        {
            "page": page,
            "sent": sent,
            "statuses": Referral.Status.choices,
            "services": selectors.services_for_filter(user=request.user),
            "status": status,
            "service_id": str(service_id or ""),
            "query": "&".join(f"{k}={v}" for k, v in query.items()),
            "is_overdue": selectors.is_first_contact_overdue,
            "may_create": request.user.has_perm("referrals.create_referral"),
        },
    )


@login_required
@view_referrals
def referral_detail(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """A referral: the safe-contact summary first. A referrer sees its status only."""
    referral = selectors.referral_get(user=request.user, public_id=public_id)
    access_log_record(actor=request.user, action=AccessLog.Action.VIEW, obj=referral, request=request)
    if not request.user.has_perm("referrals.triage", referral):
        return render(request, "referrals/status.html", {"referral": referral})
    methods = list(referral.person.contact_methods.all())
    return render(
        request,
        "referrals/detail.html",
        {
            "referral": referral,
            "person": referral.person,
            "summaries": safe_contact_summary(methods),
            "attempts": referral.contact_attempts.select_related("contact_method", "by").order_by("-at"),
            "is_open": referral.status in Referral.OPEN_STATUSES,
            "overdue": selectors.is_first_contact_overdue(referral),
            "matches": selectors.possible_duplicate_matches(user=request.user, referral=referral),
            "may_review_duplicate": request.user.has_perm("referrals.review_duplicate", referral),
            "case": getattr(referral, "case", None),
        },
    )


@login_required
@view_referrals
def referral_contact(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Record a contact attempt; the page shows how it is safe to make contact before the form."""
    referral = selectors.referral_get_received(user=request.user, public_id=public_id)
    methods = list(referral.person.contact_methods.all())
    form = ContactAttemptForm(request.POST or None, contact_methods=methods)
    if request.method == "GET":
        access_log_record(actor=request.user, action=AccessLog.Action.VIEW, obj=referral, request=request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            contact_attempt_record(
                by=request.user,
                referral=referral,
                contact_method=form.chosen_method(),
                channel=data["channel"],
                outcome=data["outcome"],
                at=data["at"],
                notes=data["notes"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Contact attempt recorded.")
            return redirect(referral.get_absolute_url())
    return render(
        request,
        "referrals/contact.html",
        {"referral": referral, "summaries": safe_contact_summary(methods), "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@view_referrals
def referral_triage(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Record the referral's outcome; accepting it opens the case."""
    referral = selectors.referral_get_received(user=request.user, public_id=public_id)
    staff = casework_staff_of(organisation_id=referral.organisation_id)
    form = TriageForm(
        request.POST or None, staff=staff, teams=Team.objects.filter(organisation=referral.organisation)
    )

    def save(data: dict[str, Any]) -> Referral:
        return services.referral_triage(
            by=request.user,
            referral=referral,
            outcome=data["outcome"],
            notes=data["notes"],
            signposted_to=data["signposted_to"],
            owner=form.staff.get(data["owner"]),
            team=form.teams.get(data["team"]),
            referrer_told_safely=data["referrer_told_safely"],
            request=request,
        )

    return form_flow(
        request,
        form=form,
        save=save,
        success=lambda r: f"Outcome recorded: {r.get_status_display().lower()}.",
        then=lambda r: r.get_absolute_url(),
        title="Record the outcome",
        caption=f"Referral {referral.reference}",
        submit="Record outcome",
        back_url=referral.get_absolute_url(),
        no_autocomplete=True,
    )


@login_required
@view_referrals
@require_POST
def referral_duplicate_review(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """A manager marks a possible duplicate as reviewed."""
    referral = selectors.referral_get_received(user=request.user, public_id=public_id)
    try:
        services.referral_duplicate_review(by=request.user, referral=referral, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Possible duplicate marked as reviewed.")
    return redirect(referral.get_absolute_url())


def _referring_agency(user: Any) -> Organisation | None:
    for m in active_memberships(user):
        if m.role in CASEWORK_ROLES and m.organisation.type == OrganisationType.PARTNER_AGENCY:
            return m.organisation
    return None


@login_required
@permission_required("referrals.create_referral", raise_exception=True)
def referral_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A partner agency's referral, or one the service takes by phone or in person."""
    agency = _referring_agency(request.user)
    if agency is not None:
        choices = list(
            Service.objects.filter(is_active=True, organisation__is_active=True)
            .exclude(organisation__type=OrganisationType.PARTNER_AGENCY)
            .select_related("organisation")
        )
    else:
        choices = _services_in_scope(request.user)
    by_id = {str(s.public_id): s for s in choices}
    form = ReferralForm(request.POST or None, services=choices)

    def save(data: dict[str, Any]) -> Referral:
        details = services.ReferralDetails(
            service=by_id.get(data["service"]),
            source=Referral.Source.PARTNER_FORM if agency else Referral.Source.STAFF_ENTERED,
            consent=data["consent"],
            person=form.person_details(),
            contact_methods=form.contact_details(),
            reason=data["reason"],
            crime_reference=data["crime_reference"],
            external_reference=data["external_reference"] if agency else "",
            referrer_organisation=agency,
            referrer_name=request.user.full_name if agency else "",
            referrer_contact=request.user.email if agency else "",
        )
        referral, _ = services.referral_create(by=request.user, details=details, request=request)
        return referral

    return form_flow(
        request,
        form=form,
        save=save,
        success=lambda r: f"Referral {r.reference} sent to {r.service.name}.",
        then=lambda r: r.get_absolute_url(),
        title="Make a referral" if agency else "Enter a referral taken by phone or in person",
        submit="Send referral" if agency else "Save referral",
        back_url=reverse("referrals:list"),
        no_autocomplete=True,
    )


def _police_force(user: Any) -> Organisation | None:
    for m in active_memberships(user):
        if m.organisation.type == OrganisationType.POLICE_FORCE:
            return m.organisation
    return None


@login_required
@permission_required("referrals.upload_police_batch", raise_exception=True)
def police_upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload a CSV file of the force's referrals: every row checked, all imported or none."""
    force = _police_force(request.user)
    if force is None:  # pragma: no cover - the permission requires one
        raise PermissionDenied
    form = PoliceBatchUploadForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form, "force": force, "columns": COLUMNS, "required": REQUIRED_COLUMNS}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            result = police_batch_import(
                by=request.user, force=force, file=form.cleaned_data["file"], request=request
            )
            context["result"] = result
            if result.errors:
                status = 400
        else:
            status = 400
    return render(request, "referrals/upload.html", context, status=status)


# --- outreach events --------------------------------------------------------------------------

manage_outreach = permission_required("referrals.manage_outreach", raise_exception=True)


@login_required
@manage_outreach
def event_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Outreach events of the services the user works for."""
    return render(
        request,
        "referrals/event_list.html",
        {"events": selectors.outreach_event_list_for_user(user=request.user)},
    )


@login_required
@manage_outreach
def event_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Log an outreach event."""
    choices = _services_in_scope(request.user)
    by_id = {str(s.public_id): s for s in choices}
    form = OutreachEventForm(request.POST or None, services=choices)

    def save(data: dict[str, Any]) -> Any:
        service = by_id.get(data["service"])
        if service is None:
            raise ValidationError({"service": "Choose a service you work for."})
        return services.outreach_event_create(
            by=request.user,
            service=service,
            name=data["name"],
            kind=data["kind"],
            venue=data["venue"],
            held_on=data["held_on"],
            people_supported=data["people_supported"],
            notes=data["notes"],
        )

    return form_flow(
        request,
        form=form,
        save=save,
        success=lambda e: f"{e.name} logged.",
        then=lambda e: e.get_absolute_url(),
        title="Log an outreach event",
        submit="Save event",
        back_url=reverse("referrals:event_list"),
    )


@login_required
@manage_outreach
def event_detail(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """An event: people supported on the spot and referrals that came from it (a count)."""
    event = selectors.outreach_event_get(user=request.user, public_id=public_id)
    form = PeopleSupportedForm(request.POST or None, initial={"people_supported": event.people_supported})
    if request.method == "POST" and form.is_valid():
        try:
            services.outreach_event_update_supported(
                by=request.user, event=event, people_supported=form.cleaned_data["people_supported"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "People supported updated.")
            return redirect(event.get_absolute_url())
    return render(
        request,
        "referrals/event_detail.html",
        {"event": event, "referral_count": event.referrals.count(), "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@manage_outreach
def event_referral_create(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """A self-referral taken by staff at the event."""
    event = selectors.outreach_event_get(user=request.user, public_id=public_id)
    form = EventReferralForm(request.POST or None)

    def save(data: dict[str, Any]) -> Referral:
        details = services.ReferralDetails(
            service=event.service,
            source=Referral.Source.SELF_OUTREACH,
            consent=data["consent"],
            person=form.person_details(),
            contact_methods=form.contact_details(),
            reason=data["reason"],
            outreach_event=event,
        )
        referral, _ = services.referral_create(by=request.user, details=details, request=request)
        return referral

    return form_flow(
        request,
        form=form,
        save=save,
        success=lambda r: f"Referral {r.reference} recorded.",
        then=lambda _: event.get_absolute_url(),
        title="Referral taken at this event",
        caption=str(event),
        submit="Save referral",
        back_url=event.get_absolute_url(),
        no_autocomplete=True,
    )
