"""The Victims' Code as data, the evidence of its delivery, the victim's voice, and what the
OPCC does about the gaps (research/victims-code.md §1, §5, §6).

- **The Code**: `CodeVersion` (the 2020 Code in force, the 2026 draft beside it), its 12
  `Right`s, and each right's measurable `Entitlement`s with responsible agency, trigger event and
  deadlines in working days. Rows the research marks unverified carry `verified=False` and are
  corrected by an OPCC admin, never hard-coded.
- **Metrics**: `MetricDefinition` rows (numerator, denominator, counting unit, period basis,
  authority, polarity, RAG thresholds) computed by `waymark.victims_code.metrics`.
- **Evidence** from four sources: the force's `CodeDuty` rows (one per entitlement owed to one
  victim of one crime, from the extract), the commissioned services' own case records
  (`waymark.cases`), dip-sample audits (`AuditExercise`, `AuditCase`, `EntitlementCheck`) and
  aggregate returns from agencies that send no case-level data (`AggregateReturn`).
- **The victim's voice**: `SurveyInvitation` (a one-time link, only its hash stored) and
  `SurveyResponse`, linked pseudonymously to the victim-crime pair; no IP address is stored.
- **Governance**: `CodeComplaint` (Right 12), `ReviewMeeting` and `ComplianceAction`.

No name of a victim is ever stored here: a victim is the force's pseudonymous id on a crime.
"""

from __future__ import annotations

import uuid
from typing import Any, Self

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from encrypted_fields.fields import EncryptedTextField
from simple_history.models import HistoricalRecords

from waymark.accounts.access import police_force_area_ids_with_role
from waymark.accounts.roles import Role
from waymark.core.models import TimeStampedModel
from waymark.core.visibility import VisibleQuerySet
from waymark.crime.models import ReferenceRow

# Who sees compliance evidence and results for the force area: the OPCC's analysts and admins
# and the force's Victims' Code leads. Board members see published figures only (later).
COMPLIANCE_ROLES: tuple[str, ...] = (Role.OPCC_ADMIN, Role.OPCC_ANALYST, Role.FORCE_CODE_LEAD)


class ComplianceQuerySet(VisibleQuerySet[Any]):
    """Compliance evidence of a force area: rows of the areas of the organisations where the user
    holds a compliance role (`Organisation.police_force_area`), none otherwise.

    A model whose rows reach their area through another row names the path in
    `compliance_area_lookup` (e.g. "exercise__police_force_area").
    """

    def visible_to(self, user: Any) -> Self:
        areas = police_force_area_ids_with_role(user, COMPLIANCE_ROLES)
        if not areas:
            return self.none()
        lookup = getattr(self.model, "compliance_area_lookup", "police_force_area")
        return self.filter(**{f"{lookup}_id__in": areas})


# --- enumerations (research/victims-code.md §5.2) --------------------------------------------------


class AgencyType(models.TextChoices):
    POLICE = "police", "Police"
    CPS = "cps", "Crown Prosecution Service"
    WITNESS_CARE = "witness_care", "Witness Care Unit"
    HMCTS = "hmcts", "HM Courts and Tribunals Service"
    PROBATION_VCS = "probation_vcs", "Probation Victim Contact Scheme"
    PRISON = "prison", "HM Prison Service"
    PAROLE_BOARD = "parole_board", "Parole Board"
    YOUTH_OFFENDING = "youth_offending", "Youth Offending Team"
    CICA = "cica", "Criminal Injuries Compensation Authority"
    COMMISSIONED_SERVICE = "commissioned_service", "Commissioned support service"
    ALL = "all", "All service providers"


class TriggerEvent(models.TextChoices):
    CRIME_REPORTED = "crime_reported", "Crime reported"
    SUSPECT_ARRESTED = "suspect_arrested", "Suspect arrested"
    SUSPECT_INTERVIEWED = "suspect_interviewed", "Suspect interviewed under caution"
    SUSPECT_RELEASED_NO_CHARGE = "suspect_released_no_charge", "Suspect released without charge"
    SUSPECT_BAILED_OR_RUI = "suspect_bailed_or_rui", "Suspect bailed or released under investigation"
    BAIL_CONDITIONS_CHANGED = "bail_conditions_changed", "Bail conditions changed or cancelled"
    DECISION_NOT_TO_INVESTIGATE = "decision_not_to_investigate", "Decision not to investigate"
    EVIDENTIAL_STATEMENT = "evidential_statement", "Evidential statement given"
    CHARGED = "charged", "Suspect charged"
    CPS_NO_CHARGE = "cps_no_charge", "CPS decided not to charge"
    CPS_DISCONTINUED = "cps_discontinued", "CPS discontinued or altered the charges"
    HEARING_LISTED = "hearing_listed", "Hearing listed"
    WITNESS_REQUIRED = "witness_required", "Victim required to give evidence"
    CASE_OUTCOME = "case_outcome", "Case concluded"
    SENTENCE_PASSED = "sentence_passed", "Sentence passed"
    VCS_REFERRAL = "vcs_referral", "Referred to the Victim Contact Scheme"
    OFFENDER_RELEASE = "offender_release", "Offender released"
    COMPLAINT_RECEIVED = "complaint_received", "Complaint received"


class DeadlineAnchor(models.TextChoices):
    TRIGGER = "trigger", "The date of the trigger event"
    RECEIPT = "receipt", "The date the agency received the information"


class AppliesTo(models.TextChoices):
    ALL = "all", "All victims"
    ENHANCED = "enhanced", "Victims entitled to enhanced rights"
    VCS_ELIGIBLE = "vcs_eligible", "Victims eligible for the Victim Contact Scheme"
    WITNESSES = "witnesses", "Victims required as witnesses"


class NotApplicableReason(models.TextChoices):
    VICTIM_DECLINED = "victim_declined", "The victim declined"
    VICTIM_OPTED_OUT = "victim_opted_out", "The victim opted out"
    UNABLE_TO_CONTACT = "unable_to_contact", "Unable to contact after attempts"
    UNSAFE_TO_CONTACT = "unsafe_to_contact", "Unsafe to contact"
    NOT_ELIGIBLE = "not_eligible", "Not eligible"
    DUPLICATE = "duplicate", "Duplicate record"
    OTHER = "other", "Other (see detail)"


class Channel(models.TextChoices):
    LETTER = "letter", "Letter"
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"
    PHONE = "phone", "Telephone"
    IN_PERSON = "in_person", "In person"
    PORTAL = "portal", "Portal or app"
    HANDWRITTEN = "handwritten", "Handwritten"


class DataSource(models.TextChoices):
    FORCE_RECORDS = "force_records", "Force records system"
    WITNESS_CARE = "witness_care", "Witness Care Unit system"
    CPS = "cps", "CPS case management"
    HMCTS = "hmcts", "HM Courts and Tribunals Service"
    PROBATION_VCS = "probation_vcs", "Probation Victim Contact Scheme"
    PROVIDER_CMS = "provider_cms", "Commissioned service's case records"
    DIP_SAMPLE = "dip_sample", "Dip-sample audit"
    SURVEY = "survey", "Victim survey"
    MANUAL = "manual", "Entered by hand"


# --- the Code as data ------------------------------------------------------------------------------


class CodeVersion(TimeStampedModel):
    """One edition of the Victims' Code: the 2020 Code in force, the 2026 draft beside it."""

    class Status(models.TextChoices):
        IN_FORCE = "in_force", "In force"
        DRAFT = "draft", "Draft"
        SUPERSEDED = "superseded", "Superseded"

    code = models.CharField(max_length=30, unique=True, help_text="e.g. VCOP-2020, VCOP-DRAFT-2026.")
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=12, choices=Status.choices)
    effective_from = models.DateField(null=True, blank=True)
    effective_to = models.DateField(null=True, blank=True, help_text="Empty while the version is current.")
    source = models.TextField(help_text="Where the version's text is published.")

    class Meta:
        ordering = ["-effective_from", "code"]

    def __str__(self) -> str:
        return self.title


class Right(ReferenceRow):
    """One of a Code version's rights, with its exact title."""

    code_version = models.ForeignKey(CodeVersion, on_delete=models.CASCADE, related_name="rights")
    number = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(12)])
    title = models.CharField(max_length=200, help_text="The right's short title, exactly as published.")
    summary = models.TextField(blank=True, help_text="What the right gives, in plain English.")

    class Meta:
        ordering = ["code_version", "number"]
        constraints = [
            models.UniqueConstraint(fields=["code_version", "number"], name="right_once_per_version")
        ]

    def __str__(self) -> str:
        return f"Right {self.number}: {self.title}"


class Entitlement(ReferenceRow):
    """A measurable duty under a right: who owes it, what starts it, and how long they have.

    A deadline is in working days (England and Wales, `waymark.core.workdays`) counted from the
    anchor: the trigger date, or the date the agency received the information where the Code
    counts from receipt. No deadline (both empty) means "at all": the Code gives no number.
    """

    right = models.ForeignKey(Right, on_delete=models.CASCADE, related_name="entitlements")
    code = models.CharField(max_length=60, help_text="e.g. R6.ARREST_UPDATE; unique within its Code version.")
    description = models.TextField()
    agency_type = models.CharField(max_length=24, choices=AgencyType.choices)
    trigger_event = models.CharField(max_length=32, choices=TriggerEvent.choices)
    deadline_standard = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Working days for a victim without enhanced rights; empty: no deadline.",
    )
    deadline_enhanced = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Working days for a victim entitled to enhanced rights; empty: no deadline.",
    )
    anchor = models.CharField(max_length=10, choices=DeadlineAnchor.choices, default=DeadlineAnchor.TRIGGER)
    applies_to = models.CharField(max_length=16, choices=AppliesTo.choices, default=AppliesTo.ALL)

    history = HistoricalRecords()

    class Meta:
        ordering = ["right__number", "code"]
        constraints = [
            models.UniqueConstraint(fields=["right", "code"], name="entitlement_code_once_per_right")
        ]

    def __str__(self) -> str:
        return self.code

    def deadline_for(self, *, enhanced: bool) -> int | None:
        """The deadline in working days for a victim with or without enhanced rights."""
        return self.deadline_enhanced if enhanced else self.deadline_standard


class MetricDefinition(ReferenceRow):
    """A compliance metric as data: what it counts, over what, and how good is good.

    `measure` says how Waymark computes it from case-level evidence; `aggregate_only` metrics
    come only from agencies' aggregate returns. Thresholds are percentages.
    """

    class CountingUnit(models.TextChoices):
        VICTIM_CRIME = "victim_crime", "Victim-crime pair"
        TRIGGER_EVENT = "trigger_event", "Trigger event"
        CASE = "case", "Case"
        SURVEY_RESPONSE = "survey_response", "Survey response"
        COMPLAINT = "complaint", "Complaint"
        REFERRAL = "referral", "Referral to a commissioned service"

    class Measure(models.TextChoices):
        DELIVERED = "delivered", "Delivered at all"
        ON_TIME = "on_time", "Delivered within the deadline"
        ATTRITION = "attrition", "Investigations finalised as the victim not supporting action"
        SURVEY = "survey", "Survey answer"
        PROVIDER_FIRST_CONTACT = "provider_first_contact", "Commissioned service first contact on time"
        AGGREGATE_ONLY = "aggregate_only", "From agencies' aggregate returns only"

    class Authority(models.TextChoices):
        MOJ_KEY_AREA = "moj_key_area", "MoJ key area (quarterly return)"
        CODE = "code", "Victims' Code deadline"
        VPA_PRESCRIBED = "vpa_prescribed", "Prescribed under the Victims and Prisoners Act 2024"
        HO_USS = "ho_uss", "Home Office user satisfaction survey method"
        CJS_DASHBOARD = "cjs_dashboard", "Criminal Justice System delivery data dashboard"
        VC_SURVEY = "vc_survey", "Victims' Commissioner survey"
        LOCAL = "local", "Local"

    class Polarity(models.TextChoices):
        HIGHER_BETTER = "higher_better", "Higher is better"
        LOWER_BETTER = "lower_better", "Lower is better"

    class PeriodBasis(models.TextChoices):
        TRIGGER = "trigger", "The date of the trigger event"
        REPORTED = "reported", "The date the crime was reported"
        OUTCOME = "outcome", "The date of the outcome"
        SUBMITTED = "submitted", "The date the survey was answered"
        RECEIVED = "received", "The date the referral was received"

    class RecallQuestion(models.TextChoices):
        WRITTEN_CONFIRMATION = "recall_written_confirmation", "Recalls written confirmation of the crime"
        REFERRAL_OFFER = "recall_referral_offer", "Recalls being offered a referral to support"
        VPS_OFFER = "recall_vps_offer", "Recalls being offered a Victim Personal Statement"
        UPDATES = "recall_updates", "Recalls being kept updated on the investigation"

    code_version = models.ForeignKey(CodeVersion, on_delete=models.PROTECT, related_name="metrics")
    code = models.CharField(max_length=12, help_text="e.g. M05, from research/victims-code.md §6.")
    name = models.CharField(max_length=200)
    right = models.ForeignKey(Right, on_delete=models.PROTECT, null=True, blank=True, related_name="metrics")
    entitlements = models.ManyToManyField(Entitlement, blank=True, related_name="metrics")
    agency_type = models.CharField(max_length=24, choices=AgencyType.choices)
    measure = models.CharField(max_length=24, choices=Measure.choices)
    numerator_definition = models.TextField()
    denominator_definition = models.TextField()
    counting_unit = models.CharField(max_length=16, choices=CountingUnit.choices)
    period_basis = models.CharField(max_length=10, choices=PeriodBasis.choices)
    authority = models.CharField(max_length=16, choices=Authority.choices)
    moj_key_area = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="Which of the MoJ's five key areas (1 to 5) this metric reports, if any.",
    )
    polarity = models.CharField(max_length=14, choices=Polarity.choices, default=Polarity.HIGHER_BETTER)
    rag_green_min = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Percentage: green at or beyond this.",
    )
    rag_amber_min = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Percentage: amber at or beyond this.",
    )
    survey_question = models.CharField(
        max_length=32, blank=True, help_text="For survey metrics: the `SurveyResponse` field answered."
    )
    recall_question = models.CharField(
        max_length=32,
        choices=RecallQuestion.choices,
        blank=True,
        help_text="The survey question whose answer victims give for this recorded entitlement.",
    )
    explanation = models.TextField(help_text="The definition in plain English, for the metric's page.")
    active = models.BooleanField(default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["code_version", "code"]
        constraints = [
            models.UniqueConstraint(fields=["code_version", "code"], name="metric_code_once_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"


# --- evidence: the force's records -----------------------------------------------------------------


class CodeDuty(models.Model):
    """One entitlement owed to one victim of one crime: triggered on a date, then delivered,
    documented as not applicable, or still open.

    Keyed on (crime, victim_ref, entitlement, triggered_on): a later file fills in the delivery
    of a duty an earlier file opened, and the same row twice changes nothing. `due_on` is the
    last day that counts as on time (working days from the anchor, standard or enhanced as the
    victim was at the trigger); empty where the entitlement has no deadline. A bulk fact table
    like the crimes: no UUID or timestamps per row.
    """

    police_force_area = models.ForeignKey("core.PoliceForceArea", on_delete=models.PROTECT, related_name="+")
    # No index of their own: `code_duty_once` leads with the crime, `code_duty_entitlement_day`
    # with the entitlement (waymark/crime/tests/test_indexes.py).
    crime = models.ForeignKey(
        "crime.Crime", on_delete=models.CASCADE, related_name="code_duties", db_index=False
    )
    victim_ref = models.CharField(max_length=64, help_text="The force's pseudonymous id of the victim.")
    entitlement = models.ForeignKey(
        Entitlement, on_delete=models.PROTECT, related_name="duties", db_index=False
    )
    triggered_on = models.DateField()
    received_on = models.DateField(
        null=True,
        blank=True,
        help_text="When the agency received the information, where the Code counts from it.",
    )
    enhanced = models.BooleanField(
        help_text="Whether the victim was entitled to enhanced rights at the trigger."
    )
    due_on = models.DateField(null=True, blank=True)
    delivered_on = models.DateField(null=True, blank=True)
    channel = models.CharField(max_length=12, choices=Channel.choices, blank=True)
    not_applicable_reason = models.CharField(max_length=20, choices=NotApplicableReason.choices, blank=True)
    not_applicable_detail = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=16, choices=DataSource.choices, default=DataSource.FORCE_RECORDS)
    extracted_on = models.DateField(help_text="The extraction date of the file that last wrote this row.")

    objects = ComplianceQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["crime", "victim_ref", "entitlement", "triggered_on"], name="code_duty_once"
            ),
            models.CheckConstraint(
                condition=models.Q(delivered_on__isnull=True) | models.Q(not_applicable_reason=""),
                name="code_duty_delivered_or_not_applicable",
            ),
        ]
        indexes = [models.Index(fields=["entitlement", "triggered_on"], name="code_duty_entitlement_day")]

    def __str__(self) -> str:
        return f"{self.victim_ref} on crime {self.crime_id}: {self.entitlement_id} from {self.triggered_on}"


# --- evidence: aggregate returns -------------------------------------------------------------------


class AggregateReturn(TimeStampedModel):
    """An agency's figures for one quarter, where it sends no case-level data (CPS, witness care,
    courts, probation): numerator and denominator per metric and breakdown."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        QUERIED = "queried", "Queried"
        ACCEPTED = "accepted", "Accepted"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    police_force_area = models.ForeignKey("core.PoliceForceArea", on_delete=models.PROTECT, related_name="+")
    agency_type = models.CharField(max_length=24, choices=AgencyType.choices)
    agency_name = models.CharField(max_length=200, help_text="e.g. West Midlands Witness Care Unit.")
    period_start = models.DateField(help_text="The first day of the financial quarter.")
    period_end = models.DateField(help_text="The last day of the financial quarter.")
    data_source = models.CharField(max_length=16, choices=DataSource.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sha256 = models.CharField(max_length=64, blank=True, help_text="Of the uploaded file, to spot a repeat.")
    notes = models.TextField(blank=True)

    objects = ComplianceQuerySet.as_manager()

    class Meta:
        ordering = ["-period_start", "agency_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["police_force_area", "agency_type", "agency_name", "period_start"],
                name="aggregate_return_once_per_quarter",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="aggregate_return_period"
            ),
        ]


class AggregateReturnLine(models.Model):
    """One figure of an aggregate return: a metric's numerator and denominator for one breakdown
    (`dimension` 'all' with an empty value is the total)."""

    aggregate_return = models.ForeignKey(AggregateReturn, on_delete=models.CASCADE, related_name="lines")
    metric = models.ForeignKey(MetricDefinition, on_delete=models.PROTECT, related_name="aggregate_lines")
    dimension = models.CharField(
        max_length=20, default="all", help_text="all, enhanced, crime_group, sex, ..."
    )
    value = models.CharField(max_length=60, blank=True)
    numerator = models.PositiveIntegerField()
    denominator = models.PositiveIntegerField()
    not_applicable = models.PositiveIntegerField(
        default=0, help_text="Cases with a documented reason, left out of the denominator but reported."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["aggregate_return", "metric", "dimension", "value"], name="aggregate_line_once"
            ),
            models.CheckConstraint(
                condition=models.Q(numerator__lte=models.F("denominator")),
                name="aggregate_line_numerator_le_denominator",
            ),
        ]

    def __str__(self) -> str:
        return f"metric {self.metric_id} {self.dimension}={self.value}: {self.numerator}/{self.denominator}"


# --- evidence: dip-sample audits -------------------------------------------------------------------


class AuditExercise(TimeStampedModel):
    """A dip sample of case records checked against the Code by the OPCC or the force."""

    class SamplingMethod(models.TextChoices):
        RANDOM = "random", "Random sample"
        CONSECUTIVE_DAYS = "consecutive_days", "Every case on consecutive days"
        THEMATIC = "thematic", "Thematic (e.g. one crime type)"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    police_force_area = models.ForeignKey("core.PoliceForceArea", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    agency_type = models.CharField(max_length=24, choices=AgencyType.choices, default=AgencyType.POLICE)
    period_start = models.DateField()
    period_end = models.DateField()
    sampling_method = models.CharField(max_length=20, choices=SamplingMethod.choices)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+", help_text="Who ran the audit."
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()
    objects = ComplianceQuerySet.as_manager()

    class Meta:
        ordering = ["-period_start", "title"]

    def __str__(self) -> str:
        return f"{self.title} ({self.period_start} to {self.period_end})"


class AuditCase(TimeStampedModel):
    """One case of a dip sample, by the force's pseudonymous reference; never a name."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    exercise = models.ForeignKey(AuditExercise, on_delete=models.CASCADE, related_name="cases")
    pseudo_ref = models.CharField(
        max_length=64, help_text="The crime reference or the force's pseudonymous id."
    )
    crime = models.ForeignKey(
        "crime.Crime",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The imported crime, when the reference matches one.",
    )
    reported_on = models.DateField(null=True, blank=True)
    enhanced = models.BooleanField(default=False)
    crime_group = models.CharField(max_length=60, blank=True)
    notes = EncryptedTextField(null=True, blank=True)

    history = HistoricalRecords()
    compliance_area_lookup = "exercise__police_force_area"
    objects = ComplianceQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["exercise", "pseudo_ref"], name="audit_case_once")]

    def __str__(self) -> str:
        return f"Audited case {self.pseudo_ref}"


class EntitlementCheck(models.Model):
    """An auditor's finding on one entitlement of one audited case."""

    audit_case = models.ForeignKey(AuditCase, on_delete=models.CASCADE, related_name="checks")
    entitlement = models.ForeignKey(Entitlement, on_delete=models.PROTECT, related_name="+")
    applicable = models.BooleanField(default=True)
    not_applicable_reason = models.CharField(max_length=20, choices=NotApplicableReason.choices, blank=True)
    triggered_on = models.DateField(null=True, blank=True)
    received_on = models.DateField(
        null=True,
        blank=True,
        help_text="When the agency received the information, where the Code counts from it.",
    )
    delivered_on = models.DateField(null=True, blank=True)
    delivered = models.BooleanField(null=True, help_text="Empty where the record does not say.")
    channel = models.CharField(max_length=12, choices=Channel.choices, blank=True)
    quality_rating = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
        help_text="1 poor, 2 requires improvement, 3 good, 4 outstanding.",
    )
    evidence_recorded = models.BooleanField(default=False)
    notes = EncryptedTextField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["audit_case", "entitlement"], name="entitlement_check_once")
        ]

    def __str__(self) -> str:
        return f"entitlement {self.entitlement_id} of audited case {self.audit_case_id}"


# --- the victim's voice ----------------------------------------------------------------------------


class SurveyInvitation(TimeStampedModel):
    """A one-time link to the feedback survey for one victim of one crime.

    Only the SHA-256 of the link's token is stored: the link is the only credential, and a copy
    of the database cannot be turned back into working links. A link works once, until
    `expires_at`.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    police_force_area = models.ForeignKey("core.PoliceForceArea", on_delete=models.PROTECT, related_name="+")
    crime = models.ForeignKey("crime.Crime", on_delete=models.CASCADE, related_name="+")
    victim_ref = models.CharField(max_length=64)
    token_sha256 = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ComplianceQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["crime", "victim_ref"], name="survey_invitation_once")]


class Satisfaction(models.TextChoices):
    """The Home Office user satisfaction survey's seven-point scale; 'satisfied' is the top three."""

    COMPLETELY_SATISFIED = "completely_satisfied", "Completely satisfied"
    VERY_SATISFIED = "very_satisfied", "Very satisfied"
    FAIRLY_SATISFIED = "fairly_satisfied", "Fairly satisfied"
    NEITHER = "neither", "Neither satisfied nor dissatisfied"
    FAIRLY_DISSATISFIED = "fairly_dissatisfied", "Fairly dissatisfied"
    VERY_DISSATISFIED = "very_dissatisfied", "Very dissatisfied"
    COMPLETELY_DISSATISFIED = "completely_dissatisfied", "Completely dissatisfied"
    DONT_KNOW = "dont_know", "Don't know"


SATISFIED: frozenset[str] = frozenset(
    {Satisfaction.COMPLETELY_SATISFIED, Satisfaction.VERY_SATISFIED, Satisfaction.FAIRLY_SATISFIED}
)


class YesNoDontKnow(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    DONT_KNOW = "dont_know", "Don't know"


class Confidence(models.TextChoices):
    VERY = "very", "Very confident"
    FAIRLY = "fairly", "Fairly confident"
    NOT_VERY = "not_very", "Not very confident"
    NOT_AT_ALL = "not_at_all", "Not at all confident"
    DONT_KNOW = "dont_know", "Don't know"


class SurveyResponse(models.Model):
    """A victim's answers, linked to the victim-crime pair by the invitation, never to a name or
    an IP address. Only the day of the answer is kept, not the time."""

    invitation = models.OneToOneField(SurveyInvitation, on_delete=models.PROTECT, related_name="response")
    submitted_on = models.DateField()
    ease_of_contact = models.CharField(max_length=24, choices=Satisfaction.choices, blank=True)
    actions_taken = models.CharField(max_length=24, choices=Satisfaction.choices, blank=True)
    kept_informed = models.CharField(max_length=24, choices=Satisfaction.choices, blank=True)
    treatment = models.CharField(max_length=24, choices=Satisfaction.choices, blank=True)
    whole_experience = models.CharField(max_length=24, choices=Satisfaction.choices, blank=True)
    would_report_again = models.CharField(max_length=10, choices=YesNoDontKnow.choices, blank=True)
    confidence = models.CharField(max_length=10, choices=Confidence.choices, blank=True)
    aware_of_code = models.CharField(max_length=10, choices=YesNoDontKnow.choices, blank=True)
    recall_written_confirmation = models.CharField(max_length=10, choices=YesNoDontKnow.choices, blank=True)
    recall_referral_offer = models.CharField(max_length=10, choices=YesNoDontKnow.choices, blank=True)
    recall_vps_offer = models.CharField(max_length=10, choices=YesNoDontKnow.choices, blank=True)
    recall_updates = models.CharField(max_length=10, choices=YesNoDontKnow.choices, blank=True)
    comments = EncryptedTextField(null=True, blank=True)

    compliance_area_lookup = "invitation__police_force_area"
    objects = ComplianceQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Survey response of {self.submitted_on}"


# --- complaints, reviews and actions ---------------------------------------------------------------


class CodeComplaint(TimeStampedModel):
    """A complaint that a Code right was not met (Right 12), by the agency's own reference."""

    class Outcome(models.TextChoices):
        OPEN = "open", "Not yet decided"
        UPHELD = "upheld", "Upheld"
        PARTIALLY_UPHELD = "partially_upheld", "Partially upheld"
        NOT_UPHELD = "not_upheld", "Not upheld"
        WITHDRAWN = "withdrawn", "Withdrawn"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    police_force_area = models.ForeignKey("core.PoliceForceArea", on_delete=models.PROTECT, related_name="+")
    agency_type = models.CharField(max_length=24, choices=AgencyType.choices)
    reference = models.CharField(max_length=40, help_text="The agency's complaint reference; never a name.")
    received_on = models.DateField()
    acknowledged_on = models.DateField(null=True, blank=True)
    responded_on = models.DateField(null=True, blank=True)
    rights = models.ManyToManyField(Right, related_name="complaints")
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.OPEN)
    escalated_to_phso = models.BooleanField(
        default=False, help_text="Referred by an MP to the Parliamentary and Health Service Ombudsman."
    )
    learning = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()

    objects = ComplianceQuerySet.as_manager()

    class Meta:
        ordering = ["-received_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["police_force_area", "agency_type", "reference"], name="complaint_once"
            )
        ]

    def __str__(self) -> str:
        return f"Complaint {self.reference} ({self.get_agency_type_display()})"


class ReviewMeeting(TimeStampedModel):
    """A meeting that reviews compliance: the Victims and Witnesses Delivery Group of the Local
    Criminal Justice Board, or another forum."""

    class Forum(models.TextChoices):
        VICTIMS_AND_WITNESSES_GROUP = "victims_witnesses", "LCJB Victims and Witnesses Delivery Group"
        LCJB = "lcjb", "Local Criminal Justice Board"
        OTHER = "other", "Other"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    police_force_area = models.ForeignKey("core.PoliceForceArea", on_delete=models.PROTECT, related_name="+")
    forum = models.CharField(max_length=20, choices=Forum.choices)
    held_on = models.DateField()
    title = models.CharField(max_length=200)
    attendees = models.TextField(blank=True, help_text="Agencies and roles present.")
    minutes = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()
    objects = ComplianceQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return f"{self.title} ({self.held_on})"


class ComplianceAction(TimeStampedModel):
    """An action agreed at a review meeting, with an owner, a due date and the metrics it addresses."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(ReviewMeeting, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    owner_agency = models.CharField(max_length=24, choices=AgencyType.choices)
    owner_role = models.CharField(
        max_length=120, help_text="The post that owns it, e.g. Head of Witness Care."
    )
    due_on = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    completed_on = models.DateField(null=True, blank=True)
    metrics = models.ManyToManyField(MetricDefinition, blank=True, related_name="actions")
    update = models.TextField(blank=True, help_text="The latest progress note.")

    history = HistoricalRecords()
    compliance_area_lookup = "meeting__police_force_area"
    objects = ComplianceQuerySet.as_manager()

    class Meta:
        ordering = ["due_on"]

    def __str__(self) -> str:
        return self.description[:80]


# --- precomputed results ---------------------------------------------------------------------------


class MetricRollup(models.Model):
    """One metric's raw counts for one period and one group, precomputed by the rollup (nightly
    and after each upload) so that pages read a few rows instead of recomputing over millions of
    duties. Counts are stored before disclosure control, which is applied when they are read, so
    a page shows exactly what computing afresh would show.

    `breakdown` "none" with an empty `group_key` is the overall figure; `excluded` holds the
    counts left out of the denominator, by reason (not applicable, don't know...).
    """

    police_force_area = models.ForeignKey("core.PoliceForceArea", on_delete=models.CASCADE, related_name="+")
    metric = models.ForeignKey(MetricDefinition, on_delete=models.CASCADE, related_name="rollups")
    period_start = models.DateField()
    period_end = models.DateField()
    breakdown = models.CharField(max_length=20, default="none")
    group_key = models.CharField(max_length=120, blank=True)
    group_label = models.CharField(max_length=200, blank=True)
    numerator = models.BigIntegerField()
    denominator = models.BigIntegerField()
    not_yet_due = models.BigIntegerField(default=0)
    excluded = models.JSONField(default=dict, blank=True)
    as_of = models.DateField(help_text="The date open duties were judged at.")
    computed_at = models.DateTimeField()

    objects = ComplianceQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "police_force_area",
                    "metric",
                    "period_start",
                    "period_end",
                    "breakdown",
                    "group_key",
                ],
                name="metric_rollup_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.metric_id} {self.period_start}..{self.period_end} {self.breakdown}={self.group_key}"
