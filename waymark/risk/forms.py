"""Forms for the risk pages. Rules (counting, bands, judgement) live in the services."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django import forms

from waymark.core.date_input import DateInputField

from .models import MaracCriterion, MaracReferral, RiskAnswer, RiskAssessment, RiskLevel, RiskQuestion

# The date the hints show ("For example, 27 3 2026").
EXAMPLE = date(2026, 3, 27)


class RiskAssessmentForm(forms.Form):
    """The checklist: one yes/no/not known answer and a comment per question, plus judgement.

    Every answer is optional here so a draft can be saved part-done; `risk_assessment_submit`
    insists on all of them.
    """

    context = forms.ChoiceField(
        label="When was this assessment made?",
        choices=RiskAssessment.Context.choices,
        error_messages={"required": "Choose when this assessment was made"},
    )
    assessed_on = DateInputField(label="Date of assessment", example=EXAMPLE, not_after_today=True)
    professional_judgement_level = forms.ChoiceField(
        label="Professional judgement: level (optional)",
        required=False,
        choices=[("", "No change to the band"), *RiskLevel.choices],
        help_text="Your judgement may raise the level above the band, never lower it.",
    )
    professional_judgement_rationale = forms.CharField(
        label="Why your judgement raises the level",
        required=False,
        widget=forms.Textarea,
        help_text="Required if you raise the level.",
    )

    def __init__(self, *args: Any, questions: Iterable[RiskQuestion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            self.fields[f"q_{question.key}"] = forms.ChoiceField(
                label=f"{question.number}. {question.label}",
                required=False,
                choices=RiskAnswer.Value.choices,
                widget=forms.RadioSelect,
            )
            self.fields[f"c_{question.key}"] = forms.CharField(
                label=f"Comment on question {question.number} (optional)",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def question_rows(self) -> list[tuple[RiskQuestion, forms.BoundField, forms.BoundField]]:
        """Each question with its answer and comment fields, for the template."""
        return [(q, self[f"q_{q.key}"], self[f"c_{q.key}"]) for q in self.questions]


class IncidentForm(forms.Form):
    """A domestic abuse incident on the case."""

    occurred_on = DateInputField(label="Date of the incident", example=EXAMPLE)
    reported_to_police = forms.BooleanField(label="Reported to the police", required=False)
    same_perpetrator = forms.BooleanField(
        label="Same perpetrator(s) as before",
        required=False,
        initial=True,
        help_text="Between the same victim and perpetrator(s) as the last MARAC referral.",
    )
    notes = forms.CharField(label="Notes (optional)", required=False, widget=forms.Textarea)


class MaracReferralForm(forms.Form):
    """A MARAC referral; the criteria start ticked from what Waymark detected."""

    criteria = forms.MultipleChoiceField(
        label="Referral criteria",
        choices=MaracCriterion.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Ticked from what Waymark detected; add or remove as you judge.",
        error_messages={"required": "Choose at least one MARAC referral criterion"},
    )
    concerns = forms.CharField(
        label="Your concerns",
        required=False,
        widget=forms.Textarea,
        help_text="Required for professional judgement.",
    )
    referred_on = DateInputField(label="Date of referral", example=EXAMPLE)
    marac_area = forms.CharField(
        label="MARAC area", max_length=200, error_messages={"required": "Enter the MARAC area"}
    )
    meeting_date = DateInputField(label="MARAC meeting date (optional)", required=False, example=EXAMPLE)
    consent = forms.ChoiceField(
        label="Did the person consent to the referral?",
        choices=[("", "Choose"), *MaracReferral.Consent.choices],
        error_messages={"required": "Say whether the person consented"},
    )
    victim_informed = forms.ChoiceField(
        label="Was the person told about the referral?",
        choices=[("", "Choose"), *MaracReferral.VictimInformed.choices],
        error_messages={"required": "Say whether the person was told about the referral"},
    )
