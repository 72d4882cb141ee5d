"""Domestic abuse risk: checklists held as data, assessments, incidents and MARAC referrals.

The checklist (its questions, its bands and its MARAC threshold) is data, not code, so a
second tool such as the police DASH 27 can be added without a release, and every assessment
records the tool and version it was made with (research/case-management.md §2.1: never
assume 24 = 27).
"""

from __future__ import annotations

from typing import Any, Self, TypeVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from encrypted_fields.fields import EncryptedTextField
from simple_history.models import HistoricalRecords

from waymark.core.models import TimeStampedModel
from waymark.core.visibility import VisibleQuerySet


class RiskLevel(models.TextChoices):
    """Risk levels, lowest first: the order is what "raise but never lower" compares."""

    STANDARD = "standard", "Standard"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


LEVEL_RANK: dict[str, int] = {level.value: rank for rank, level in enumerate(RiskLevel)}


class RiskTool(TimeStampedModel):
    """A risk identification checklist, such as the SafeLives Dash risk checklist (24 questions).

    Reference data, seeded by migration with its source. The published wording of a licensed
    checklist is not stored: questions carry plain labels only.
    """

    key = models.SlugField(
        max_length=50, unique=True, help_text="E.g. 'safelives_dash_24', 'police_dash_27'."
    )
    name = models.CharField(max_length=200)
    version = models.CharField(max_length=50, help_text="Copied onto every assessment made with the tool.")
    source = models.TextField(help_text="Where the tool, its questions and thresholds come from (cite it).")
    licence_note = models.TextField(
        blank=True, help_text="Terms of use of the published form, and why only plain labels are stored."
    )
    marac_threshold = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="'Yes' answers at or above which the case is visible high risk and should go to "
        "MARAC (SafeLives Dash: 14, verified). Empty: the tool has no such threshold.",
    )
    review_interval_days = models.PositiveSmallIntegerField(
        default=42,
        help_text="Days from an assessment to its review (SafeLives: every 6 to 8 weeks). "
        "An organisation's RiskSettings may override it.",
    )
    is_active = models.BooleanField(default=True, help_text="Offered for new assessments.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        """Name and version."""
        return f"{self.name} ({self.version})"


class RiskQuestion(models.Model):
    """One question of a tool, by number, with a plain label (never the licensed wording)."""

    tool = models.ForeignKey(RiskTool, on_delete=models.CASCADE, related_name="questions")
    number = models.PositiveSmallIntegerField()
    key = models.SlugField(max_length=60, help_text="Stable within the tool; used in forms and exports.")
    label = models.CharField(max_length=200, help_text="A plain label for the topic, not the published text.")

    class Meta:
        ordering = ["tool", "number"]
        constraints = [
            models.UniqueConstraint(fields=["tool", "number"], name="risk_question_unique_number"),
            models.UniqueConstraint(fields=["tool", "key"], name="risk_question_unique_key"),
        ]

    def __str__(self) -> str:
        """Number and label."""
        return f"{self.number}. {self.label}"


class RiskBandSet(TimeStampedModel):
    """The bands that turn a tool's count of 'yes' answers into a level.

    One default set per tool (organisation empty); an organisation may have its own set for a
    tool, which then replaces the default for its assessments. Bands are usually "suggested
    levels only": professional judgement may raise the level, never lower it.
    """

    tool = models.ForeignKey(RiskTool, on_delete=models.CASCADE, related_name="band_sets")
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="risk_band_sets",
        help_text="Empty for the default set; otherwise the organisation whose local bands these are.",
    )
    name = models.CharField(max_length=200)
    source = models.TextField(help_text="Where the bands come from (cite it).")
    is_suggested = models.BooleanField(
        default=True, help_text="The bands are suggested levels, not a verified national standard."
    )

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tool", "organisation"], name="risk_band_set_one_per_tool_and_organisation"
            ),
            models.UniqueConstraint(
                fields=["tool"],
                condition=Q(organisation__isnull=True),
                name="risk_band_set_one_default_per_tool",
            ),
        ]

    def __str__(self) -> str:
        """The name."""
        return self.name

    def level_for(self, yes_count: int) -> str:
        """The level of the highest band whose minimum the count reaches (standard if none)."""
        level = RiskLevel.STANDARD.value
        for band in sorted(self.bands.all(), key=lambda b: b.min_yes):
            if yes_count >= band.min_yes:
                level = band.level
        return level


class RiskBand(models.Model):
    """One band of a set: from `min_yes` 'yes' answers up to the next band's minimum."""

    band_set = models.ForeignKey(RiskBandSet, on_delete=models.CASCADE, related_name="bands")
    level = models.CharField(max_length=10, choices=RiskLevel.choices)
    min_yes = models.PositiveSmallIntegerField(help_text="The fewest 'yes' answers that reach this band.")

    class Meta:
        ordering = ["band_set", "min_yes"]
        constraints = [
            models.UniqueConstraint(fields=["band_set", "level"], name="risk_band_unique_level"),
            models.UniqueConstraint(fields=["band_set", "min_yes"], name="risk_band_unique_min_yes"),
        ]

    def __str__(self) -> str:
        """Level and minimum."""
        return f"{self.get_level_display()}: {self.min_yes}+"


class RiskSettings(TimeStampedModel):
    """One organisation's local risk and MARAC settings; without a row the defaults apply.

    The potential-escalation threshold varies by MARAC area (SafeLives: common practice is 3
    incidents in 12 months; Kent and Medway use 3 in 6), so it is set here, not in code.
    """

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="risk_settings"
    )
    escalation_incidents = models.PositiveSmallIntegerField(
        default=3, help_text="Domestic abuse incidents that, within the window below, suggest escalation."
    )
    escalation_months = models.PositiveSmallIntegerField(default=12, help_text="The escalation window.")
    repeat_months = models.PositiveSmallIntegerField(
        default=12,
        help_text="A new incident within this many months of the last MARAC referral is a repeat "
        "(SafeLives definition: 12).",
    )
    review_interval_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Overrides the tool's review interval for this organisation."
    )
    marac_area = models.CharField(max_length=200, blank=True, help_text="The MARAC usually referred to.")

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "risk settings"

    def __str__(self) -> str:
        """Whose settings."""
        return f"Risk settings: {self.organisation}"


_M = TypeVar("_M", bound=models.Model)


class _OnVisibleCase(VisibleQuerySet[_M]):
    """Rows that hang off a case: visible exactly when the case is (Case.objects.visible_to)."""

    def visible_to(self, user: Any) -> Self:
        """Rows on cases the user may see; nothing for anyone else."""
        from waymark.cases.models import Case

        return self.filter(case__in=Case.objects.visible_to(user))


class RiskAssessmentQuerySet(_OnVisibleCase["RiskAssessment"]):
    """Risk assessments: through their case."""

    def submitted(self) -> Self:
        """Submitted assessments (including ones a correction has superseded)."""
        return self.filter(status=RiskAssessment.Status.SUBMITTED)

    def current(self) -> Self:
        """Submitted and not superseded by a submitted correction (a draft correction does not count)."""
        return self.submitted().exclude(superseded_by__status=RiskAssessment.Status.SUBMITTED)


class RiskAssessment(TimeStampedModel):
    """One completed (or draft) risk checklist for a case, with its count, band and level.

    A submitted assessment is immutable: a mistake is corrected by a new assessment that
    `supersedes` it. `yes_count`, `score_band`, `final_level` and `next_review_due` are
    computed when it is submitted, from the tool's questions and bands at that moment.
    """

    class Context(models.TextChoices):
        INTAKE = "intake", "Intake"
        REVIEW = "review", "Review"
        CHANGE_OF_CIRCUMSTANCES = "change_of_circumstances", "Change of circumstances"
        CLOSURE = "closure", "Closure"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="risk_assessments")
    tool = models.ForeignKey(RiskTool, on_delete=models.PROTECT, related_name="assessments")
    tool_version = models.CharField(
        max_length=50, help_text="The tool's version when the assessment was made."
    )
    context = models.CharField(max_length=25, choices=Context.choices)
    assessed_at = models.DateTimeField()
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(null=True, blank=True)
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        help_text="The submitted assessment this one corrects (same case).",
    )
    yes_count = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Computed on submission.")
    score_band = models.CharField(max_length=10, choices=RiskLevel.choices, blank=True)
    professional_judgement_level = models.CharField(
        max_length=10,
        choices=RiskLevel.choices,
        blank=True,
        help_text="May raise the level above the band (with a rationale), never lower it.",
    )
    professional_judgement_rationale = EncryptedTextField(null=True, blank=True)
    final_level = models.CharField(max_length=10, choices=RiskLevel.choices, blank=True)
    next_review_due = models.DateField(null=True, blank=True)

    history = HistoricalRecords()
    objects = RiskAssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-assessed_at", "-id"]
        indexes = [
            models.Index(fields=["case", "status", "assessed_at"]),
            models.Index(fields=["status", "next_review_due"]),
        ]

    def __str__(self) -> str:
        """Case, context and date (never anything about the person)."""
        return f"{self.case} risk {self.context} {self.assessed_at:%d %b %Y}"

    @property
    def owning_organisation(self) -> Any:
        """For the access log."""
        return self.case.organisation

    @property
    def is_submitted(self) -> bool:
        """Whether it is final."""
        return self.status == self.Status.SUBMITTED

    @property
    def judgement_raised(self) -> bool:
        """Whether professional judgement put the level above the band."""
        return bool(self.score_band and self.final_level) and (
            LEVEL_RANK[self.final_level] > LEVEL_RANK[self.score_band]
        )

    def get_absolute_url(self) -> str:
        """The result page."""
        return reverse("risk:assessment_detail", kwargs={"public_id": self.public_id})

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save, refusing any change to an assessment that was already submitted."""
        if (
            self.pk is not None
            and type(self).objects.filter(pk=self.pk, status=self.Status.SUBMITTED).exists()
        ):
            raise PermissionError("A submitted risk assessment cannot be changed; record a correction.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        """Refuse to delete a submitted assessment."""
        if self.is_submitted:
            raise PermissionError("A submitted risk assessment cannot be deleted.")
        return super().delete(*args, **kwargs)


class RiskAnswer(models.Model):
    """The answer to one question of one assessment, with the practitioner's comment."""

    class Value(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        NOT_KNOWN = "not_known", "Not known"

    assessment = models.ForeignKey(RiskAssessment, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(RiskQuestion, on_delete=models.PROTECT, related_name="+")
    value = models.CharField(
        max_length=10, choices=Value.choices, blank=True, help_text="Blank only in a draft."
    )
    comment = EncryptedTextField(null=True, blank=True)

    class Meta:
        ordering = ["assessment", "question__number"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "question"], name="risk_answer_unique_question")
        ]

    def __str__(self) -> str:
        """Question number and answer."""
        return f"{self.question.number}: {self.value or '-'}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save, unless the assessment was submitted."""
        if RiskAssessment.objects.filter(
            pk=self.assessment_id, status=RiskAssessment.Status.SUBMITTED
        ).exists():
            raise PermissionError("Answers of a submitted risk assessment cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        """Delete, unless the assessment was submitted."""
        if self.assessment.is_submitted:
            raise PermissionError("Answers of a submitted risk assessment cannot be deleted.")
        return super().delete(*args, **kwargs)


class DomesticAbuseIncidentQuerySet(_OnVisibleCase["DomesticAbuseIncident"]):
    """Incidents: through their case."""


class DomesticAbuseIncident(TimeStampedModel):
    """A domestic abuse incident recorded on a case, whether or not reported to the police.

    Counted for MARAC's potential-escalation criterion, and flagged as a repeat when it
    happened within the repeat window after the person's last MARAC referral (the act need
    not be criminal, violent or threatening: SafeLives' definition of a repeat).
    """

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="domestic_abuse_incidents")
    occurred_on = models.DateField()
    reported_to_police = models.BooleanField(default=False)
    same_perpetrator = models.BooleanField(
        default=True,
        help_text="Between the same victim and perpetrator(s) as the last MARAC referral; a repeat "
        "needs this.",
    )
    notes = EncryptedTextField(null=True, blank=True)
    is_repeat = models.BooleanField(
        default=False, help_text="Set when recorded: within the repeat window of the last MARAC referral."
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()
    objects = DomesticAbuseIncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["case", "occurred_on"])]

    def __str__(self) -> str:
        """Case and date."""
        return f"{self.case} incident {self.occurred_on:%d %b %Y}"

    @property
    def owning_organisation(self) -> Any:
        """For the access log."""
        return self.case.organisation


class MaracCriterion(models.TextChoices):
    """The four SafeLives MARAC referral criteria."""

    VISIBLE_HIGH_RISK = "visible_high_risk", "Visible high risk"
    PROFESSIONAL_JUDGEMENT = "professional_judgement", "Professional judgement"
    POTENTIAL_ESCALATION = "potential_escalation", "Potential escalation"
    REPEAT = "repeat", "Repeat"


class MaracReferralQuerySet(_OnVisibleCase["MaracReferral"]):
    """MARAC referrals: through their case."""


class MaracReferral(TimeStampedModel):
    """A referral of a case to the Multi-Agency Risk Assessment Conference, on one or more criteria."""

    class Consent(models.TextChoices):
        GIVEN = "given", "Given"
        NOT_GIVEN = "not_given", "Not given: referred on risk grounds"

    class VictimInformed(models.TextChoices):
        YES = "yes", "Yes"
        NOT_SAFE = "not_safe", "No: not safe to tell them"
        NOT_YET = "not_yet", "Not yet"

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="marac_referrals")
    risk_assessment = models.ForeignKey(
        RiskAssessment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="marac_referrals",
        help_text="The latest submitted assessment when the referral was made.",
    )
    visible_high_risk = models.BooleanField(default=False)
    professional_judgement = models.BooleanField(default=False)
    potential_escalation = models.BooleanField(default=False)
    repeat = models.BooleanField(default=False)
    concerns = EncryptedTextField(
        null=True, blank=True, help_text="Required with professional judgement: the concerns, articulated."
    )
    referred_at = models.DateTimeField()
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    marac_area = models.CharField(max_length=200)
    meeting_date = models.DateField(null=True, blank=True)
    consent = models.CharField(max_length=10, choices=Consent.choices)
    victim_informed = models.CharField(max_length=10, choices=VictimInformed.choices)

    history = HistoricalRecords()
    objects = MaracReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-referred_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(visible_high_risk=True)
                | Q(professional_judgement=True)
                | Q(potential_escalation=True)
                | Q(repeat=True),
                name="marac_referral_has_a_criterion",
            ),
        ]

    def __str__(self) -> str:
        """Case and date."""
        return f"{self.case} MARAC {self.referred_at:%d %b %Y}"

    @property
    def owning_organisation(self) -> Any:
        """For the access log."""
        return self.case.organisation

    @property
    def criteria(self) -> list[str]:
        """The criteria met, as labels."""
        return [c.label for c in MaracCriterion if getattr(self, c.value)]


class MaracReferralDueQuerySet(_OnVisibleCase["MaracReferralDue"]):
    """Due items: through their case."""

    def open(self) -> Self:
        """Not yet resolved by a referral."""
        return self.filter(resolved_at__isnull=True)


class MaracReferralDue(TimeStampedModel):
    """A task: this case should be referred (or referred back) to MARAC.

    Made automatically when an assessment is submitted at visible high risk or raised by
    professional judgement, when incidents reach the escalation threshold, and when a repeat
    incident is recorded ("refer back to MARAC"). Resolved when a MARAC referral is made.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="marac_referrals_due")
    criterion = models.CharField(max_length=25, choices=MaracCriterion.choices)
    reason = models.CharField(max_length=300, help_text="What triggered it (no personal details).")
    risk_assessment = models.ForeignKey(
        RiskAssessment, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    incident = models.ForeignKey(
        DomesticAbuseIncident, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by_referral = models.ForeignKey(
        MaracReferral, on_delete=models.SET_NULL, null=True, blank=True, related_name="resolved_items"
    )

    objects = MaracReferralDueQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "MARAC referral due"

    def __str__(self) -> str:
        """Case and criterion."""
        return f"{self.case}: {self.get_criterion_display()}"

    @property
    def is_refer_back(self) -> bool:
        """A repeat: the case goes back to MARAC."""
        return self.criterion == MaracCriterion.REPEAT
