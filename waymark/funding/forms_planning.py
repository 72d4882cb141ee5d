"""Forms of the planning pages: which years the plan shows, and a scenario's inputs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.http import QueryDict

from .models import FundingSource

PERCENT_HELP = "A percentage, for example 10 or 2.5."


def _year_choices(years: list[str], empty: str) -> list[tuple[str, str]]:
    return [("", empty), *((year, year) for year in years)]


class PlanFilterForm(forms.Form):
    """The financial year the plan shows (every year when blank)."""

    year = forms.ChoiceField(
        label="Financial year",
        required=False,
        error_messages={"invalid_choice": "Choose a financial year from the list"},
    )

    def __init__(self, data: QueryDict, *, years: list[str]) -> None:
        super().__init__(data)
        field = self.fields["year"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _year_choices(years, "Every year")


def _percent_field(label: str, help_text: str, what: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        help_text=help_text,
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=5,
        decimal_places=2,
        initial=Decimal(0),
        error_messages={
            "required": f"Enter the {what} as a percentage, 0 for none",
            "invalid": f"Enter the {what} as a number, like 10 or 2.5",
            # These messages are %-formatted with the limit, so a literal per cent sign is %%.
            "min_value": f"The {what} cannot be less than 0%%",
            "max_value": f"The {what} cannot be more than 100%%",
            "max_digits": f"Enter the {what} with at most 2 decimal places, like 2.5",
            "max_decimal_places": f"Enter the {what} with at most 2 decimal places, like 2.5",
            "max_whole_digits": f"The {what} cannot be more than 100%%",
        },
    )


class ScenarioForm(forms.Form):
    """A scenario: a cut to indicative money, a pay rise, optionally one year and the sources cut."""

    cut_percent = _percent_field(
        "Cut to indicative money (%)",
        "Only money still indicative is cut; confirmed money is not. " + PERCENT_HELP,
        "cut",
    )
    pay_rise_percent = _percent_field(
        "Pay rise (%)", "Added to every post's annual cost. " + PERCENT_HELP, "pay rise"
    )
    year = forms.ChoiceField(
        label="Financial year",
        required=False,
        error_messages={"invalid_choice": "Choose a financial year from the list"},
    )
    sources = forms.ModelMultipleChoiceField(
        label="Sources whose indicative money is cut",
        help_text="Leave all unticked to cut every source's indicative money.",
        queryset=FundingSource.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "Choose sources from the list",
            "invalid_pk_value": "Choose sources from the list",
        },
    )

    def __init__(self, data: QueryDict | None, *, years: list[str], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        field = self.fields["year"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _year_choices(years, "Every year")
        sources = self.fields["sources"]
        assert isinstance(sources, forms.ModelMultipleChoiceField)
        sources.queryset = FundingSource.objects.select_related("funder").order_by("funder__name", "name")
