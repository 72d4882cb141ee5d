"""Forms for case pages. They check shape; the services check the domain rules."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from django.db.models import Q

from waymark.accounts.models import Service, Team, User
from waymark.core.date_input import DateInputField, DateTimeInputField

from .models import (
    Case,
    ConsentRecord,
    DisclosureRequest,
    HateCrimeDetail,
    HateStrand,
    NeedItem,
    NeedsDomain,
    OnwardReferral,
    OtherHostility,
    OutcomeMeasure,
    OutcomeReading,
    SupportActivity,
    SupportGoal,
)

DATETIME_EXAMPLE = datetime(2025, 3, 14, 10, 30)
# A date still to come, as the hints of a target or review date show it ("For example, 14 3 2027").
DATE_EXAMPLE = date(2027, 3, 14)

SAFETY_PLAN_COMPONENTS = [
    ("safe_contact", "Safe ways and times to make contact"),
    ("escape_plan", "Plan for leaving quickly"),
    ("emergency_contacts", "Emergency contacts and 999 silent solution"),
    ("home_security", "Home security measures"),
    ("online_safety", "Online and phone safety"),
    ("children", "Children's safety"),
    ("court_orders", "Protective orders and bail conditions"),
]


def _dt(label: str, *, required: bool = False) -> DateTimeInputField:
    """A date and time that has happened, in the date input's boxes and a time box."""
    return DateTimeInputField(label=label, required=required, not_after_today=True, example=DATETIME_EXAMPLE)


class AllocateForm(forms.Form):
    owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label="Caseworker")
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False)

    def __init__(self, *args: Any, case: Case, owner_ids: set[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(pk__in=owner_ids).order_by("full_name")  # type: ignore[attr-defined]
        self.fields["owner"].label_from_instance = lambda u: u.full_name  # type: ignore[attr-defined]
        self.fields["team"].queryset = Team.objects.filter(  # type: ignore[attr-defined]
            Q(service__isnull=True) | Q(service_id=case.service_id), organisation_id=case.organisation_id
        )


class TransitionForm(forms.Form):
    to = forms.ChoiceField(label="Move the case to", error_messages={"required": "Select the new status"})
    reason = forms.CharField(
        widget=forms.Textarea, required=False, help_text="Needed to put a case on hold or reopen it."
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = choices  # type: ignore[attr-defined]


class ClosureRequestForm(forms.Form):
    closure_reason = forms.ChoiceField(
        choices=[("", "Select a reason")]
        + [c for c in Case.ClosureReason.choices if c[0] != Case.ClosureReason.TRANSFERRED],
        label="Why is the case closing?",
        error_messages={"required": "Select a reason for closing the case"},
    )
    reason = forms.CharField(widget=forms.Textarea, required=False, label="Notes (optional)")


class ClosureDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve: close the case"), ("reject", "Reject: support continues")],
        error_messages={"required": "Select approve or reject"},
    )
    reason = forms.CharField(widget=forms.Textarea, required=False, help_text="Needed to reject.")


class SupportTierForm(forms.Form):
    support_tier = forms.ChoiceField(
        choices=Case.SupportTier.choices, label="Support tier", error_messages={"required": "Select a tier"}
    )


class NeedsAssessmentForm(forms.Form):
    """One level (and optional note) per active area of need."""

    def __init__(self, *args: Any, domains: list[NeedsDomain], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.domains = domains
        for d in domains:
            self.fields[f"level_{d.key}"] = forms.ChoiceField(
                label=d.label,
                choices=[("", "Select a level"), *NeedItem.Level.choices],
                error_messages={"required": f"Select a level for {d.label.lower()}"},
            )
            self.fields[f"notes_{d.key}"] = forms.CharField(
                label=f"Notes on {d.label.lower()} (optional)", required=False, widget=forms.Textarea
            )

    def levels(self) -> dict[NeedsDomain, tuple[str, str]]:
        return {
            d: (self.cleaned_data[f"level_{d.key}"], self.cleaned_data[f"notes_{d.key}"])
            for d in self.domains
        }


class GoalForm(forms.Form):
    description = forms.CharField(widget=forms.Textarea, error_messages={"required": "Describe the goal"})
    domain = forms.ModelChoiceField(
        queryset=NeedsDomain.objects.filter(is_active=True), required=False, label="Area of need (optional)"
    )
    target_date = DateInputField(label="Target date", required=False, example=DATE_EXAMPLE)


class GoalStatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=SupportGoal.Status.choices, error_messages={"required": "Select a status"}
    )


class SafetyPlanForm(forms.Form):
    needed = forms.BooleanField(required=False, label="A safety plan is needed")
    components = forms.MultipleChoiceField(
        choices=SAFETY_PLAN_COMPONENTS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="The plan covers",
    )
    notes = forms.CharField(widget=forms.Textarea, required=False)
    completed_at = _dt("Date and time completed")
    reviewed_at = _dt("Date and time last reviewed")
    review_due = DateInputField(label="Date of the next review", required=False, example=DATE_EXAMPLE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # The boxes show a stored time to the minute: one the form sends back untouched is kept
        # as stored, not cut to the minute.
        for name in ("completed_at", "reviewed_at"):
            if name in data and name not in self.changed_data and self.initial.get(name) is not None:
                data[name] = self.initial[name]
        return data


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("", "Select a kind"), *SupportActivity.Kind.choices],
        error_messages={"required": "Select what kind of activity it was"},
    )
    at = _dt("Date and time of the activity", required=True)
    duration_minutes = forms.IntegerField(
        required=False, min_value=0, max_value=24 * 60, label="Duration in minutes (optional)"
    )
    text = forms.CharField(widget=forms.Textarea, required=False, label="Note")


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(
        choices=[("", "Select a purpose"), *ConsentRecord.Purpose.choices],
        error_messages={"required": "Select what the consent is for"},
    )
    given = forms.ChoiceField(
        choices=[("yes", "Given"), ("no", "Refused")],
        label="Consent",
        error_messages={"required": "Select given or refused"},
    )
    obtained_from = forms.ChoiceField(choices=ConsentRecord.ObtainedFrom.choices)
    at = _dt("Date and time it was given or refused", required=True)


class OnwardReferralForm(forms.Form):
    kind = forms.ChoiceField(
        choices=OnwardReferral.Kind.choices, error_messages={"required": "Select a kind"}
    )
    to_service = forms.ModelChoiceField(
        queryset=Service.objects.none(), required=False, label="Service in Waymark"
    )
    to_external = forms.CharField(max_length=200, required=False, label="Or a service outside Waymark")
    basis = forms.ChoiceField(
        choices=OnwardReferral.Basis.choices,
        label="Basis for sharing",
        error_messages={"required": "Select the basis for sharing"},
    )
    override_reason = forms.CharField(
        widget=forms.Textarea,
        required=False,
        label="Why share without consent?",
        help_text="Required for every basis other than consent; only a manager can send it.",
    )

    def __init__(self, *args: Any, destinations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_service"]
        field.queryset = destinations  # type: ignore[attr-defined]
        field.label_from_instance = lambda s: f"{s.name} ({s.organisation.name})"  # type: ignore[attr-defined]


class RejectForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea, error_messages={"required": "Give the reason for rejecting it"}
    )


class HateCrimeForm(forms.Form):
    strands = forms.MultipleChoiceField(
        choices=HateStrand.choices, required=False, widget=forms.CheckboxSelectMultiple, label="Strands"
    )
    other_hostilities = forms.ModelMultipleChoiceField(
        queryset=OtherHostility.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Other hostility",
    )
    crime_or_incident = forms.ChoiceField(
        choices=HateCrimeDetail.CrimeOrIncident.choices, label="Crime or incident"
    )
    perceived_by = forms.ChoiceField(
        choices=HateCrimeDetail.PerceivedBy.choices, label="Hostility perceived by"
    )
    location_type = forms.ChoiceField(
        choices=[("", "Not known"), *HateCrimeDetail.LocationType.choices], required=False, label="Where"
    )


class OutcomeReadingsForm(forms.Form):
    timepoint = forms.ChoiceField(
        choices=[("", "Select when"), *OutcomeReading.Timepoint.choices],
        error_messages={"required": "Select intake, review or exit"},
    )
    asked_person = forms.BooleanField(
        required=False, initial=True, label="The person answered these themselves"
    )

    def __init__(self, *args: Any, measures: list[OutcomeMeasure], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.measures = measures
        for m in measures:
            self.fields[f"measure_{m.pk}"] = forms.ChoiceField(
                label=m.label,
                choices=[("", "Not asked"), *[(str(v), str(v)) for v in m.scale]],
                required=False,
                help_text=m.framework.name,
            )

    def values(self) -> dict[OutcomeMeasure, str]:
        return {
            m: self.cleaned_data[f"measure_{m.pk}"]
            for m in self.measures
            if self.cleaned_data[f"measure_{m.pk}"]
        }


class LinkVictimCaseForm(forms.Form):
    victim_reference = forms.CharField(
        max_length=20,
        label="The victim's partner-support case reference",
        help_text="For example C-7Q2K9M. Programme staff will see only its safety status.",
        error_messages={"required": "Enter the case reference"},
    )


class DisclosureRequestForm(forms.Form):
    requester_type = forms.ChoiceField(
        choices=[("", "Select"), *DisclosureRequest.Requester.choices],
        label="Who asked",
        error_messages={"required": "Select who made the request"},
    )
    requester_name = forms.CharField(max_length=200, label="Requester (officer, court or firm)")
    received_at = _dt("Date and time received", required=True)
    legal_basis = forms.CharField(max_length=500, label="Legal basis given")
    scope_requested = forms.CharField(widget=forms.Textarea, label="What was asked for")
    is_counselling_information = forms.BooleanField(
        required=False, label="The request covers counselling information (higher safeguards apply)"
    )


class DisclosureDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("", "Select"), *[c for c in DisclosureRequest.Decision.choices if c[0] != "pending"]],
        error_messages={"required": "Select the decision"},
    )
    necessity_and_proportionality = forms.CharField(
        widget=forms.Textarea, required=False, label="Necessity and proportionality"
    )
    counselling_test = forms.CharField(
        widget=forms.Textarea, required=False, label="Counselling information: the higher test"
    )
    victim_informed_at = _dt("Date and time the person was told")
    victim_not_informed_reason = forms.CharField(
        max_length=500, required=False, label="Or why they were not told"
    )
    victim_view = forms.CharField(widget=forms.Textarea, required=False, label="The person's view (optional)")
    disclosed_at = _dt("Date and time of the disclosure")
    items_disclosed = forms.CharField(widget=forms.Textarea, required=False, label="What was disclosed")
