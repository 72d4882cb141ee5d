"""The form for making an API token."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from waymark.accounts.models import Organisation
from waymark.core.date_input import DateInputField

from .models import ApiToken
from .selectors import token_organisations_for_user


class ApiTokenForm(forms.Form):
    """Name, organisation, scopes and an optional expiry date for a new token."""

    name = forms.CharField(
        max_length=100,
        help_text="What the token is for, so others can tell it apart. For example, Force referral feed.",
        error_messages={"required": "Enter a name for the token."},
    )
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        to_field_name="public_id",
        empty_label="Choose an organisation",
        help_text="The token acts for this organisation, and sees only what it may see.",
        error_messages={"required": "Choose the organisation the token acts for."},
    )
    scopes = forms.MultipleChoiceField(
        label="What the token may do",
        choices=ApiToken.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[ApiToken.Scope.READ],
        error_messages={"required": "Choose at least one thing the token may do."},
    )
    expires_on = DateInputField(
        label="Expiry date (optional)",
        required=False,
        help_text="The token stops working at the end of this day.",
        example=date(2027, 3, 31),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = token_organisations_for_user(user=user)
        if field.queryset.count() == 1:
            field.empty_label = None

    def clean_expires_on(self) -> Any:
        """The date must be today or later."""
        expires_on = self.cleaned_data.get("expires_on")
        if expires_on is not None and expires_on < timezone.localdate():
            raise forms.ValidationError("The expiry date must be today or in the future.")
        return expires_on

    def expires_at(self) -> datetime | None:
        """The moment the token stops working: midnight, local time, at the end of the expiry date."""
        expires_on = self.cleaned_data.get("expires_on")
        if expires_on is None:
            return None
        return timezone.make_aware(datetime.combine(expires_on + timedelta(days=1), time.min))
