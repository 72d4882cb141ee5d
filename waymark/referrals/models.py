"""People referred to commissioned services, how to contact them safely, and their referrals."""

from __future__ import annotations

import secrets
from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from encrypted_fields.fields import EncryptedCharField, EncryptedTextField
from simple_history.models import HistoricalRecords

from waymark.accounts.access import active_memberships
from waymark.accounts.roles import Role
from waymark.accounts.scope import casework_scope
from waymark.core.models import TimeStampedModel
from waymark.core.visibility import VisibleQuerySet

# Letters and digits that cannot be mistaken for one another when read aloud or written down.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_code(prefix: str, length: int = 6) -> str:
    """A random, non-identifying reference such as `HC-7Q2K9M` (no global sequence, shard-safe)."""
    return f"{prefix}-" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(length))


class PersonQuerySet(VisibleQuerySet["Person"]):
    """People: visible to the staff who received their referral or hold their case."""

    def visible_to(self, user: Any) -> Self:
        """People with a referral or case in the user's scope."""
        from waymark.cases.models import Case

        scope = casework_scope(user)
        if scope.is_empty:
            return self.none()
        # Receiving staff only: a referring agency follows its referral's status, never the person.
        received = Referral.objects.filter(
            scope.q(organisation="organisation_id", service="service_id", team="team_id")
        )
        return self.filter(Q(referrals__in=received) | Q(cases__in=Case.objects.visible_to(user))).distinct()


class Person(TimeStampedModel):
    """Someone a provider supports (a victim or survivor, or, for perpetrator programmes, the
    person causing harm). One row per person per provider: providers never share people.

    Names and contact details are encrypted, so they cannot be searched; `identity_key` is a
    keyed hash of the normalised name and date of birth that finds possible duplicates without
    revealing either.
    """

    class AgeBand(models.TextChoices):
        UNDER_18 = "under_18", "Under 18"
        A18_24 = "18_24", "18 to 24"
        A25_34 = "25_34", "25 to 34"
        A35_44 = "35_44", "35 to 44"
        A45_54 = "45_54", "45 to 54"
        A55_64 = "55_64", "55 to 64"
        A65_PLUS = "65_plus", "65 or over"
        NOT_KNOWN = "not_known", "Not known"

    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        NOT_KNOWN = "not_known", "Not known or prefer not to say"

    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="people",
        help_text="The provider this record belongs to; never shared with another provider.",
    )
    code = models.CharField(max_length=20, unique=True, help_text="A non-identifying code for lists.")
    full_name = EncryptedCharField(max_length=500, null=True, blank=True)
    preferred_name = EncryptedCharField(max_length=200, null=True, blank=True)
    date_of_birth = EncryptedCharField(max_length=20, null=True, blank=True, help_text="ISO date, encrypted.")
    identity_key = models.CharField(
        max_length=64,
        blank=True,
        db_index=True,
        help_text="Keyed hash of normalised name and date of birth, for duplicate checks only.",
    )
    age_band = models.CharField(max_length=12, choices=AgeBand.choices, default=AgeBand.NOT_KNOWN)
    sex = models.CharField(max_length=12, choices=Sex.choices, default=Sex.NOT_KNOWN)
    ethnicity = models.CharField(max_length=100, blank=True)
    disability = models.CharField(
        max_length=12, choices=[("yes", "Yes"), ("no", "No"), ("not_known", "Not known")], default="not_known"
    )
    first_language = models.CharField(max_length=100, blank=True)
    interpreter_needed = models.BooleanField(default=False)
    area = models.ForeignKey(
        "core.LocalAuthority",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The local authority the person lives in, for returns by area.",
    )
    is_restricted = models.BooleanField(
        default=False, help_text="A staff member or public figure: visible only to named staff."
    )

    history = HistoricalRecords()
    objects = PersonQuerySet.as_manager()

    class Meta:
        indexes = [
            # Restricted people are few; every case list excludes them through this index.
            models.Index(
                fields=["is_restricted"], condition=Q(is_restricted=True), name="person_restricted_idx"
            ),
        ]

    def __str__(self) -> str:
        """The code, never the name (this string reaches logs)."""
        return self.code

    @property
    def owning_organisation(self) -> Any:
        """For the access log."""
        return self.organisation


class ContactMethod(TimeStampedModel):
    """One way to reach a person, and exactly which uses of it are safe.

    Software enforces these flags: nothing may be recorded or generated through a channel that
    is not marked safe (`referrals.contact.ensure_channel_is_safe`).
    """

    class Kind(models.TextChoices):
        MOBILE = "mobile", "Mobile phone"
        LANDLINE = "landline", "Landline"
        EMAIL = "email", "E-mail"
        POST = "post", "Postal address"
        THIRD_PARTY = "third_party", "Through someone else"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="contact_methods")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    value = EncryptedCharField(max_length=500, null=True, blank=True)
    is_preferred = models.BooleanField(default=False)
    safe_to_call = models.BooleanField(default=False)
    safe_voicemail = models.BooleanField(default=False)
    safe_text = models.BooleanField(default=False)
    safe_email = models.BooleanField(default=False)
    safe_post = models.BooleanField(default=False)
    safe_times = models.CharField(
        max_length=200, blank=True, help_text="When it is safe, e.g. weekdays 10:00 to 14:00."
    )
    code_word = EncryptedCharField(max_length=100, null=True, blank=True)
    notes = EncryptedTextField(null=True, blank=True)

    history = HistoricalRecords()

    def __str__(self) -> str:
        """The kind only (the value is personal data)."""
        return self.get_kind_display()

    @property
    def owning_organisation(self) -> Any:
        """For the access log."""
        return self.person.organisation


class OutreachEventQuerySet(VisibleQuerySet["OutreachEvent"]):
    """Outreach events: the running provider's staff whose scope covers the event's service."""

    def visible_to(self, user: Any) -> Self:
        """Events of services in the user's casework scope."""
        scope = casework_scope(user)
        if scope.is_empty:
            return self.none()
        return self.filter(scope.q(organisation="organisation_id", service="service_id"))


class OutreachEvent(TimeStampedModel):
    """An occasion where staff offer support on the spot, such as a football match.

    Holds counts and an encrypted note, never anyone's identity: people referred at the event
    are linked from their referral (`Referral.outreach_event`).
    """

    class Kind(models.TextChoices):
        FOOTBALL_MATCH = "football_match", "Football match"
        COMMUNITY_EVENT = "community_event", "Community event"
        OTHER = "other", "Other"

    service = models.ForeignKey("accounts.Service", on_delete=models.PROTECT, related_name="outreach_events")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="outreach_events"
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    venue = models.CharField(max_length=200, blank=True)
    area = models.ForeignKey(
        "core.LocalAuthority", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    held_on = models.DateField()
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="outreach_events")
    people_supported = models.PositiveIntegerField(
        default=0, help_text="People given support on the spot (a count: they need not be referred)."
    )
    notes = EncryptedTextField(null=True, blank=True)

    history = HistoricalRecords()
    objects = OutreachEventQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on"]

    def __str__(self) -> str:
        """Name and date."""
        return f"{self.name} ({self.held_on:%d %b %Y})"

    def get_absolute_url(self) -> str:
        """The event's page."""
        return reverse("referrals:event_detail", kwargs={"public_id": self.public_id})


class ReferralQuerySet(VisibleQuerySet["Referral"]):
    """Referrals: the receiving provider's staff in scope, and the referring organisation's staff."""

    def visible_to(self, user: Any) -> Self:
        """Referrals into the user's casework scope, or made by the user's organisation."""
        scope = casework_scope(user)
        referrer_orgs = {
            m.organisation_id
            for m in active_memberships(user)
            if m.role in (Role.CASEWORKER, Role.PROVIDER_MANAGER)
        }
        if scope.is_empty and not referrer_orgs:
            return self.none()
        in_scope = scope.q(organisation="organisation_id", service="service_id", team="team_id")
        return self.filter(in_scope | Q(referrer_organisation_id__in=referrer_orgs))


class Referral(TimeStampedModel):
    """A request for a commissioned service to support one person.

    Made by the police feed, a partner agency or the person themselves; becomes a Case when the
    service accepts it. The first-contact deadline is fixed at receipt from the service's
    setting (Victims' Code right 4: two working days by default).
    """

    class Route(models.TextChoices):
        POLICE = "police", "Police"
        AGENCY = "agency", "Partner agency"
        SELF = "self", "Self-referral"

    class Source(models.TextChoices):
        POLICE_FEED = "police_feed", "Police referral feed"
        POLICE_UPLOAD = "police_upload", "Police batch upload"
        PARTNER_FORM = "partner_form", "Partner agency form"
        SELF_WEB = "self_web", "Self-referral online"
        SELF_OUTREACH = "self_outreach", "Self-referral at an outreach event"
        STAFF_ENTERED = "staff_entered", "Entered by the service (phone, walk-in)"

    class Consent(models.TextChoices):
        GIVEN = "given", "Given"
        NOT_GIVEN = "not_given", "Not given"
        NOT_KNOWN = "not_known", "Not known"

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        CONTACTING = "contacting", "Contacting"
        ACCEPTED = "accepted", "Accepted"
        SIGNPOSTED = "signposted", "Signposted"
        DECLINED = "declined", "Declined"
        UNABLE_TO_CONTACT = "unable_to_contact", "Unable to contact"
        UNSAFE_TO_CONTACT = "unsafe_to_contact", "Unsafe to contact"
        DUPLICATE = "duplicate", "Duplicate"
        OUT_OF_AREA = "out_of_area", "Out of area"

    OPEN_STATUSES = (Status.RECEIVED, Status.CONTACTING)

    reference = models.CharField(max_length=20, unique=True, help_text="Waymark's reference, e.g. R-7Q2K9M.")
    service = models.ForeignKey("accounts.Service", on_delete=models.PROTECT, related_name="referrals")
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="referrals_received",
        help_text="The receiving provider (the service's organisation), kept here for scoping.",
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="referrals"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="referrals")
    route = models.CharField(max_length=10, choices=Route.choices)
    source = models.CharField(max_length=20, choices=Source.choices)
    referrer_organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_made",
        help_text="The police force or agency that referred; empty for a self-referral.",
    )
    referrer_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_made",
    )
    referrer_name = models.CharField(max_length=200, blank=True)
    referrer_contact = EncryptedCharField(max_length=300, null=True, blank=True)
    external_reference = models.CharField(
        max_length=100,
        blank=True,
        help_text="The referrer's own reference (the force's referral id); unique per referrer.",
    )
    crime_reference = models.CharField(
        max_length=50, blank=True, help_text="Optional: victims need not have reported to the police."
    )
    consent = models.CharField(max_length=10, choices=Consent.choices)
    reason = EncryptedTextField(null=True, blank=True)
    received_at = models.DateTimeField()
    first_contact_due = models.DateField(help_text="Working days after receipt, from the service's setting.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    outcome_at = models.DateTimeField(null=True, blank=True)
    outcome_notes = EncryptedTextField(null=True, blank=True)
    signposted_to = models.CharField(max_length=200, blank=True)
    referrer_informed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the referrer was told the outcome (safely, for unsafe-to-contact).",
    )
    possible_duplicate = models.BooleanField(
        default=False, help_text="Someone with the same identity key is already known to this provider."
    )
    duplicate_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outreach_event = models.ForeignKey(
        OutreachEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="referrals"
    )
    is_safe_to_contact = models.CharField(
        max_length=10,
        choices=[("yes", "Yes"), ("no", "No"), ("not_known", "Not known")],
        default="not_known",
        help_text="Asked first on the self-referral form.",
    )
    payload = models.JSONField(null=True, blank=True, help_text="The row or body as received (restricted).")

    history = HistoricalRecords()
    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["referrer_organisation", "external_reference"],
                condition=~Q(external_reference=""),
                name="referral_unique_external_reference_per_referrer",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "status", "first_contact_due"])]

    def __str__(self) -> str:
        """The reference (never the person's name)."""
        return self.reference

    @property
    def owning_organisation(self) -> Any:
        """For the access log."""
        return self.organisation

    def get_absolute_url(self) -> str:
        """The referral's page."""
        return reverse("referrals:detail", kwargs={"public_id": self.public_id})


class ContactAttemptQuerySet(VisibleQuerySet["ContactAttempt"]):
    """Contact attempts: visible with the referral or case they were about, to receiving staff."""

    def visible_to(self, user: Any) -> Self:
        """Attempts about referrals or cases in the user's casework scope."""
        from waymark.cases.models import Case

        scope = casework_scope(user)
        if scope.is_empty:
            return self.none()
        referrals = Referral.objects.filter(
            scope.q(organisation="organisation_id", service="service_id", team="team_id")
        )
        return self.filter(Q(referral__in=referrals) | Q(case__in=Case.objects.visible_to(user)))


class ContactAttempt(TimeStampedModel):
    """One attempt to reach a person about a referral or case, through one contact method.

    Recorded only through `referrals.contact.contact_attempt_record`, which refuses a channel
    the contact method is not marked safe for.
    """

    class Channel(models.TextChoices):
        CALL = "call", "Phone call"
        VOICEMAIL = "voicemail", "Voicemail"
        TEXT = "text", "Text message"
        EMAIL = "email", "E-mail"
        LETTER = "letter", "Letter"
        IN_PERSON = "in_person", "In person"

    class Outcome(models.TextChoices):
        CONTACT_MADE = "contact_made", "Contact made"
        NO_ANSWER = "no_answer", "No answer"
        MESSAGE_LEFT = "message_left", "Message left"
        NOT_SAFE = "not_safe", "Not safe to talk: abandoned"
        WRONG_DETAILS = "wrong_details", "Wrong details"
        DECLINED = "declined", "Declined support"

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, null=True, blank=True, related_name="contact_attempts"
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="contact_attempts"
    )
    contact_method = models.ForeignKey(
        ContactMethod, on_delete=models.PROTECT, null=True, blank=True, related_name="attempts"
    )
    channel = models.CharField(max_length=12, choices=Channel.choices)
    outcome = models.CharField(max_length=15, choices=Outcome.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contact_attempts"
    )
    notes = EncryptedTextField(null=True, blank=True)

    objects = ContactAttemptQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(referral__isnull=False) | Q(case__isnull=False),
                name="contact_attempt_about_referral_or_case",
            ),
        ]

    def __str__(self) -> str:
        """Channel and outcome."""
        return f"{self.get_channel_display()}: {self.get_outcome_display()}"

    @property
    def owning_organisation(self) -> Any:
        """For the access log."""
        if self.referral_id is not None:
            return self.referral.organisation  # type: ignore[union-attr]
        return self.case.organisation  # type: ignore[union-attr]
