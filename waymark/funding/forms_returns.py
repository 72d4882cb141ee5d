"""Forms for match funding, providers' monitoring returns, their review, and funder returns.

Forms only parse what was typed; the services in `match.py` and `returns.py` decide what is
allowed and say why not.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms

from waymark.core.date_input import DateInputField

from .models import Award, BudgetLine, FundingSource, MatchContribution, MonitoringReturn
from .returns import OUTPUT_MEASURES


class MatchContributionForm(forms.Form):
    financial_year = forms.CharField(label="Financial year", max_length=7, help_text="For example, 2021/22.")
    kind = forms.ChoiceField(
        label="Cash or in kind", choices=[("", "Choose cash or in kind"), *MatchContribution.Kind.choices]
    )
    contributor = forms.CharField(label="Who contributed it", max_length=200)
    description = forms.CharField(label="What was contributed", max_length=300)
    valuation_method = forms.ChoiceField(
        label="How it was valued",
        choices=[("", "Choose a method"), *MatchContribution.Valuation.choices],
        help_text="Cash is valued as the cash received or the invoice value.",
    )
    hours = forms.DecimalField(
        label="Hours given (hours x rate only)", required=False, max_digits=10, decimal_places=2, min_value=0
    )
    hourly_rate = forms.DecimalField(
        label="Hourly rate in pounds (hours x rate only)",
        required=False,
        max_digits=10,
        decimal_places=2,
        min_value=0,
    )
    rate_basis = forms.CharField(
        label="Where the hourly rate comes from (hours x rate only)",
        max_length=200,
        required=False,
        help_text="For example, the volunteer rate in the grant conditions, or a pay scale point.",
    )
    amount = forms.DecimalField(
        label="Amount in pounds",
        required=False,
        help_text="Leave empty for hours x rate: it is worked out to the penny.",
        max_digits=14,
        decimal_places=2,
        min_value=0,
    )
    evidence = forms.CharField(
        label="Where the evidence is kept", max_length=300, required=False, help_text="Optional."
    )


class ReturnFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *MonitoringReturn.Status.choices]
    )
    late = forms.ChoiceField(
        label="Late or not",
        required=False,
        choices=[("", "Late or not"), ("late", "Late only"), ("not_late", "Not late")],
    )

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {"status": "", "late": ""}
        return {"status": self.cleaned_data["status"], "late": self.cleaned_data["late"]}


class ScheduleForm(forms.Form):
    award = forms.ModelChoiceField(
        label="Award", queryset=Award.objects.none(), empty_label="Choose an award"
    )

    def __init__(self, *args: Any, awards: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["award"].queryset = awards  # type: ignore[attr-defined]


_OTHER_LINE = re.compile(r"^\s*(?P<name>[^:=]+?)\s*[:=]\s*(?P<number>-?\d+)\s*$")


class MonitoringReturnForm(forms.Form):
    """Spend per budget line, the standard outputs, any other outputs, narrative and risks."""

    def __init__(self, *args: Any, budget_lines: list[BudgetLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.budget_lines = budget_lines
        for line in budget_lines:
            self.fields[f"spend_{line.pk}"] = forms.DecimalField(
                label=f"Spend on {line.description} ({line.get_category_display()}, {line.financial_year})",
                help_text=f"In pounds, to the penny; 0 if nothing. Budget for the year: £{line.amount:,}.",
                required=True,
                max_digits=14,
                decimal_places=2,
                error_messages={"required": f"Enter the spend on {line.description}; enter 0 if none."},
            )
        for key, label in OUTPUT_MEASURES:
            self.fields[f"output_{key}"] = forms.IntegerField(
                label=label, required=False, min_value=0, help_text="Leave empty if it does not apply."
            )
        self.fields["other_outputs"] = forms.CharField(
            label="Other outputs and outcomes",
            required=False,
            widget=forms.Textarea(attrs={"rows": 4}),
            help_text="One a line, as name: number. For example, Programme completions: 12",
        )
        self.fields["narrative"] = forms.CharField(
            label="Narrative",
            widget=forms.Textarea(attrs={"rows": 6}),
            help_text="What the service did this period.",
        )
        self.fields["risks"] = forms.CharField(
            label="Risks and issues", required=False, widget=forms.Textarea(attrs={"rows": 4})
        )

    def clean_other_outputs(self) -> dict[str, int]:
        parsed: dict[str, int] = {}
        for number, line in enumerate((self.cleaned_data.get("other_outputs") or "").splitlines(), start=1):
            if not line.strip():
                continue
            match = _OTHER_LINE.match(line)
            if match is None or int(match["number"]) < 0:
                raise forms.ValidationError(
                    f"Line {number} of other outputs: write it as a name, a colon and a whole number, "
                    "like Programme completions: 12"
                )
            parsed[match["name"]] = int(match["number"])
        return parsed

    def spend(self) -> dict[int, Any]:
        return {line.pk: self.cleaned_data.get(f"spend_{line.pk}") for line in self.budget_lines}

    def outputs(self) -> dict[str, int]:
        outputs = {
            key: self.cleaned_data[f"output_{key}"]
            for key, _ in OUTPUT_MEASURES
            if self.cleaned_data.get(f"output_{key}") is not None
        }
        outputs.update(self.cleaned_data.get("other_outputs") or {})
        return outputs


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=[
            ("", "Choose a decision"),
            ("accept", "Accept the return"),
            ("changes", "Send it back for changes"),
        ],
    )
    comments = forms.CharField(
        label="Comments for the provider",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Required when sending the return back: say what needs to change.",
    )


class FunderReturnBuildForm(forms.Form):
    funding_source = forms.ModelChoiceField(
        label="Funding source", queryset=FundingSource.objects.all(), empty_label="Choose a source"
    )
    period_start = DateInputField(
        label="Start of the period",
        help_text="The first day of one of the source's reporting periods.",
        example=date(2021, 4, 1),
    )
    period_end = DateInputField(
        label="End of the period", help_text="The last day of that period.", example=date(2021, 6, 30)
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", "The period must end after it starts.")
        return data


class FunderReturnSubmittedForm(forms.Form):
    submitted_on = DateInputField(label="Date sent to the funder", example=date(2021, 7, 28))
