"""Governance pages: the complaint register (Right 12), review meetings and their actions, and
dip-sample audits.

Thin: each view reads through a selector (`complaints`, `reviews`, `audits`: `visible_to`, 404
outside scope), writes through one service, and renders. Every page that shows records writes
an access-log entry; the register's download is logged as an export.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record
from waymark.core.csv_download import csv_filename, csv_response
from waymark.core.date_input import error_anchor
from waymark.core.forms import add_service_errors, form_flow
from waymark.core.http import AuthenticatedHttpRequest
from waymark.crime.dashboards import period_choices

from . import audits, complaints, reviews
from .forms_governance import (
    ActionFilterForm,
    ActionUpdateForm,
    AuditCaseForm,
    AuditExerciseForm,
    ComplaintFilterForm,
    ComplaintForm,
    ComplianceActionForm,
    EntitlementCheckForm,
    ReviewMeetingForm,
)

view_compliance = permission_required("victims_code.view_compliance", raise_exception=True)
record_compliance = permission_required("victims_code.record_compliance", raise_exception=True)


def _data(request: AuthenticatedHttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _form(
    request: AuthenticatedHttpRequest,
    *,
    form: django_forms.Form,
    save: Callable[[dict[str, Any]], Any],
    success: str,
    then: Callable[[Any], str],
    back_url: str,
    title: str,
    submit: str,
    caption: str = "",
    intro: list[str] | None = None,
) -> HttpResponse:
    """A one-form governance page: the shared flow, nothing remembered by the browser."""
    return form_flow(
        request,
        form=form,
        save=save,
        success=success,
        then=then,
        title=title,
        submit=submit,
        caption=caption,
        back_url=back_url,
        intro=intro,
        no_autocomplete=True,
    )


def _log(
    request: AuthenticatedHttpRequest, action: str, label: str, detail: str = "", obj: Any = None
) -> None:
    access_log_record(
        actor=request.user, action=action, obj=obj, request=request, record_label=label, detail=detail
    )


# --- complaints -----------------------------------------------------------------------------------


def _complaint_filters(
    request: AuthenticatedHttpRequest,
) -> tuple[ComplaintFilterForm, complaints.ComplaintFilters]:
    periods = period_choices(complaints.complaint_received_range(user=request.user))
    form = ComplaintFilterForm(request.GET, periods=periods)
    return form, form.filters()


def _described(filters: complaints.ComplaintFilters) -> str:
    return "; ".join(f"{name}: {value}" for name, value in filters.describe())


@login_required
@view_compliance
@require_GET
def complaint_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The register with its filters and the handling summary of the complaints listed."""
    form, filters = _complaint_filters(request)
    rows = complaints.complaint_rows(complaints.complaint_list(user=request.user, filters=filters))
    _log(
        request,
        AccessLog.Action.LIST,
        "Victims' Code complaint register",
        f"{_described(filters)}: " + ", ".join(row.complaint.reference for row in rows),
    )
    return render(
        request,
        "victims_code/governance/complaints.html",
        {
            "form": form,
            "filters": filters,
            "rows": rows,
            "summary": complaints.complaint_summary(rows),
            "query": request.GET.urlencode(),
            "can_record": request.user.has_perm(complaints.RECORD_PERMISSION),
        },
    )


@login_required
@view_compliance
@require_GET
def complaint_download(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The register as listed (same filters) as CSV, with handling times."""
    _, filters = _complaint_filters(request)
    rows = complaints.complaint_rows(complaints.complaint_list(user=request.user, filters=filters))
    _log(request, AccessLog.Action.EXPORT, "Victims' Code complaint register", _described(filters))
    label = filters.period.label if filters.period else "all"
    return csv_response(
        filename=csv_filename("victims-code-complaints", label),
        header=complaints.COMPLAINT_CSV_HEADER,
        rows=complaints.complaint_csv_rows(rows),
        none_as="",
    )


@login_required
@record_compliance
def complaint_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Add a complaint to the register."""
    form = ComplaintForm(_data(request), rights=complaints.complaint_rights_choices())
    back = reverse("victims_code:complaints")
    return _form(
        request,
        form=form,
        save=lambda d: complaints.code_complaint_record(by=request.user, request=request, **d),
        success="Complaint recorded.",
        then=lambda _: back,
        back_url=back,
        title="Record a Victims' Code complaint",
        caption="Complaints (Right 12)",
        submit="Record complaint",
        intro=[
            "Record a complaint that a right under the Victims' Code was not met, by the agency's own "
            "reference. Never enter the name of the person who complained."
        ],
    )


@login_required
@record_compliance
def complaint_edit(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Change a complaint: record its acknowledgement, response, outcome or escalation."""
    complaint = complaints.complaint_get(user=request.user, public_id=public_id)
    rights = complaints.complaint_rights_choices() | complaint.rights.all()
    initial = {name: getattr(complaint, name) for name in complaints.COMPLAINT_FIELDS}
    initial["rights"] = list(complaint.rights.all())
    form = ComplaintForm(_data(request), rights=rights.distinct(), initial=initial)
    if request.method != "POST":
        _log(request, AccessLog.Action.VIEW, complaints.complaint_label(complaint), obj=complaint)
    back = reverse("victims_code:complaints")
    return _form(
        request,
        form=form,
        save=lambda d: complaints.code_complaint_update(
            complaint=complaint, by=request.user, request=request, **d
        ),
        success="Complaint updated.",
        then=lambda _: back,
        back_url=back,
        title=f"Complaint {complaint.reference}",
        caption=complaint.get_agency_type_display(),
        submit="Save changes",
    )


# --- reviews and actions --------------------------------------------------------------------------


@login_required
@view_compliance
@require_GET
def review_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Meetings, newest first, and the actions (open ones by default) with overdue ones flagged."""
    form = ActionFilterForm(request.GET)
    filters = form.filters()
    meetings = list(reviews.meeting_list(user=request.user))
    actions = list(reviews.action_list(user=request.user, filters=filters))
    _log(
        request,
        AccessLog.Action.LIST,
        "Victims' Code review meetings and actions",
        "; ".join(f"{name}: {value}" for name, value in filters.describe()) + f"; {len(actions)} actions",
    )
    return render(
        request,
        "victims_code/governance/reviews.html",
        {
            "form": form,
            "filters": filters,
            "meetings": meetings,
            "actions": actions,
            "overdue_count": sum(1 for action in actions if getattr(action, "overdue", False)),
            "can_record": request.user.has_perm(complaints.RECORD_PERMISSION),
        },
    )


@login_required
@record_compliance
def review_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Record a review meeting."""
    back = reverse("victims_code:reviews")
    return _form(
        request,
        form=ReviewMeetingForm(_data(request)),
        save=lambda d: reviews.review_meeting_record(by=request.user, request=request, **d),
        success="Meeting recorded.",
        then=lambda meeting: reverse("victims_code:review_detail", kwargs={"public_id": meeting.public_id}),
        back_url=back,
        title="Record a review meeting",
        caption="Reviews and actions",
        submit="Record meeting",
    )


@login_required
@view_compliance
@require_GET
def review_detail(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """One meeting: its minutes and the actions it agreed."""
    meeting = reviews.meeting_get(user=request.user, public_id=public_id)
    actions = list(reviews.meeting_actions(user=request.user, meeting=meeting))
    _log(request, AccessLog.Action.VIEW, reviews.meeting_label(meeting), obj=meeting)
    return render(
        request,
        "victims_code/governance/review_detail.html",
        {
            "meeting": meeting,
            "actions": actions,
            "can_record": request.user.has_perm(complaints.RECORD_PERMISSION),
        },
    )


@login_required
@record_compliance
def action_add(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Add an action agreed at a meeting."""
    meeting = reviews.meeting_get(user=request.user, public_id=public_id)
    back = reverse("victims_code:review_detail", kwargs={"public_id": meeting.public_id})
    return _form(
        request,
        form=ComplianceActionForm(_data(request), metrics=reviews.metric_choices()),
        save=lambda d: reviews.compliance_action_add(by=request.user, meeting=meeting, request=request, **d),
        success="Action added.",
        then=lambda _: back,
        back_url=back,
        title="Add an action",
        caption=reviews.meeting_label(meeting),
        submit="Add action",
    )


@login_required
@record_compliance
def action_update(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Record an action's progress."""
    action = reviews.action_get(user=request.user, public_id=public_id)
    initial = {"status": action.status, "update": action.update, "completed_on": action.completed_on}
    back = reverse("victims_code:review_detail", kwargs={"public_id": action.meeting.public_id})
    return _form(
        request,
        form=ActionUpdateForm(_data(request), initial=initial),
        save=lambda d: reviews.compliance_action_update(action=action, by=request.user, request=request, **d),
        success="Action updated.",
        then=lambda _: back,
        back_url=back,
        title="Update the action",
        caption=reviews.meeting_label(action.meeting),
        submit="Save update",
        intro=[action.description, f"Owner: {action.owner_role}, {action.get_owner_agency_display()}."],
    )


# --- dip-sample audits ----------------------------------------------------------------------------


@login_required
@view_compliance
@require_GET
def audit_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The dip-sample audits."""
    exercises = list(audits.exercise_list(user=request.user))
    _log(request, AccessLog.Action.LIST, "Victims' Code dip-sample audits", f"{len(exercises)} audits")
    return render(
        request,
        "victims_code/governance/audits.html",
        {"exercises": exercises, "can_record": request.user.has_perm(complaints.RECORD_PERMISSION)},
    )


@login_required
@record_compliance
def audit_add(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Start a dip-sample audit."""
    return _form(
        request,
        form=AuditExerciseForm(_data(request), initial={"agency_type": "police"}),
        save=lambda d: audits.audit_exercise_record(by=request.user, request=request, **d),
        success="Audit started.",
        then=lambda exercise: reverse("victims_code:audit_detail", kwargs={"public_id": exercise.public_id}),
        back_url=reverse("victims_code:audits"),
        title="Start a dip-sample audit",
        caption="Dip-sample audits",
        submit="Start audit",
    )


@login_required
@view_compliance
@require_GET
def audit_detail(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """One audit: its cases and the summary per entitlement."""
    exercise = audits.exercise_get(user=request.user, public_id=public_id)
    cases = list(audits.exercise_cases(user=request.user, exercise=exercise))
    _log(
        request,
        AccessLog.Action.VIEW,
        f"Dip-sample audit {exercise.title}",
        f"{len(cases)} cases",
        obj=exercise,
    )
    return render(
        request,
        "victims_code/governance/audit_detail.html",
        {
            "exercise": exercise,
            "cases": cases,
            "summary": audits.audit_summary(user=request.user, exercise=exercise),
            "can_record": request.user.has_perm(complaints.RECORD_PERMISSION),
        },
    )


def _error_items(case_form: AuditCaseForm, check_forms: list[EntitlementCheckForm]) -> list[dict[str, str]]:
    """The error summary's links: the case's errors, then each entitlement's, named by its code."""
    items = [{"text": str(error), "href": "#main-form"} for error in case_form.non_field_errors()]
    for bound in case_form:
        items.extend({"text": str(error), "href": error_anchor(bound)} for error in bound.errors)
    for form in check_forms:
        for bound in form:
            items.extend(
                {"text": f"{form.entitlement.code}: {error}", "href": error_anchor(bound)}
                for error in bound.errors
            )
    return items


@login_required
@record_compliance
def audit_case_add(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """Add an audited case: its reference, then one finding per entitlement checked."""
    exercise = audits.exercise_get(user=request.user, public_id=public_id)
    data = _data(request)
    case_form = AuditCaseForm(data)
    check_forms = [EntitlementCheckForm(data, entitlement=e) for e in audits.entitlements_to_check(exercise)]
    detail_url = reverse("victims_code:audit_detail", kwargs={"public_id": exercise.public_id})
    if request.method == "POST":
        valid = [form.is_valid() for form in (case_form, *check_forms)]
        if all(valid):
            checks = [check for form in check_forms if (check := form.check_input()) is not None]
            try:
                audits.audit_case_record(
                    by=request.user,
                    exercise=exercise,
                    checks=checks,
                    request=request,
                    **case_form.cleaned_data,
                )
            except audits.AuditCaseError as invalid:
                add_service_errors(case_form, ValidationError(invalid.case_errors))
                by_entitlement = {form.entitlement.pk: form for form in check_forms}
                for entitlement_id, problems in invalid.check_errors.items():
                    for name, message in problems.items():
                        by_entitlement[entitlement_id].add_error(name, message)
            else:
                messages.success(request, "Audited case added.")
                return redirect(detail_url)
    errors = _error_items(case_form, check_forms) if request.method == "POST" else []
    return render(
        request,
        "victims_code/governance/audit_case_form.html",
        {
            "exercise": exercise,
            "form": case_form,
            "check_forms": check_forms,
            "error_items": errors,
            "back_url": detail_url,
        },
        status=400 if errors else 200,
    )
