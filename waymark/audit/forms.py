"""The auditor's search form."""

from typing import Any

from django import forms

from .models import AccessLog


class AccessLogSearchForm(forms.Form):
    actor = forms.CharField(required=False, max_length=254, label="Person (name or e-mail contains)")
    action = forms.ChoiceField(required=False, choices=[("", "Any action"), *AccessLog.Action.choices])
    record_type = forms.ChoiceField(required=False, label="Type of record")
    record_id = forms.CharField(required=False, max_length=64, label="Record id")
    date_from = forms.DateField(
        required=False,
        label="From (for example 2026-11-01)",
        error_messages={"invalid": "Enter the start date as a real date, like 2026-11-01"},
    )
    date_to = forms.DateField(
        required=False,
        label="To (for example 2026-11-30)",
        error_messages={"invalid": "Enter the end date as a real date, like 2026-11-30"},
    )

    def __init__(self, *args: Any, record_types: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["record_type"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Any type"), *((t, t) for t in record_types)]

    def clean(self) -> dict[str, Any]:
        """The period must not end before it starts."""
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", "The end date must be the same as or after the start date")
        return data
