"""Forms for correcting the Code's rows (OPCC admins)."""

from __future__ import annotations

from django import forms

from .models import AppliesTo, DeadlineAnchor, MetricDefinition


class EntitlementForm(forms.Form):
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    deadline_standard = forms.IntegerField(
        label="Deadline for other victims (working days)",
        required=False,
        min_value=0,
        max_value=250,
        help_text="Leave empty where the Code sets no time limit.",
    )
    deadline_enhanced = forms.IntegerField(
        label="Deadline for victims entitled to enhanced rights (working days)",
        required=False,
        min_value=0,
        max_value=250,
        help_text="Leave empty where the Code sets no time limit.",
    )
    anchor = forms.ChoiceField(label="Counted from", choices=DeadlineAnchor.choices, widget=forms.RadioSelect)
    applies_to = forms.ChoiceField(label="Applies to", choices=AppliesTo.choices, widget=forms.RadioSelect)
    source = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The document, section or link this row comes from.",
    )
    verified = forms.BooleanField(label="Checked against the Code's published text", required=False)


class MetricDefinitionForm(forms.Form):
    name = forms.CharField(max_length=200)
    explanation = forms.CharField(
        label="Definition in plain English", widget=forms.Textarea(attrs={"rows": 4})
    )
    polarity = forms.ChoiceField(choices=MetricDefinition.Polarity.choices, widget=forms.RadioSelect)
    rag_green_min = forms.DecimalField(
        label="Green threshold (%)", required=False, max_digits=5, decimal_places=2
    )
    rag_amber_min = forms.DecimalField(
        label="Amber threshold (%)", required=False, max_digits=5, decimal_places=2
    )
    active = forms.BooleanField(label="Report this metric", required=False)
    source = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    verified = forms.BooleanField(label="Checked against its source", required=False)
