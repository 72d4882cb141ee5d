"""Cases: the support a service gives one person, from acceptance to closure."""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from encrypted_fields.fields import EncryptedTextField
from simple_history.models import HistoricalRecords

from waymark.accounts.scope import casework_scope
from waymark.core.models import TimeStampedModel
from waymark.core.visibility import VisibleQuerySet


class CaseQuerySet(VisibleQuerySet["Case"]):
    """Cases: the one door. Provider staff in scope, plus explicit, unexpired access grants."""

    def visible_to(self, user: Any) -> Self:
        """Cases in the user's casework scope, or shared with them by a live grant."""
        scope = casework_scope(user)
        if scope.is_empty:
            return self.none()
        in_scope = scope.q(
            organisation="organisation_id", service="service_id", team="team_id", owner="owner_id"
        )
        granted = Q(pk__in=CaseAccessGrant.objects.live().for_user(user).values("case_id"))
        # Restricted people (staff, public figures) are visible only to named users. A subquery
        # over the (few, partially indexed) restricted people, rather than a join to every person,
        # keeps a caseworker's queue from scanning the whole person table.
        from waymark.referrals.models import Person

        restricted_people = Person.objects.filter(is_restricted=True).values("pk")
        restricted = Q(person_id__in=restricted_people) & ~Q(owner_id=user.pk) & ~granted
        return self.filter(in_scope | granted).exclude(restricted)

    def visible_to_token(self, token: Any) -> Self:
        """Cases an API token may read: its provider organisation's, or shared with it by a live grant.

        A token acts for one organisation, not a person, so it reads what that organisation
        holds. Tokens of the OPCC, a police force or anyone else who holds no casework see nothing.
        """
        from waymark.accounts.roles import OrganisationType

        organisation = token.organisation
        if organisation.type not in (OrganisationType.PROVIDER, OrganisationType.PARTNER_AGENCY):
            return self.none()
        granted = CaseAccessGrant.objects.live().filter(organisation_id=organisation.pk).values("case_id")
        from waymark.referrals.models import Person

        restricted_people = Person.objects.filter(is_restricted=True).values("pk")
        return self.filter(Q(organisation_id=organisation.pk) | Q(pk__in=granted)).exclude(
            person_id__in=restricted_people
        )


class Case(TimeStampedModel):
    """The support one service gives one person, opened when a referral is accepted.

    Status moves only through `waymark.cases.lifecycle` (guarded transitions); the Victims'
    Code timestamps (first contact attempted and made, needs assessed) are kept for right 4.
    """

    class Status(models.TextChoices):
        OPEN_ALLOCATED = "open_allocated", "Open, allocated"
        ASSESSMENT = "assessment", "Assessment"
        ACTIVE_SUPPORT = "active_support", "Active support"
        ON_HOLD = "on_hold", "On hold"
        REVIEW = "review", "Review"
        CLOSURE_REQUESTED = "closure_requested", "Closure requested"
        CLOSED = "closed", "Closed"
        REOPENED = "reopened", "Reopened"
        TRANSFERRED_OUT = "transferred_out", "Transferred out"

    OPEN_STATUSES = (
        Status.OPEN_ALLOCATED,
        Status.ASSESSMENT,
        Status.ACTIVE_SUPPORT,
        Status.ON_HOLD,
        Status.REVIEW,
        Status.CLOSURE_REQUESTED,
        Status.REOPENED,
    )

    class SupportTier(models.TextChoices):
        SHORT_TERM = "short_term", "Short term"
        LONG_TERM = "long_term", "Long term"

    class ClosureReason(models.TextChoices):
        GOALS_MET = "goals_met", "Support complete, goals met"
        VICTIM_ENDED = "victim_ended", "The person ended support"
        UNABLE_TO_CONTACT = "unable_to_contact", "Unable to contact"
        MOVED_AWAY = "moved_away", "Moved out of area"
        TRANSFERRED = "transferred", "Transferred to another service"
        REFERRED_ON = "referred_on", "Referred on only"
        SAFEGUARDING_HANDOVER = "safeguarding_handover", "Safeguarding handover"
        DECEASED = "deceased", "Deceased"
        OTHER = "other", "Other"

    reference = models.CharField(
        max_length=20, unique=True, help_text="A non-identifying case code, e.g. C-7Q2K9M."
    )
    person = models.ForeignKey("referrals.Person", on_delete=models.PROTECT, related_name="cases")
    referral = models.OneToOneField(
        "referrals.Referral", on_delete=models.PROTECT, null=True, blank=True, related_name="case"
    )
    service = models.ForeignKey("accounts.Service", on_delete=models.PROTECT, related_name="cases")
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="cases",
        help_text="The provider (the service's organisation), kept here for scoping.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="owned_cases"
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN_ALLOCATED)
    support_tier = models.CharField(max_length=12, choices=SupportTier.choices, blank=True)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closure_reason = models.CharField(max_length=25, choices=ClosureReason.choices, blank=True)
    closure_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closure_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    first_contact_due = models.DateField(
        null=True,
        blank=True,
        help_text="Copied from the referral when the case opens (it never changes), so queues sort "
        "and filter on the case alone.",
    )
    first_contact_attempt_at = models.DateTimeField(null=True, blank=True)
    first_contact_made_at = models.DateTimeField(null=True, blank=True)
    needs_assessed_at = models.DateTimeField(null=True, blank=True)
    victim_case = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="perpetrator_cases",
        help_text="Perpetrator programmes: the associated victim's partner-support case. Programme "
        "staff see only its safety status, never the victim's details.",
    )

    history = HistoricalRecords()
    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at"]
        indexes = [
            models.Index(fields=["organisation", "status"]),
            models.Index(fields=["team", "status", "first_contact_due"], name="case_team_queue_idx"),
            models.Index(fields=["owner", "status", "first_contact_due"], name="case_owner_queue_idx"),
            # The lists' sorts, so the first page is read in order from an index instead of
            # sorting every case in scope (docs/benchmarks.md, 26 November 2026).
            models.Index(fields=["-opened_at", "-id"], name="case_newest_first_idx"),
            models.Index(fields=["owner", "-opened_at", "-id"], name="case_owner_newest_idx"),
            models.Index(fields=["first_contact_due", "id"], name="case_first_contact_due_idx"),
            # The managers' overdue first-contact list: open cases not yet contacted are few.
            models.Index(
                fields=["organisation", "status"],
                condition=Q(first_contact_made_at__isnull=True),
                name="case_not_yet_contacted_idx",
            ),
        ]

    def __str__(self) -> str:
        """The case code (never the person's name)."""
        return self.reference

    @property
    def owning_organisation(self) -> Any:
        """For the access log."""
        return self.organisation

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Keep the referral's first-contact deadline on the case."""
        if self.first_contact_due is None and self.referral is not None:
            self.first_contact_due = self.referral.first_contact_due
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        """Whether support is still going on."""
        return self.status in self.OPEN_STATUSES

    def get_absolute_url(self) -> str:
        """The case's page."""
        return reverse("cases:detail", kwargs={"public_id": self.public_id})


class CaseAccessGrantQuerySet(models.QuerySet["CaseAccessGrant"]):
    """Grants, narrowed to the live ones and to one person."""

    def live(self) -> Self:
        """Not revoked and not expired."""
        from django.utils import timezone

        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())
        )

    def for_user(self, user: Any) -> Self:
        """Grants to the user, their teams or their organisations."""
        from waymark.accounts.access import active_memberships, team_ids

        orgs = {m.organisation_id for m in active_memberships(user)}
        return self.filter(Q(user_id=user.pk) | Q(team_id__in=team_ids(user)) | Q(organisation_id__in=orgs))


class CaseAccessGrant(TimeStampedModel):
    """An explicit, reasoned, expiring share of one case outside its normal scope.

    The only way a case crosses to another organisation (an accepted transfer or onward
    referral) or to someone outside the team (manager override, break glass).
    """

    class Reason(models.TextChoices):
        ONWARD_REFERRAL = "onward_referral", "Onward referral"
        TRANSFER = "transfer", "Transfer"
        MANAGER_OVERRIDE = "manager_override", "Manager override"
        BREAK_GLASS = "break_glass", "Break glass (urgent safeguarding)"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="access_grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    explanation = models.CharField(max_length=500)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()
    objects = CaseAccessGrantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(team__isnull=False) | Q(organisation__isnull=False),
                name="case_access_grant_has_a_grantee",
            ),
        ]

    def __str__(self) -> str:
        """The case and why."""
        return f"{self.case} ({self.get_reason_display()})"


class HateStrand(models.TextChoices):
    """The five centrally monitored hate crime strands (CPS/police wording)."""

    RACE = "race", "Race or ethnicity"
    RELIGION = "religion", "Religion or belief"
    DISABILITY = "disability", "Disability"
    SEXUAL_ORIENTATION = "sexual_orientation", "Sexual orientation"
    TRANSGENDER_IDENTITY = "transgender_identity", "Transgender identity"


class OtherHostility(TimeStampedModel):
    """A hostility a service records beyond the five strands (configurable: e.g. sex, age)."""

    name = models.CharField(max_length=100, unique=True)
    source = models.CharField(
        max_length=300, blank=True, help_text="Where the category comes from (cite it)."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        """The name."""
        return self.name


class HateCrimeDetail(TimeStampedModel):
    """What a hate crime case is about: strands, crime or incident, who perceived it, where."""

    class CrimeOrIncident(models.TextChoices):
        CRIME = "crime", "Crime"
        INCIDENT = "incident", "Non-crime hate incident"
        NOT_KNOWN = "not_known", "Not known"

    class PerceivedBy(models.TextChoices):
        VICTIM = "victim", "The victim"
        OTHER_PERSON = "other_person", "Another person"
        BOTH = "both", "Both"

    class LocationType(models.TextChoices):
        HOME = "home", "Home or neighbourhood"
        PUBLIC_PLACE = "public_place", "Public place"
        PUBLIC_TRANSPORT = "public_transport", "Public transport"
        ONLINE = "online", "Online"
        WORKPLACE = "workplace", "Workplace"
        EDUCATION = "education", "School, college or university"
        SPORTS_VENUE = "sports_venue", "Sports venue"
        OTHER = "other", "Other"

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="hate_crime")
    strands = models.JSONField(default=list, help_text="One or more HateStrand values.")
    other_hostilities = models.ManyToManyField(OtherHostility, blank=True, related_name="cases")
    crime_or_incident = models.CharField(
        max_length=10, choices=CrimeOrIncident.choices, default=CrimeOrIncident.NOT_KNOWN
    )
    perceived_by = models.CharField(max_length=15, choices=PerceivedBy.choices, default=PerceivedBy.VICTIM)
    location_type = models.CharField(max_length=20, choices=LocationType.choices, blank=True)

    history = HistoricalRecords()

    def __str__(self) -> str:
        """The case and its strands."""
        return f"{self.case}: {', '.join(self.strands)}"

    @property
    def strand_labels(self) -> list[str]:
        """The strands in words."""
        labels = dict(HateStrand.choices)
        return [str(labels.get(s, s)) for s in self.strands]


class NeedsDomain(TimeStampedModel):
    """An area of need a service assesses (configurable; seeded with common domains)."""

    key = models.SlugField(max_length=50, unique=True)
    label = models.CharField(max_length=100)
    source = models.CharField(max_length=300, blank=True, help_text="Where the domain comes from (cite it).")
    is_active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "label"]

    def __str__(self) -> str:
        """The label."""
        return self.label


class NeedsAssessment(TimeStampedModel):
    """An assessment of a person's needs, domain by domain."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="needs_assessments")
    assessed_at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()

    class Meta:
        ordering = ["-assessed_at"]

    def __str__(self) -> str:
        """The case and date."""
        return f"{self.case} needs {self.assessed_at:%d %b %Y}"


class NeedItem(models.Model):
    """The level of one need in one assessment."""

    class Level(models.TextChoices):
        NONE = "none", "None"
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    assessment = models.ForeignKey(NeedsAssessment, on_delete=models.CASCADE, related_name="items")
    domain = models.ForeignKey(NeedsDomain, on_delete=models.PROTECT, related_name="+")
    level = models.CharField(max_length=8, choices=Level.choices)
    notes = EncryptedTextField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "domain"], name="need_item_unique_domain")
        ]

    def __str__(self) -> str:
        """Domain and level."""
        return f"{self.domain}: {self.level}"


class SupportGoal(TimeStampedModel):
    """A goal in a person's support plan."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        ACHIEVED = "achieved", "Achieved"
        NOT_ACHIEVED = "not_achieved", "Not achieved"
        NOT_APPLICABLE = "not_applicable", "No longer applies"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="goals")
    domain = models.ForeignKey(NeedsDomain, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    description = EncryptedTextField(null=True, blank=True)
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.NOT_STARTED)
    target_date = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    def __str__(self) -> str:
        """The case and status (the goal's words are personal)."""
        return f"{self.case} goal ({self.get_status_display()})"


class SafetyPlan(TimeStampedModel):
    """Whether a safety plan is needed, what it covers, and when it was done and reviewed."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="safety_plan")
    needed = models.BooleanField(default=True)
    components = models.JSONField(default=list, help_text="Checklist keys covered by the plan.")
    notes = EncryptedTextField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_due = models.DateField(null=True, blank=True, help_text="When the plan is next to be reviewed.")

    history = HistoricalRecords()

    def __str__(self) -> str:
        """The case."""
        return f"{self.case} safety plan"


class SupportActivity(TimeStampedModel):
    """One piece of work on a case: a call, a visit, court support, advocacy..."""

    class Kind(models.TextChoices):
        CALL = "call", "Phone call"
        VISIT = "visit", "Visit"
        MEETING = "meeting", "Meeting"
        COURT_SUPPORT = "court_support", "Court support"
        POLICE_LIAISON = "police_liaison", "Police liaison"
        ADVOCACY = "advocacy", "Advocacy"
        LETTER = "letter", "Letter"
        EMAIL = "email", "E-mail"
        TEXT = "text", "Text message"
        ON_THE_SPOT = "on_the_spot", "On-the-spot support"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=15, choices=Kind.choices)
    at = models.DateTimeField()
    duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    is_factual_note_only = models.BooleanField(
        default=False, help_text="ISVAs record facts only: they are not part of the evidence."
    )
    text = EncryptedTextField(null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        """Kind and date."""
        return f"{self.get_kind_display()} {self.at:%d %b %Y}"


class ConsentRecord(TimeStampedModel):
    """A person's consent (or refusal) for one purpose, such as sharing with another agency."""

    class Purpose(models.TextChoices):
        RECEIVE_SERVICE = "receive_service", "Receive the service"
        SHARE_WITH_AGENCY = "share_with_agency", "Share with another agency"
        MARAC = "marac", "Referral to MARAC"
        ANONYMISED_REPORTING = "anonymised_reporting", "Anonymised reporting"
        CONTACT_BY_METHOD = "contact_by_method", "Contact by a method"

    class ObtainedFrom(models.TextChoices):
        PERSON = "person", "The person"
        PARENT_GUARDIAN = "parent_guardian", "A parent or guardian"
        ADVOCATE = "advocate", "An advocate"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=25, choices=Purpose.choices)
    given = models.BooleanField()
    obtained_from = models.CharField(max_length=20, choices=ObtainedFrom.choices, default=ObtainedFrom.PERSON)
    at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()

    def __str__(self) -> str:
        """Purpose and answer."""
        return f"{self.get_purpose_display()}: {'given' if self.given else 'not given'}"


class OnwardReferralQuerySet(VisibleQuerySet["OnwardReferral"]):
    """Onward referrals: those on cases the user may see, and those sent to a service they manage."""

    def visible_to(self, user: Any) -> Self:
        """Outgoing referrals on visible cases; incoming ones (sent onwards) for the receiving managers."""
        from waymark.accounts.access import organisation_ids_with_role
        from waymark.accounts.roles import Role

        managed = organisation_ids_with_role(user, [Role.PROVIDER_MANAGER])
        if casework_scope(user).is_empty:
            return self.none()
        incoming = Q(to_service__organisation_id__in=managed) & ~Q(status="draft")
        return self.filter(Q(case__in=Case.objects.visible_to(user)) | incoming)


class OnwardReferral(TimeStampedModel):
    """A referral or transfer of a case to another service, behind the consent gate."""

    class Kind(models.TextChoices):
        REFERRAL = "referral", "Referral (support alongside)"
        TRANSFER = "transfer", "Transfer (the case moves)"

    class Basis(models.TextChoices):
        CONSENT = "consent", "Consent"
        VITAL_INTERESTS = "vital_interests", "Override: risk to life (vital interests)"
        SAFEGUARDING = "safeguarding", "Override: safeguarding"
        CRIME_PREVENTION = "crime_prevention", "Override: prevention or detection of crime"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Sent"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        REVOKED = "revoked", "Revoked"
        DONE = "done", "Done"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="onward_referrals")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    to_service = models.ForeignKey(
        "accounts.Service",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="onward_referrals_in",
    )
    to_external = models.CharField(max_length=200, blank=True, help_text="A service outside Waymark.")
    basis = models.CharField(max_length=20, choices=Basis.choices)
    override_reason = models.TextField(blank=True, help_text="Required for every basis other than consent.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    consent_record = models.ForeignKey(
        "ConsentRecord",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The consent the referral was sent on; empty when sent on an override basis.",
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rejection_reason = models.CharField(max_length=500, blank=True)
    access_grant = models.OneToOneField(
        CaseAccessGrant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="onward_referral",
        help_text="The share made when the receiving service accepted; ended when this is revoked.",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()
    objects = OnwardReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        """Kind and status."""
        return f"{self.case} {self.get_kind_display()} ({self.get_status_display()})"

    @property
    def owning_organisation(self) -> Any:
        """For the access log."""
        return self.case.organisation

    @property
    def destination(self) -> str:
        """Where it goes: a Waymark service or an outside one."""
        if self.to_service_id is not None and self.to_service is not None:
            return f"{self.to_service.name} ({self.to_service.organisation.name})"
        return self.to_external


class OutcomeFramework(TimeStampedModel):
    """A set of outcome measures read at intake, review and exit (configurable)."""

    key = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    source = models.CharField(
        max_length=500, blank=True, help_text="Where it comes from, and whether verified."
    )
    is_verified = models.BooleanField(
        default=False, help_text="False until checked against the funder's template."
    )
    services = models.ManyToManyField("accounts.Service", blank=True, related_name="outcome_frameworks")

    def __str__(self) -> str:
        """The name."""
        return self.name


class OutcomeMeasure(models.Model):
    """One measure in a framework, with its answer scale."""

    framework = models.ForeignKey(OutcomeFramework, on_delete=models.CASCADE, related_name="measures")
    key = models.SlugField(max_length=50)
    label = models.CharField(max_length=200)
    scale = models.JSONField(default=list, help_text="The allowed answers, in order, e.g. [1, 2, 3, 4, 5].")
    improvement_is_higher = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["framework", "order"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "key"], name="outcome_measure_unique_key")
        ]

    def __str__(self) -> str:
        """The label."""
        return self.label


class OutcomeReading(TimeStampedModel):
    """One answer to one measure for one case at one point in its life."""

    class Timepoint(models.TextChoices):
        INTAKE = "intake", "Intake"
        REVIEW = "review", "Review"
        EXIT = "exit", "Exit"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="outcome_readings")
    measure = models.ForeignKey(OutcomeMeasure, on_delete=models.PROTECT, related_name="readings")
    timepoint = models.CharField(max_length=8, choices=Timepoint.choices)
    value = models.CharField(max_length=50)
    asked_person = models.BooleanField(
        default=True, help_text="False if the worker judged it without asking."
    )
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        """Measure, timepoint and value."""
        return f"{self.measure} at {self.timepoint}: {self.value}"


class DisclosureRequestQuerySet(VisibleQuerySet["DisclosureRequest"]):
    """Disclosure requests: staff who may see the case, and the case organisation's auditor (DPO)."""

    def visible_to(self, user: Any) -> Self:
        """Requests about cases the user may see, or of an organisation where they are the auditor.

        The auditor (DPO) decides requests without seeing the case file itself, so the register
        shows them the request, never the case's other records.
        """
        from waymark.accounts.access import organisation_ids_with_role
        from waymark.accounts.roles import Role

        audited = organisation_ids_with_role(user, [Role.AUDITOR])
        if casework_scope(user).is_empty and not audited:
            return self.none()
        return self.filter(Q(case__in=Case.objects.visible_to(user)) | Q(case__organisation_id__in=audited))


class DisclosureRequest(TimeStampedModel):
    """A request from the police, CPS or a court for a person's records (third-party material)."""

    class Requester(models.TextChoices):
        POLICE = "police", "Police"
        CPS = "cps", "Crown Prosecution Service"
        COURT = "court", "Court"
        SOLICITOR = "solicitor", "Solicitor"
        OTHER = "other", "Other"

    class Decision(models.TextChoices):
        PENDING = "pending", "Pending"
        DISCLOSE_FULL = "disclose_full", "Disclose in full"
        DISCLOSE_PARTIAL = "disclose_partial", "Disclose in part"
        REFUSE = "refuse", "Refuse"
        COURT_ORDER_REQUIRED = "court_order_required", "Court order required"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="disclosure_requests")
    requester_type = models.CharField(max_length=10, choices=Requester.choices)
    requester_name = models.CharField(max_length=200)
    received_at = models.DateTimeField()
    legal_basis = models.CharField(max_length=500)
    scope_requested = EncryptedTextField(null=True, blank=True)
    necessity_and_proportionality = EncryptedTextField(
        null=True, blank=True, help_text="Why the request is (or is not) necessary and proportionate."
    )
    is_counselling_information = models.BooleanField(
        default=False, help_text="Counselling material carries a higher test (PCSCA 2022 ch. 3A)."
    )
    counselling_test = EncryptedTextField(
        null=True,
        blank=True,
        help_text="For counselling material: why the higher safeguards are (or are not) met. Required "
        "for a decision to disclose counselling information.",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision = models.CharField(max_length=25, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    victim_informed_at = models.DateTimeField(null=True, blank=True)
    victim_not_informed_reason = models.CharField(max_length=500, blank=True)
    victim_view = EncryptedTextField(null=True, blank=True)
    disclosed_at = models.DateTimeField(null=True, blank=True)
    items_disclosed = EncryptedTextField(null=True, blank=True)

    history = HistoricalRecords()
    objects = DisclosureRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        """Case, requester and decision."""
        return f"{self.case} request from {self.get_requester_type_display()} ({self.get_decision_display()})"

    @property
    def owning_organisation(self) -> Any:
        """For the access log."""
        return self.case.organisation

    def get_absolute_url(self) -> str:
        """The request's page in the register."""
        return reverse("cases:disclosure_detail", kwargs={"public_id": self.public_id})
