"""The returns page's choice of service and quarter."""

from __future__ import annotations

from typing import Any

from django import forms

from waymark.accounts.models import Service
from waymark.core.periods import FinancialQuarter


class ProviderReturnForm(forms.Form):
    """Which service and which quarter; the choices are those the person may see."""

    service: forms.ChoiceField = forms.ChoiceField(error_messages={"required": "Select a service"})
    quarter: forms.ChoiceField = forms.ChoiceField(
        error_messages={
            "required": "Select a quarter",
            "invalid_choice": "Select a quarter from the list",
        }
    )

    def __init__(
        self, *args: Any, services: list[Service], quarters: list[FinancialQuarter], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        service_field = self.fields["service"]
        quarter_field = self.fields["quarter"]
        assert isinstance(service_field, forms.ChoiceField)
        assert isinstance(quarter_field, forms.ChoiceField)
        service_field.choices = [
            (str(s.public_id), f"{s.name} ({s.organisation.short_name or s.organisation.name})")
            for s in services
        ]
        quarter_field.choices = [(q.label, q.label) for q in quarters]

    def clean_quarter(self) -> FinancialQuarter:
        """The chosen quarter as a FinancialQuarter."""
        return FinancialQuarter.parse(self.cleaned_data["quarter"])
