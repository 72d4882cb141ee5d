"""The auditor's search form."""

from datetime import date
from typing import Any

from django import forms

from waymark.core.date_input import DateInputField

from .models import AccessLog


class AccessLogSearchForm(forms.Form):
    actor = forms.CharField(required=False, max_length=254, label="Person (name or e-mail contains)")
    action = forms.ChoiceField(required=False, choices=[("", "Any action"), *AccessLog.Action.choices])
    record_type = forms.ChoiceField(required=False, label="Type of record")
    record_id = forms.CharField(required=False, max_length=64, label="Record id")
    # A GET form: the dates travel in the query string as `date_from-day`, `date_from-month`,
    # `date_from-year` (and the same for `date_to`), so a search can be linked to and paged.
    date_from = DateInputField(label="Start date", required=False, example=date(2026, 11, 1))
    date_to = DateInputField(label="End date", required=False, example=date(2026, 11, 30))

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
