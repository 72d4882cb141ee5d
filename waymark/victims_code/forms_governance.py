"""Forms for the complaint register, review meetings and actions, and dip-sample audits.

They check shape (a real date, a choice offered); the services check the domain rules (dates
in order, a done action's date, a reference that is not a name).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.http import QueryDict

from waymark.core.date_input import DateInputField

from .audits import CheckInput
from .complaints import ComplaintFilters, Period
from .models import (
    AgencyType,
    AuditExercise,
    Channel,
    CodeComplaint,
    ComplianceAction,
    Entitlement,
    MetricDefinition,
    NotApplicableReason,
    ReviewMeeting,
    Right,
)
from .reviews import ActionFilters

EVERYTHING = ("", "All")


def _choice(label: str, choices: Any, *, required: bool = True, message: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=required,
        error_messages={
            "required": message or f"Select the {label.lower()}",
            "invalid_choice": message or f"Select the {label.lower()}",
        },
    )


# --- complaints -----------------------------------------------------------------------------------


class ComplaintFilterForm(forms.Form):
    """The register's filters: agency, outcome and when the complaint was received."""

    agency_type = forms.ChoiceField(label="Agency", required=False)
    outcome = forms.ChoiceField(label="Outcome", required=False)
    period = forms.ChoiceField(label="Received in", required=False)

    def __init__(self, data: QueryDict, *, periods: list[tuple[str, str]]) -> None:
        super().__init__(data)
        self.fields["agency_type"].choices = [EVERYTHING, *AgencyType.choices]  # type: ignore[attr-defined]
        self.fields["outcome"].choices = [EVERYTHING, *CodeComplaint.Outcome.choices]  # type: ignore[attr-defined]
        self.fields["period"].choices = [("", "Any time"), *periods]  # type: ignore[attr-defined]

    def filters(self) -> ComplaintFilters:
        """The filters chosen; none where the form is not valid (a stale or edited link)."""
        if not self.is_valid():
            return ComplaintFilters()
        period = self.cleaned_data["period"]
        return ComplaintFilters(
            agency_type=self.cleaned_data["agency_type"],
            outcome=self.cleaned_data["outcome"],
            period=Period.parse(period) if period else None,
        )


class RightChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"Right {obj.number}: {obj.title}"


class ComplaintForm(forms.Form):
    """A complaint to the register, or changes to one."""

    agency_type = _choice("Agency complained to", [("", "Select the agency"), *AgencyType.choices])
    reference = forms.CharField(
        label="The agency's complaint reference",
        max_length=40,
        help_text="As the agency writes it, for example CMP/2026/0153. Never a person's name.",
        error_messages={"required": "Enter the agency's complaint reference"},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    received_on = DateInputField(label="Date received", example=date(2026, 3, 27))
    acknowledged_on = DateInputField(
        label="Date acknowledged",
        required=False,
        help_text="Leave empty if not yet acknowledged.",
        example=date(2026, 4, 2),
    )
    responded_on = DateInputField(
        label="Date of the response",
        required=False,
        help_text="The provider's full response. Leave empty if none yet.",
        example=date(2026, 4, 24),
    )
    rights = RightChoiceField(
        label="Rights the complaint is about",
        queryset=Right.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one right the complaint is about"},
    )
    outcome = _choice("Outcome", CodeComplaint.Outcome.choices)
    escalated_to_phso = forms.BooleanField(
        label="Referred by an MP to the Parliamentary and Health Service Ombudsman", required=False
    )
    learning = forms.CharField(
        label="Learning (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What the agency will change. Do not include anyone's name.",
    )

    def __init__(self, *args: Any, rights: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rights"].queryset = rights  # type: ignore[attr-defined]


# --- reviews and actions --------------------------------------------------------------------------


class ReviewMeetingForm(forms.Form):
    forum = _choice("Forum", [("", "Select the forum"), *ReviewMeeting.Forum.choices])
    held_on = DateInputField(label="Date of the meeting", example=date(2026, 3, 27))
    title = forms.CharField(
        label="Title", max_length=200, error_messages={"required": "Enter a title for the meeting"}
    )
    attendees = forms.CharField(
        label="Agencies and roles present (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    minutes = forms.CharField(
        label="Minutes (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Do not include any victim's name or details.",
    )


class ActionFilterForm(forms.Form):
    status = forms.ChoiceField(label="Status", required=False)
    owner_agency = forms.ChoiceField(label="Owner agency", required=False)

    def __init__(self, data: QueryDict) -> None:
        super().__init__(data)
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            ("", "Open or in progress"),
            ("all", "Any status"),
            *ComplianceAction.Status.choices,
        ]
        self.fields["owner_agency"].choices = [EVERYTHING, *AgencyType.choices]  # type: ignore[attr-defined]

    def filters(self) -> ActionFilters:
        if not self.is_valid():
            return ActionFilters()
        return ActionFilters(
            status=self.cleaned_data["status"], owner_agency=self.cleaned_data["owner_agency"]
        )


class MetricChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code}: {obj.name} ({obj.code_version.code})"


class ComplianceActionForm(forms.Form):
    description = forms.CharField(
        label="Action",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter what the action is"},
    )
    owner_agency = _choice("Owner agency", [("", "Select the agency"), *AgencyType.choices])
    owner_role = forms.CharField(
        label="Owner's post",
        max_length=120,
        help_text="The post, not the person, for example Head of Witness Care.",
        error_messages={"required": "Enter the post that owns the action, for example Head of Witness Care"},
    )
    due_on = DateInputField(label="Due date", example=date(2026, 6, 30))
    metrics = MetricChoiceField(
        label="Metrics the action addresses (optional)",
        queryset=MetricDefinition.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, metrics: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["metrics"].queryset = metrics  # type: ignore[attr-defined]


class ActionUpdateForm(forms.Form):
    status = _choice("Status", ComplianceAction.Status.choices)
    update = forms.CharField(
        label="Progress note (optional)", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    completed_on = DateInputField(
        label="Date completed",
        required=False,
        help_text="Needed when the action is done.",
        example=date(2026, 5, 28),
    )


# --- audits ---------------------------------------------------------------------------------------


class AuditExerciseForm(forms.Form):
    title = forms.CharField(
        label="Title", max_length=200, error_messages={"required": "Enter a title for the audit"}
    )
    agency_type = _choice("Agency whose records are audited", AgencyType.choices)
    period_start = DateInputField(label="Start of the period sampled", example=date(2026, 1, 1))
    period_end = DateInputField(label="End of the period sampled", example=date(2026, 3, 31))
    sampling_method = _choice(
        "How the cases were sampled", [("", "Select how"), *AuditExercise.SamplingMethod.choices]
    )


class AuditCaseForm(forms.Form):
    """The audited case itself; each entitlement's finding is an `EntitlementCheckForm`."""

    pseudo_ref = forms.CharField(
        label="Crime reference or pseudonymous id",
        max_length=64,
        help_text=(
            "The force's crime reference or pseudonymous victim id, for example 20/123456/26. Never a name: "
            "a reference with a space or without a number is refused. It is shown only on this audit's page."
        ),
        error_messages={"required": "Enter the reference"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    reported_on = DateInputField(
        label="Date the crime was reported",
        required=False,
        help_text="Filled from the imported crime if left empty.",
        example=date(2026, 3, 27),
    )
    enhanced = forms.BooleanField(label="The victim is entitled to enhanced rights", required=False)
    crime_group = forms.CharField(label="Crime group (optional)", max_length=60, required=False)
    notes = forms.CharField(
        label="Notes on the case (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Do not include any name or contact details.",
    )


APPLIES = "applies"
NOT_APPLICABLE = "not_applicable"
NOT_CHECKED = ""
DELIVERED_CHOICES = [("yes", "Yes"), ("no", "No"), ("not_recorded", "Not recorded")]


class EntitlementCheckForm(forms.Form):
    """One entitlement's finding; prefixed by the entitlement's id so a page can hold them all."""

    status = forms.ChoiceField(
        label="Did the entitlement apply?",
        required=False,
        choices=[(NOT_CHECKED, "Not checked"), (APPLIES, "It applied"), (NOT_APPLICABLE, "It did not apply")],
        widget=forms.RadioSelect,
    )
    not_applicable_reason = forms.ChoiceField(
        label="Why it did not apply",
        required=False,
        choices=[("", "Select a reason"), *NotApplicableReason.choices],
    )
    triggered_on = DateInputField(label="Trigger date", required=False, example=date(2026, 3, 27))
    received_on = DateInputField(
        label="Date the agency received the information (if the Code counts from it)",
        required=False,
        example=date(2026, 3, 27),
    )
    delivered = forms.ChoiceField(
        label="Delivered", required=False, choices=DELIVERED_CHOICES, widget=forms.RadioSelect
    )
    delivered_on = DateInputField(label="Date delivered", required=False, example=date(2026, 3, 30))
    channel = forms.ChoiceField(
        label="Channel", required=False, choices=[("", "Not recorded"), *Channel.choices]
    )
    quality_rating = forms.TypedChoiceField(
        label="Quality",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", "Not rated"),
            (1, "1 Poor"),
            (2, "2 Requires improvement"),
            (3, "3 Good"),
            (4, "4 Outstanding"),
        ],
    )
    evidence_recorded = forms.BooleanField(label="Evidence is on the record", required=False)
    notes = forms.CharField(
        label="Notes (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, data: Any = None, *, entitlement: Entitlement) -> None:
        super().__init__(data, prefix=f"e{entitlement.pk}")
        self.entitlement = entitlement

    def check_input(self) -> CheckInput | None:
        """The finding as the service takes it; None where the entitlement was not checked."""
        data = self.cleaned_data
        if data["status"] == NOT_CHECKED:
            return None
        delivered = {"yes": True, "no": False}.get(data["delivered"])
        return CheckInput(
            entitlement=self.entitlement,
            applicable=data["status"] == APPLIES,
            not_applicable_reason=data["not_applicable_reason"],
            triggered_on=data["triggered_on"],
            received_on=data["received_on"],
            delivered=delivered,
            delivered_on=data["delivered_on"],
            channel=data["channel"],
            quality_rating=data["quality_rating"],
            evidence_recorded=data["evidence_recorded"],
            notes=data["notes"],
        )

    def clean(self) -> dict[str, Any]:
        """A finding filled in under "Not checked" is a slip: ask whether the entitlement applied."""
        data = super().clean() or {}
        if data.get("status") == NOT_CHECKED and any(data.get(name) for name in FINDING_FIELDS):
            self.add_error("status", "Say whether the entitlement applied, or clear this finding")
        return data


FINDING_FIELDS = (
    "not_applicable_reason",
    "triggered_on",
    "received_on",
    "delivered",
    "delivered_on",
    "channel",
    "quality_rating",
    "evidence_recorded",
    "notes",
)
