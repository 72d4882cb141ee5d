"""Forms for the OPCC admin's pages; validation of the domain is in services."""

from __future__ import annotations

from typing import Any

from django import forms

from waymark.core.models import PoliceForceArea

from .models import Organisation, Service, Team
from .roles import Role


class OrganisationForm(forms.Form):
    name = forms.CharField(max_length=200, error_messages={"required": "Enter the organisation's name"})
    short_name = forms.CharField(max_length=50, required=False, help_text="For tables, for example WMP.")
    type = forms.ChoiceField(
        choices=Organisation.Type.choices, error_messages={"required": "Select the type of organisation"}
    )
    is_active = forms.BooleanField(required=False, initial=True, label="Active: its staff can sign in")
    police_force_area = forms.ModelChoiceField(
        queryset=PoliceForceArea.objects.order_by("name"),
        required=False,
        label="Police force area (optional)",
        empty_label="None",
        help_text="For the OPCC and a police force: the area whose Victims' Code compliance its staff see.",
    )
    org_id = forms.CharField(
        max_length=60,
        required=False,
        label="Organisation identifier (optional)",
        help_text="Its identifier from org-id.guide: a list prefix and the number in that list, for "
        "example GB-CHC-1234567 for a registered charity or GB-COH-01234567 for a company. "
        "Used for it in 360Giving files.",
        error_messages={"max_length": "The organisation identifier must be 60 characters or fewer"},
    )


class ServiceForm(forms.Form):
    name = forms.CharField(max_length=200, error_messages={"required": "Enter the service's name"})
    type = forms.ChoiceField(choices=Service.Type.choices, error_messages={"required": "Select the type"})
    description = forms.CharField(widget=forms.Textarea, required=False)
    first_contact_working_days = forms.IntegerField(
        min_value=0,
        max_value=30,
        initial=2,
        label="First contact due (working days)",
        help_text="Working days from receiving a referral to first contact.",
        error_messages={"required": "Enter the number of working days", "invalid": "Enter a whole number"},
    )
    is_active = forms.BooleanField(required=False, initial=True, label="Active: accepting referrals")


class TeamForm(forms.Form):
    name = forms.CharField(max_length=200, error_messages={"required": "Enter the team's name"})
    service = forms.ModelChoiceField(
        queryset=Service.objects.none(), required=False, empty_label="All the organisation's services"
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = organisation.services.all()  # type: ignore[attr-defined]


class _TeamsMixin(forms.Form):
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )


class UserCreateForm(forms.Form):
    full_name = forms.CharField(max_length=200, error_messages={"required": "Enter the person's full name"})
    email = forms.EmailField(
        error_messages={
            "required": "Enter an e-mail address",
            "invalid": "Enter an e-mail address in the correct format, like name@example.org",
        }
    )
    phone = forms.CharField(max_length=50, required=False, label="Work phone (optional)")
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.filter(is_active=True),
        error_messages={"required": "Select the organisation they work for"},
    )
    role = forms.ChoiceField(choices=Role.choices, error_messages={"required": "Select a role"})


class UserUpdateForm(forms.Form):
    full_name = forms.CharField(max_length=200, error_messages={"required": "Enter the person's full name"})
    phone = forms.CharField(max_length=50, required=False, label="Work phone (optional)")


class MembershipForm(_TeamsMixin):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.filter(is_active=True),
        error_messages={"required": "Select the organisation"},
    )
    role = forms.ChoiceField(choices=Role.choices, error_messages={"required": "Select a role"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = Team.objects.select_related("organisation")  # type: ignore[attr-defined]
        self.fields["teams"].label_from_instance = lambda team: f"{team.name} ({team.organisation.name})"  # type: ignore[attr-defined]


class MembershipTeamsForm(_TeamsMixin):
    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = organisation.teams.all()  # type: ignore[attr-defined]
