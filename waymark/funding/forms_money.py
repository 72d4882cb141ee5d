"""Forms for funding sources, allocations, commitments, awards, their lines and variations.

They check shape (a real date, an amount of money, a choice offered); the services in
`money.py` check the rules (the allocation history, what is left to commit, a line not below
zero).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms

from waymark.accounts.models import Organisation
from waymark.core.date_input import DateInputField

from .models import (
    PENNY,
    Allocation,
    Award,
    AwardVariation,
    BudgetLine,
    Funder,
    FundingSource,
    FundingStatus,
    PostRole,
)
from .money import budget_line_label, pounds


class MoneyField(forms.Field):
    """An amount in pounds and pence: "1617802", "£1,617,802.00" or "1400307.91". More than
    two decimal places is refused rather than rounded."""

    def __init__(self, *, label: str, allow_negative: bool = False, **kwargs: Any) -> None:
        self.allow_negative = allow_negative
        kwargs.setdefault("help_text", "In pounds and pence, for example 1,400,307.91.")
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false", "maxlength": "20"}),
        )
        super().__init__(label=label, **kwargs)
        self.error_messages["required"] = f"Enter the {label.lower()}"

    def to_python(self, value: Any) -> Decimal | None:
        text = str(value or "").strip().replace(",", "").replace("£", "").replace(" ", "")
        if not text:
            return None
        label = str(self.label).lower()
        try:
            amount = Decimal(text)
        except InvalidOperation as exc:
            raise forms.ValidationError(f"Enter the {label} as an amount, like 1,400,307.91") from exc
        if not amount.is_finite():
            raise forms.ValidationError(f"Enter the {label} as an amount, like 1,400,307.91")
        if amount != amount.quantize(PENNY):
            raise forms.ValidationError(f"Enter the {label} to the penny (no more than two decimal places)")
        if amount < 0 and not self.allow_negative:
            raise forms.ValidationError(f"The {label} cannot be less than £0.00")
        if abs(amount) >= Decimal("1000000000000"):
            raise forms.ValidationError(f"The {label} is too large")
        return amount.quantize(PENNY)


def year_field(label: str = "Financial year") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=9,
        help_text="For example, 2021/22.",
        error_messages={"required": f"Enter the {label.lower()}"},
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )


def _choice(label: str, choices: Any, *, required: bool = True) -> forms.ChoiceField:
    message = f"Select the {label.lower()}"
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=required,
        error_messages={"required": message, "invalid_choice": message},
    )


class _SourceChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.funder})"


def source_field(label: str = "Funding source", *, required: bool = True) -> forms.ModelChoiceField:
    field = _SourceChoice(
        label=label,
        required=required,
        queryset=FundingSource.objects.select_related("funder").order_by("name"),
        empty_label="Select the funding source" if required else "None",
        error_messages={
            "required": f"Select the {label.lower()}",
            "invalid_choice": f"Select the {label.lower()}",
        },
    )
    field.widget = forms.Select()
    return field


class FundingSourceForm(forms.Form):
    """A funding source: its funder (chosen, or a new one named), programme, ring-fence,
    conditions and reporting cadence."""

    funder = forms.ModelChoiceField(
        label="Funder",
        queryset=Funder.objects.order_by("name"),
        required=False,
        empty_label="Select the funder, or name a new one below",
    )
    new_funder = forms.CharField(
        label="New funder (optional)",
        max_length=200,
        required=False,
        help_text="Only if the funder is not in the list, for example Ministry of Justice.",
    )
    name = forms.CharField(
        label="Name of the source",
        max_length=200,
        help_text="For example, MoJ ring-fenced IDVA and ISVA fund 2021 to 2023.",
        error_messages={"required": "Enter the name of the source"},
    )
    programme = _choice("Programme", [("", "Select the programme"), *FundingSource.Programme.choices])
    ring_fenced = forms.BooleanField(label="The money is ring-fenced", required=False)
    ring_fence_roles = forms.MultipleChoiceField(
        label="Post roles the ring-fenced money may pay for",
        choices=PostRole.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only for ring-fenced money.",
    )
    conditions = forms.CharField(
        label="Conditions (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    reporting_cadence = _choice("Reporting to the funder", FundingSource.Cadence.choices)
    grant_agreement_ref = forms.CharField(
        label="Grant agreement reference (optional)", max_length=100, required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("funder") and not (data.get("new_funder") or "").strip():
            self.add_error("funder", "Select the funder, or name a new one")
        if data.get("funder") and (data.get("new_funder") or "").strip():
            self.add_error("new_funder", "Either select a funder or name a new one, not both")
        return data


class AllocationForm(forms.Form):
    """A source's money for a year as notified."""

    financial_year = year_field()
    status = _choice(
        "Status",
        [("", "Select the status"), *Allocation.Status.choices],
    )
    amount = MoneyField(label="Amount")
    notified_on = DateInputField(
        label="Date notified",
        help_text="The date of the funder's letter or agreement.",
        example=date(2021, 4, 1),
    )
    reference = forms.CharField(
        label="Reference (optional)",
        max_length=100,
        required=False,
        help_text="The letter, grant agreement or addendum.",
    )
    notes = forms.CharField(
        label="Notes (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class CommitmentForm(forms.Form):
    """Money already committed from a source's year, taken off before distribution."""

    financial_year = year_field()
    amount = MoneyField(label="Amount committed")
    description = forms.CharField(
        label="Committed to",
        max_length=200,
        help_text="For example, existing ISVA commitment.",
        error_messages={"required": "Say what the money is committed to"},
    )


class AwardForm(forms.Form):
    """An award to a provider. Its funding and budget lines are added on the award's page."""

    reference = forms.CharField(
        label="Award reference",
        max_length=40,
        help_text="For example, WM-IDVA-2021.",
        error_messages={"required": "Enter the award reference"},
    )
    title = forms.CharField(label="Title", max_length=200, error_messages={"required": "Enter a title"})
    organisation = forms.ModelChoiceField(
        label="Provider",
        queryset=Organisation.objects.none(),
        empty_label="Select the provider",
        error_messages={"required": "Select the provider", "invalid_choice": "Select the provider"},
    )
    awarded_on = DateInputField(
        label="Date decided (optional)",
        required=False,
        example=date(2021, 3, 15),
        help_text="The day the award was decided, such as the date of the commissioner's decision.",
    )
    start_on = DateInputField(label="Start date", example=date(2021, 4, 1))
    end_on = DateInputField(label="End date", example=date(2023, 3, 31))
    status = _choice("Status", Award.Status.choices)
    stated_total = MoneyField(
        label="Stated total (optional)",
        required=False,
        help_text="The total the decision or the funder states, to check the funding lines against. "
        "In pounds and pence.",
    )
    decision_reference = forms.CharField(
        label="Decision reference (optional)", max_length=100, required=False
    )
    description = forms.CharField(
        label="Description (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, providers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = providers  # type: ignore[attr-defined]
        self.fields["status"].initial = Award.Status.ACTIVE

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start_on") and data.get("end_on") and data["end_on"] < data["start_on"]:
            self.add_error("end_on", "The end date must be on or after the start date")
        return data


class AwardChangeForm(AwardForm):
    """An award's header as its page changes it: everything but the reference. Its end date is
    corrected here; an extension is recorded as a variation, which keeps the old end date."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["reference"]
        end_on = self.fields["end_on"]
        end_on.help_text = (
            "Change it here only to correct it. To extend the award, record a variation (an "
            f"extension) instead: that keeps the old end date. {end_on.help_text}"
        )


class AwardFundingForm(forms.Form):
    """A funding line: one source's money for one year of the award."""

    funding_source = source_field()
    financial_year = year_field()
    amount = MoneyField(label="Amount")
    status = _choice("Status", [("", "Select the status"), *FundingStatus.choices])


class BudgetLineForm(forms.Form):
    financial_year = year_field()
    category = _choice("Category", [("", "Select the category"), *BudgetLine.Category.choices])
    description = forms.CharField(
        label="Description",
        max_length=200,
        help_text="For example, 3 FTE IDVA salaries.",
        error_messages={"required": "Describe the budget line"},
    )
    amount = MoneyField(label="Amount")
    funding_source = source_field("Paid from (optional)", required=False)


class _BudgetLineChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{budget_line_label(obj)}: {pounds(obj.amount)}"


def budget_line_field(label: str) -> forms.ModelChoiceField:
    field = _BudgetLineChoice(
        label=label,
        required=False,
        queryset=BudgetLine.objects.none(),
        empty_label="Select the budget line",
        help_text="Both lines are this award's, in the same financial year.",
        error_messages={"invalid_choice": f"Select the {label.split(' (')[0].lower()}"},
    )
    field.widget = forms.Select()
    return field


class AwardVariationForm(forms.Form):
    """A variation. An extension needs the new end date; an uplift or reduction the source, year
    and amount (always entered as a positive amount: a reduction takes it off); a virement the
    budget line the money moves from, the one it moves to, and the sum moved."""

    kind = _choice("Kind of variation", [("", "Select the kind"), *AwardVariation.Kind.choices])
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example, a two-month extension to allow safe demobilisation.",
        error_messages={"required": "Give the reason for the variation"},
    )
    decision_reference = forms.CharField(
        label="Decision reference (optional)", max_length=100, required=False
    )
    decided_on = DateInputField(label="Date decided", example=date(2021, 4, 1))
    new_end_on = DateInputField(
        label="New end date (extensions only)", required=False, example=date(2022, 5, 31)
    )
    funding_source = source_field("Funding source (uplifts and reductions only)", required=False)
    financial_year = forms.CharField(
        label="Financial year (uplifts and reductions only)",
        max_length=9,
        required=False,
        help_text="For example, 2021/22.",
    )
    from_budget_line = budget_line_field("Budget line the money moves from (virements only)")
    to_budget_line = budget_line_field("Budget line the money moves to (virements only)")
    amount_delta = MoneyField(
        label="Amount (uplifts, reductions and virements)",
        required=False,
        help_text="A positive amount in pounds and pence: an uplift adds it, a reduction takes it off, "
        "a virement moves it from one budget line to the other.",
    )

    def __init__(self, *args: Any, award: Award, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lines = BudgetLine.objects.filter(award=award).order_by("financial_year", "category", "id")
        for name in ("from_budget_line", "to_budget_line"):
            self.fields[name].queryset = lines  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind == AwardVariation.Kind.VIREMENT:
            for name, message in (
                ("from_budget_line", "Select the budget line the money moves from"),
                ("to_budget_line", "Select the budget line the money moves to"),
            ):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, message)
            if data.get("from_budget_line") and data.get("from_budget_line") == data.get("to_budget_line"):
                self.add_error(
                    "to_budget_line",
                    "A virement moves money between two different budget lines: select another",
                )
            amount = data.get("amount_delta")
            if amount is None and "amount_delta" not in self.errors:
                self.add_error("amount_delta", "Enter the amount the virement moves")
            elif amount is not None and amount <= 0:
                self.add_error("amount_delta", "Enter an amount of more than £0.00")
        if (
            kind == AwardVariation.Kind.EXTENSION
            and not data.get("new_end_on")
            and "new_end_on" not in self.errors
        ):
            self.add_error("new_end_on", "Enter the new end date of the award")
        if kind in (AwardVariation.Kind.UPLIFT, AwardVariation.Kind.REDUCTION):
            if not data.get("funding_source") and "funding_source" not in self.errors:
                self.add_error("funding_source", "Select the funding source the change is to")
            if not (data.get("financial_year") or "").strip():
                self.add_error("financial_year", "Enter the financial year the change is to")
            amount = data.get("amount_delta")
            if amount is None and "amount_delta" not in self.errors:
                self.add_error("amount_delta", "Enter the amount of the change")
            elif amount is not None and amount <= 0:
                self.add_error("amount_delta", "Enter an amount of more than £0.00")
        return data

    def service_arguments(self) -> dict[str, Any]:
        """The cleaned data as `award_vary` takes it: a signed `amount_delta` for an uplift or
        reduction, the sum moved for a virement, and only the fields of the kind chosen."""
        data = dict(self.cleaned_data)
        amount = data.pop("amount_delta") or Decimal("0.00")
        kind = data["kind"]
        if kind == AwardVariation.Kind.REDUCTION:
            amount = -amount
        elif kind not in (AwardVariation.Kind.UPLIFT, AwardVariation.Kind.VIREMENT):
            amount = Decimal("0.00")
        if kind not in (AwardVariation.Kind.UPLIFT, AwardVariation.Kind.REDUCTION):
            data["funding_source"] = None
            data["financial_year"] = ""
        if kind != AwardVariation.Kind.VIREMENT:
            data["from_budget_line"] = None
            data["to_budget_line"] = None
        if kind != AwardVariation.Kind.EXTENSION:
            data["new_end_on"] = None
        data["amount_delta"] = amount
        return data
