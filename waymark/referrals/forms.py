"""Forms for referral intake, contact, triage and outreach events; the services do the checking."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django import forms
from django.utils import timezone

from waymark.accounts.models import Service, Team, User
from waymark.core.date_input import DateInputField, DateTimeInputField
from waymark.core.forms import UploadedFileField

from .models import ContactAttempt, ContactMethod, OutreachEvent, Person, Referral
from .services import TRIAGE_OUTCOMES, ContactDetails, PersonDetails

PHONE_KINDS = [(ContactMethod.Kind.MOBILE, "Mobile"), (ContactMethod.Kind.LANDLINE, "Landline")]


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    """A form's choice field, typed as one."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


def _service_choices(services: Iterable[Service]) -> list[tuple[str, str]]:
    return [("", "Choose a service")] + [
        (str(s.public_id), f"{s.name} ({s.organisation.name})") for s in services
    ]


class ContactFieldsMixin(forms.Form):
    """How to reach the person and which uses are safe: every flag starts unticked (unsafe)."""

    phone = forms.CharField(label="Phone number", required=False, max_length=50)
    phone_kind = forms.ChoiceField(label="Type of phone", choices=PHONE_KINDS, required=False)
    phone_safe_to_call = forms.BooleanField(label="Safe to call", required=False)
    phone_safe_voicemail = forms.BooleanField(label="Safe to leave a voicemail", required=False)
    phone_safe_text = forms.BooleanField(label="Safe to send a text message", required=False)
    email = forms.EmailField(label="E-mail address", required=False)
    email_safe = forms.BooleanField(label="Safe to send e-mail", required=False)
    address = forms.CharField(label="Postal address", required=False, widget=forms.Textarea, max_length=500)
    address_safe_post = forms.BooleanField(label="Safe to send letters", required=False)
    safe_times = forms.CharField(
        label="Safe times to make contact",
        required=False,
        max_length=200,
        help_text="For example, weekdays 10am to 2pm.",
    )
    code_word = forms.CharField(
        label="Code word", required=False, max_length=100, help_text="A word to check it is the right person."
    )

    def contact_details(self) -> tuple[ContactDetails, ...]:
        """The contact methods given, each with its own safe flags."""
        data = self.cleaned_data
        common: dict[str, Any] = {
            "safe_times": data.get("safe_times", ""),
            "code_word": data.get("code_word", ""),
        }
        methods = []
        if data.get("phone"):
            kind = data.get("phone_kind") or ContactMethod.Kind.MOBILE
            methods.append(
                ContactDetails(
                    kind=kind,
                    value=data["phone"],
                    is_preferred=True,
                    safe_to_call=data.get("phone_safe_to_call", False),
                    safe_voicemail=data.get("phone_safe_voicemail", False),
                    safe_text=kind == ContactMethod.Kind.MOBILE and data.get("phone_safe_text", False),
                    **common,
                )
            )
        if data.get("email"):
            methods.append(
                ContactDetails(
                    kind=ContactMethod.Kind.EMAIL,
                    value=data["email"],
                    safe_email=data.get("email_safe", False),
                    **common,
                )
            )
        if data.get("address"):
            methods.append(
                ContactDetails(
                    kind=ContactMethod.Kind.POST,
                    value=data["address"],
                    safe_post=data.get("address_safe_post", False),
                    **common,
                )
            )
        return tuple(methods)


class PersonFieldsMixin(forms.Form):
    """Who is being referred."""

    full_name = forms.CharField(label="Full name", max_length=200)
    preferred_name = forms.CharField(label="Preferred name (optional)", required=False, max_length=200)
    date_of_birth = DateInputField(
        label="Date of birth (optional)", required=False, example=date(1980, 3, 27)
    )

    def person_details(self) -> PersonDetails:
        """The person as the service takes it."""
        data = self.cleaned_data
        return PersonDetails(
            full_name=data["full_name"],
            preferred_name=data.get("preferred_name", ""),
            date_of_birth=data.get("date_of_birth"),
            age_band=data.get("age_band") or Person.AgeBand.NOT_KNOWN,
            sex=data.get("sex") or Person.Sex.NOT_KNOWN,
        )


class ReferralForm(PersonFieldsMixin, ContactFieldsMixin):
    """A referral by a partner agency, or one the service takes by phone or in person."""

    service = forms.ChoiceField(label="Service")
    age_band = forms.ChoiceField(
        label="Age", choices=Person.AgeBand.choices, initial=Person.AgeBand.NOT_KNOWN
    )
    sex = forms.ChoiceField(label="Sex", choices=Person.Sex.choices, initial=Person.Sex.NOT_KNOWN)
    consent = forms.ChoiceField(
        label="Has the person agreed to this referral?",
        choices=[("", "Choose"), *Referral.Consent.choices],
    )
    reason = forms.CharField(label="Reason for the referral", widget=forms.Textarea, max_length=5000)
    crime_reference = forms.CharField(
        label="Crime reference (optional)",
        required=False,
        max_length=50,
        help_text="Victims need not have reported.",
    )
    external_reference = forms.CharField(label="Your reference (optional)", required=False, max_length=100)

    field_order = [
        "service",
        "full_name",
        "preferred_name",
        "date_of_birth",
        "age_band",
        "sex",
        "consent",
        "reason",
        "crime_reference",
        "external_reference",
    ]

    def __init__(self, *args: Any, services: Iterable[Service], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "service").choices = _service_choices(services)


class PublicSelfReferralForm(ContactFieldsMixin):
    """The public self-referral: safety first, no autocomplete anywhere."""

    is_safe_to_contact = forms.ChoiceField(
        label="Is it safe for us to contact you?",
        choices=[("yes", "Yes"), ("no", "No, do not contact me")],
        widget=forms.RadioSelect,
        error_messages={"required": "Tell us whether it is safe for us to contact you."},
    )
    service = forms.ChoiceField(label="Which service do you want support from?")
    full_name = forms.CharField(
        label="Your name", max_length=200, error_messages={"required": "Enter your name."}
    )
    reason = forms.CharField(
        label="What happened, and what support would help?",
        widget=forms.Textarea,
        max_length=5000,
        required=False,
    )
    crime_reference = forms.CharField(
        label="Crime reference number, if you reported it to the police (optional)",
        required=False,
        max_length=50,
    )
    consent = forms.BooleanField(
        label="I agree to the service contacting me, in the ways I said are safe, about support.",
        required=False,
    )

    def __init__(self, *args: Any, services: Iterable[Service], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "service").choices = _service_choices(services)
        # Nothing a shared or watched device should remember.
        for bound in self.fields.values():
            bound.widget.attrs["autocomplete"] = "off"

    def clean(self) -> dict[str, Any]:
        """Someone who says contact is safe must give at least one way marked safe."""
        data = super().clean() or {}
        if data.get("is_safe_to_contact") == "yes" and not any(self._safe_method_given(data)):
            self.add_error(
                "phone", "Give at least one way to contact you and tick which uses of it are safe."
            )
        return data

    @staticmethod
    def _safe_method_given(data: dict[str, Any]) -> list[bool]:
        return [
            bool(data.get("phone"))
            and any(data.get(f) for f in ("phone_safe_to_call", "phone_safe_voicemail", "phone_safe_text")),
            bool(data.get("email")) and bool(data.get("email_safe")),
            bool(data.get("address")) and bool(data.get("address_safe_post")),
        ]

    def contact_details(self) -> tuple[ContactDetails, ...]:
        """None at all if the person said contact is not safe."""
        if self.cleaned_data.get("is_safe_to_contact") != "yes":
            return ()
        return super().contact_details()


class PoliceBatchUploadForm(forms.Form):
    """A CSV file of referrals from the force (docs/formats/police-referrals-csv.md)."""

    file = UploadedFileField(
        label="CSV file of referrals", required_message="Choose the CSV file of referrals to upload."
    )


class ContactAttemptForm(forms.Form):
    """One attempt to reach the person."""

    contact_method = forms.ChoiceField(label="Contact method", required=False)
    channel = forms.ChoiceField(label="How", choices=[("", "Choose"), *ContactAttempt.Channel.choices])
    outcome = forms.ChoiceField(
        label="What happened", choices=[("", "Choose"), *ContactAttempt.Outcome.choices]
    )
    at = DateTimeInputField(
        label="Date and time of the attempt", not_after_today=True, example=datetime(2026, 3, 27, 14, 5)
    )
    notes = forms.CharField(label="Notes (optional)", widget=forms.Textarea, required=False, max_length=5000)

    def __init__(self, *args: Any, contact_methods: Iterable[ContactMethod], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.methods = {str(m.public_id): m for m in contact_methods}
        _choice_field(self, "contact_method").choices = [("", "None (in person)")] + [
            (key, f"{m.get_kind_display()}: {m.value}") for key, m in self.methods.items()
        ]
        self.fields["at"].initial = timezone.localtime()

    def chosen_method(self) -> ContactMethod | None:
        """The contact method chosen, or None."""
        return self.methods.get(self.cleaned_data.get("contact_method") or "")


class TriageForm(forms.Form):
    """The referral's outcome."""

    outcome = forms.ChoiceField(label="Outcome")
    signposted_to = forms.CharField(label="Signposted to (if signposted)", required=False, max_length=200)
    referrer_told_safely = forms.BooleanField(
        label="The referrer has been told through a safe route (for unsafe to contact)", required=False
    )
    owner = forms.ChoiceField(label="Allocate the case to (if accepted)", required=False)
    team = forms.ChoiceField(label="Team (if accepted)", required=False)
    notes = forms.CharField(label="Notes (optional)", widget=forms.Textarea, required=False, max_length=5000)

    def __init__(self, *args: Any, staff: Iterable[User], teams: Iterable[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "outcome").choices = [("", "Choose")] + [
            (o.value, o.label) for o in TRIAGE_OUTCOMES
        ]
        self.staff = {str(u.public_id): u for u in staff}
        self.teams = {str(t.public_id): t for t in teams}
        _choice_field(self, "owner").choices = [("", "Me")] + [
            (k, u.full_name) for k, u in self.staff.items()
        ]
        _choice_field(self, "team").choices = [("", "No team")] + [(k, t.name) for k, t in self.teams.items()]


class OutreachEventForm(forms.Form):
    """An outreach event."""

    service = forms.ChoiceField(label="Service")
    name = forms.CharField(label="Name of the event", max_length=200)
    kind = forms.ChoiceField(label="Kind of event", choices=OutreachEvent.Kind.choices)
    venue = forms.CharField(label="Venue", required=False, max_length=200)
    held_on = DateInputField(label="Date of the event", example=date(2026, 3, 27))
    people_supported = forms.IntegerField(label="People supported on the spot", min_value=0, initial=0)
    notes = forms.CharField(label="Notes (optional)", widget=forms.Textarea, required=False, max_length=5000)

    def __init__(self, *args: Any, services: Iterable[Service], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "service").choices = _service_choices(services)


class PeopleSupportedForm(forms.Form):
    """Change the count of people supported at an event."""

    people_supported = forms.IntegerField(label="People supported on the spot", min_value=0)


class EventReferralForm(PersonFieldsMixin, ContactFieldsMixin):
    """A self-referral taken by staff at an outreach event."""

    consent = forms.ChoiceField(
        label="Has the person agreed to this referral?", choices=[("", "Choose"), *Referral.Consent.choices]
    )
    reason = forms.CharField(
        label="What happened, and what support would help?", widget=forms.Textarea, max_length=5000
    )

    field_order = ["full_name", "preferred_name", "date_of_birth", "consent", "reason"]
