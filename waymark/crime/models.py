"""Crime records from the force's extract and police.uk's open data, with their reference tables.

Two sources, kept apart on purpose (research/crime-data.md §0):

- the **force extract**: one row per recorded crime with its Home Office offence code, crime
  flags, pseudonymous victims and suspects, outcome type (0 to 22) and dated case-progression
  events. VAWG and RASSO are classified from it, by rules that are data (`ClassificationRule`);
- **police.uk**: the street and outcomes CSVs, context only. They have no offence code and no
  flags, so they are never counted as VAWG (shown as "violence and sexual offences (context)").

No name of any person is ever stored here: victims and suspects are the force's stable
pseudonymous ids. The rows are still personal data (sex, age band, ethnicity, disability), so
they are read only through `visible_to` and shown only as suppressed aggregates.

The bulk fact tables (`Crime`, `CrimeVictim`, `CrimeSuspect`, `CrimeOutcomeChange`,
`ProgressionEvent`, the police.uk rows) are plain models with no UUID or timestamps per row:
they are loaded by `COPY` on PostgreSQL and counted in millions. Their natural keys (force area
and crime reference; police.uk file and line) make every import idempotent without relying on
a global sequence (docs/architecture.md, "Scale beyond one machine").
"""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.db import models

from waymark.accounts.access import has_role, police_force_area_ids_with_role
from waymark.accounts.roles import Role
from waymark.core.models import PoliceForceArea, TimeStampedModel
from waymark.core.visibility import VisibleQuerySet

# The roles that may see crime data, as aggregates: the OPCC's analysts and admins, and force
# leads. Providers, caseworkers and the public never do.
CRIME_DATA_ROLES: tuple[str, ...] = (Role.OPCC_ADMIN, Role.OPCC_ANALYST, Role.FORCE_CODE_LEAD)


class CrimeDataQuerySet(VisibleQuerySet[Any]):
    """A force's extract: the rows of the force areas of the organisations where the user holds
    a crime-data role (`Organisation.police_force_area`), none otherwise. The force shares its
    extract with its own OPCC; another force's staff, or an OPCC with no force area, see none.

    A model whose rows reach their area through another row names the path in
    `crime_area_lookup` (e.g. "crime__police_force_area").
    """

    def visible_to(self, user: Any) -> Self:
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        areas = police_force_area_ids_with_role(user, CRIME_DATA_ROLES)
        if not areas:
            return self.none()
        if not PoliceForceArea.objects.exclude(pk__in=areas).exists():
            # Every row's area is one of these (a foreign key to the table): all are visible.
            # Waymark usually holds its own force area only, and then the rows reached through
            # a crime (victims, suspects, events) need no join to it: the filter would make the
            # RASSO page take two to three times as long (docs/benchmarks.md).
            return self.all()
        lookup = getattr(self.model, "crime_area_lookup", "police_force_area")
        return self.filter(**{f"{lookup}_id__in": areas})


class OpenCrimeDataQuerySet(VisibleQuerySet[Any]):
    """police.uk's open data (Open Government Licence): every row for the roles that analyse
    crime data, nothing for anyone else. It is published for anyone; Waymark shows it only
    beside the force's own figures."""

    def visible_to(self, user: Any) -> Self:
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if has_role(user, *CRIME_DATA_ROLES):
            return self.all()
        return self.none()


# --- reference data ------------------------------------------------------------------------------


class ReferenceRow(TimeStampedModel):
    """A row of a reference table: where it came from, and whether that source was confirmed."""

    source = models.TextField(help_text="Where the row comes from (a URL or document and section).")
    verified = models.BooleanField(
        default=False,
        help_text="False where the research marks the row 'verify': an admin may correct it.",
    )

    class Meta:
        abstract = True


class OffenceCode(ReferenceRow):
    """A Home Office Counting Rules offence code, e.g. 19C (rape of a female aged 16 and over)."""

    code = models.CharField(max_length=8, unique=True, help_text="The HOCR code, e.g. '19C' or '8U'.")
    title = models.CharField(max_length=200)
    group = models.CharField(max_length=100, help_text="Home Office offence group, e.g. 'Sexual offences'.")
    subgroup = models.CharField(max_length=100, blank=True, help_text="e.g. 'Rape'.")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class OutcomeType(ReferenceRow):
    """A Home Office crime outcome type, 0 to 22 (HOCR Section H). Type 0 is not an outcome."""

    number = models.PositiveSmallIntegerField(unique=True, help_text="0 to 22.")
    label = models.CharField(max_length=300)
    group = models.CharField(max_length=120, help_text="Home Office outcome group.")
    is_outcome = models.BooleanField(
        default=True,
        help_text="False for type 0 (not yet assigned): never counted among decisions.",
    )
    held_to_account = models.BooleanField(
        default=False,
        help_text="Charge or out-of-court disposal (types 1, 2, 3, 6, 7, 8 and 22).",
    )

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number}: {self.label}"


class PoliceUkCrimeType(ReferenceRow):
    """A police.uk `Crime type`, with what it can say about VAWG (research §4.2)."""

    class VawgScope(models.TextChoices):
        CANDIDATE = "candidate", "Holds VAWG offences among others (context only)"
        FLAG_DEPENDENT = "flag_dependent", "VAWG only through a flag police.uk does not carry"
        NOT_VAWG = "not_vawg", "Not VAWG unless flagged in force data"
        EXCLUDED = "excluded", "Not a notifiable crime"

    name = models.CharField(max_length=100, unique=True, help_text="As in the CSV's `Crime type`.")
    slug = models.SlugField(max_length=60, help_text="The police.uk API category slug.")
    vawg_scope = models.CharField(max_length=16, choices=VawgScope.choices)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PoliceUkOutcomeCategory(ReferenceRow):
    """A police.uk outcome category (`Last outcome category` / `Outcome type`), research §1.6."""

    name = models.CharField(max_length=120, unique=True, help_text="As spelt in the CSVs.")
    code = models.SlugField(max_length=60, help_text="The police.uk API code.")
    stage = models.CharField(max_length=40, help_text="Waymark's stage for display, not police.uk's.")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "police.uk outcome categories"

    def __str__(self) -> str:
        return self.name


# --- classification rules (data, versioned) --------------------------------------------------------


class VawgBasis(models.TextChoices):
    """Why a crime counts as VAWG (research §4.3). A crime may have several; it is counted once."""

    SEXUAL_OFFENCE = "sexual_offence", "Sexual offence"
    STALKING_HARASSMENT = "stalking_harassment", "Stalking or harassment"
    CCB = "ccb", "Controlling or coercive behaviour"
    DA_FLAG = "da_flag", "Domestic abuse flag"
    HBA_FLAG = "hba_flag", "Honour-based abuse flag"
    FGM = "fgm", "Female genital mutilation"
    FORCED_MARRIAGE = "forced_marriage", "Forced marriage"
    IMAGE_ABUSE = "image_abuse", "Intimate image abuse"
    EXPLOITATION = "exploitation", "Sexual exploitation"


class CrimeFlag(models.TextChoices):
    """The Home Office crime flags the extract carries, as `Crime` field names."""

    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse"
    HONOUR_BASED_ABUSE = "honour_based_abuse", "Honour-based abuse"
    SEXUAL_EXPLOITATION = "sexual_exploitation", "Sexual exploitation"
    CHILD_SEXUAL_ABUSE = "child_sexual_abuse", "Child sexual abuse or exploitation"
    ONLINE = "online", "Online"


class ClassificationRuleSet(TimeStampedModel):
    """One version of the VAWG and RASSO rules. Exactly one is current; crimes record which one
    classified them, and changing the current set recomputes every crime."""

    version = models.PositiveIntegerField(unique=True)
    name = models.CharField(max_length=200)
    notes = models.TextField(blank=True, help_text="What changed and why, with sources.")
    is_current = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=models.Q(is_current=True), name="one_current_rule_set"
            )
        ]

    def __str__(self) -> str:
        return f"v{self.version} {self.name}"


class ClassificationRule(models.Model):
    """One rule: a crime matching every condition given gets the rule's target.

    Conditions: an offence code, or an offence group, and optionally a crime flag. A rule with
    only a flag matches any offence carrying it (e.g. the domestic abuse flag).
    """

    class Target(models.TextChoices):
        VAWG = "vawg", "VAWG"
        RASSO = "rasso", "RASSO (rape and serious sexual offences)"
        ADULT_RAPE = "adult_rape", "Adult rape"

    rule_set = models.ForeignKey(ClassificationRuleSet, on_delete=models.CASCADE, related_name="rules")
    target = models.CharField(max_length=12, choices=Target.choices)
    basis = models.CharField(
        max_length=24, choices=VawgBasis.choices, blank=True, help_text="For VAWG rules: the basis given."
    )
    offence_code = models.CharField(max_length=8, blank=True, help_text="Match this HOCR code.")
    offence_group = models.CharField(max_length=100, blank=True, help_text="Or match this offence group.")
    crime_flag = models.CharField(max_length=24, choices=CrimeFlag.choices, blank=True)
    source = models.TextField(blank=True, help_text="Why this rule: research section or local decision.")

    class Meta:
        ordering = ["rule_set", "target", "basis", "offence_code"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(offence_code="", offence_group="", crime_flag=""),
                name="rule_has_a_condition",
            ),
            models.CheckConstraint(
                condition=models.Q(target="vawg", basis__gt="")
                | (~models.Q(target="vawg") & models.Q(basis="")),
                name="vawg_rule_has_a_basis",
            ),
        ]

    def __str__(self) -> str:
        conditions = [c for c in (self.offence_code, self.offence_group, self.crime_flag) if c]
        return f"{self.target}/{self.basis or '-'}: {' + '.join(conditions)}"


# --- force extract ---------------------------------------------------------------------------------


class ForceExtractImport(TimeStampedModel):
    """One file of the force's extract loaded into Waymark: what it was, when, and what it did."""

    class Kind(models.TextChoices):
        CRIMES = "crimes", "Crimes"
        EVENTS = "events", "Case-progression events"
        CODE_DUTIES = "duties", "Victims' Code duties"

    police_force_area = models.ForeignKey("core.PoliceForceArea", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(
        max_length=8, choices=Kind.choices, help_text="Duties files are loaded by waymark.victims_code."
    )
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, help_text="Of the file's bytes: the same file twice is skipped.")
    extracted_on = models.DateField(help_text="The extraction date the file states.")
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0, help_text="Records new to Waymark.")
    updated = models.PositiveIntegerField(default=0, help_text="Records the file changed.")
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A crimes file's span of recorded dates: a period's figures are as at the newest file that
    # covers it, which need not be the newest file of all (a force may send a year at a time).
    synthetic = models.BooleanField(
        default=False,
        help_text="Every crime reference in the file is a synthetic one (`SYN-…`, "
        "waymark.crime.synthetic): demo or benchmark data, not a force's. Pages that show its "
        "figures say so.",
    )
    first_recorded_on = models.DateField(null=True, blank=True, help_text="Crimes files: the earliest.")
    last_recorded_on = models.DateField(null=True, blank=True, help_text="Crimes files: the latest.")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["police_force_area", "kind", "sha256"], name="extract_file_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name} ({self.extracted_on})"


class Crime(models.Model):
    """One recorded crime from the force's extract, as of the latest extract that carried it."""

    class RecordStatus(models.TextChoices):
        RECORDED = "recorded", "Recorded"
        CANCELLED = "cancelled", "Cancelled"
        TRANSFERRED = "transferred", "Transferred"

    # Not indexed alone: `crime_reference_once` (area, reference) leads with it. Every index here
    # is paid for on each imported row (docs/benchmarks.md, "Force-extract import").
    police_force_area = models.ForeignKey(
        "core.PoliceForceArea", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    crime_reference = models.CharField(max_length=40, help_text="The force's crime reference.")
    reported_on = models.DateField()
    recorded_on = models.DateField()
    offence_code = models.ForeignKey(
        OffenceCode,
        to_field="code",
        db_column="offence_code",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # indexed in Meta, without the LIKE index Django adds to text keys
    )
    record_status = models.CharField(
        max_length=12, choices=RecordStatus.choices, default=RecordStatus.RECORDED
    )
    domestic_abuse = models.BooleanField(default=False)
    honour_based_abuse = models.BooleanField(default=False)
    sexual_exploitation = models.BooleanField(default=False)
    child_sexual_abuse = models.BooleanField(default=False)
    online = models.BooleanField(default=False)
    hate_strands = models.CharField(
        max_length=120, blank=True, help_text="Hate crime strands flagged, ';'-separated (research case §4)."
    )
    lsoa_code = models.CharField(max_length=9, blank=True)
    local_authority = models.ForeignKey(
        "core.LocalAuthority",
        to_field="code",
        db_column="local_authority_code",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # indexed in Meta, without the LIKE index Django adds to text keys
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    h3_r7 = models.CharField(max_length=16, blank=True)
    h3_r8 = models.CharField(max_length=16, blank=True)
    outcome_type = models.ForeignKey(
        OutcomeType,
        to_field="number",
        db_column="outcome_type",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The current outcome; 0 while not yet assigned.",
    )
    outcome_on = models.DateField(null=True, blank=True)
    is_vawg = models.BooleanField(default=False)
    is_rasso = models.BooleanField(default=False)
    is_adult_rape = models.BooleanField(default=False)
    classified_by = models.PositiveIntegerField(
        null=True, blank=True, help_text="Version of the rule set that classified this crime."
    )
    extracted_on = models.DateField(help_text="Extraction date of the file this row was last loaded from.")

    objects = CrimeDataQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["police_force_area", "crime_reference"], name="crime_reference_once"
            )
        ]
        indexes = [
            models.Index(fields=["recorded_on"], name="crime_recorded_on"),
            models.Index(fields=["outcome_on"], name="crime_outcome_on"),
            models.Index(fields=["offence_code"], name="crime_offence_code"),
            models.Index(fields=["local_authority"], name="crime_local_authority"),
            # The RASSO page reads adult rape only, about 3% of crimes: these let it skip the
            # rest, and cost an import nothing for the other 97% (docs/benchmarks.md). Led by the
            # force area, which every read names (`CrimeDataQuerySet`).
            models.Index(
                fields=["police_force_area", "recorded_on"],
                condition=models.Q(is_adult_rape=True),
                name="crime_adult_rape_recorded_on",
            ),
            models.Index(
                fields=["police_force_area", "outcome_on"],
                condition=models.Q(is_adult_rape=True),
                name="crime_adult_rape_outcome_on",
            ),
        ]

    def __str__(self) -> str:
        return self.crime_reference


class CrimeVawgBasis(models.Model):
    """One basis on which a crime counts as VAWG (a crime with two bases has two rows)."""

    # Not indexed alone: the unique constraint below leads with the crime.
    crime = models.ForeignKey(Crime, on_delete=models.CASCADE, related_name="vawg_bases", db_index=False)
    basis = models.CharField(max_length=24, choices=VawgBasis.choices)

    objects = CrimeDataQuerySet.as_manager()
    crime_area_lookup = "crime__police_force_area"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["crime", "basis"], name="vawg_basis_once")]

    def __str__(self) -> str:
        return f"{self.crime_id}: {self.basis}"


class CrimeVictim(models.Model):
    """A victim of a crime, by the force's stable pseudonymous id. Never a name."""

    # Not indexed alone: the unique constraint below leads with the crime.
    crime = models.ForeignKey(Crime, on_delete=models.CASCADE, related_name="victims", db_index=False)
    victim_ref = models.CharField(max_length=64, help_text="The force's stable pseudonymous id.")
    sex = models.CharField(max_length=16, blank=True)
    age_band = models.CharField(max_length=16, blank=True)
    ethnicity = models.CharField(max_length=60, blank=True)
    disability = models.CharField(max_length=16, blank=True)
    enhanced_rights = models.CharField(
        max_length=40, blank=True, help_text="Victims' Code enhanced-rights category, if any."
    )

    objects = CrimeDataQuerySet.as_manager()
    crime_area_lookup = "crime__police_force_area"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["crime", "victim_ref"], name="crime_victim_once")]

    def __str__(self) -> str:
        return self.victim_ref


class CrimeSuspect(models.Model):
    """A suspect of a crime, by the force's stable pseudonymous id. Never a name."""

    # Not indexed alone: the unique constraint below leads with the crime.
    crime = models.ForeignKey(Crime, on_delete=models.CASCADE, related_name="suspects", db_index=False)
    suspect_ref = models.CharField(max_length=64, help_text="The force's stable pseudonymous id.")

    objects = CrimeDataQuerySet.as_manager()
    crime_area_lookup = "crime__police_force_area"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["crime", "suspect_ref"], name="crime_suspect_once")]
        indexes = [models.Index(fields=["suspect_ref"], name="crime_suspect_ref")]

    def __str__(self) -> str:
        return self.suspect_ref


class CrimeOutcomeChange(models.Model):
    """An outcome (1 to 22) a crime has had, as extracts reported it over time: the history of
    `Crime.outcome_type`. Type 0 (not yet assigned) is not an outcome and has no row here."""

    # Not indexed alone: the unique constraint below leads with the crime.
    crime = models.ForeignKey(Crime, on_delete=models.CASCADE, related_name="outcome_changes", db_index=False)
    outcome_type = models.ForeignKey(
        OutcomeType, to_field="number", db_column="outcome_type", on_delete=models.PROTECT, related_name="+"
    )
    outcome_on = models.DateField()
    first_extracted_on = models.DateField(help_text="The first extract that reported this outcome.")

    objects = CrimeDataQuerySet.as_manager()
    crime_area_lookup = "crime__police_force_area"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["crime", "outcome_type", "outcome_on"], name="outcome_change_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.crime_id}: {self.outcome_type_id} on {self.outcome_on}"


class ProgressionEvent(models.Model):
    """A dated event in a crime's progression (research §5.2), from the extract's events file."""

    class Kind(models.TextChoices):
        SUSPECT_IDENTIFIED = "suspect_identified", "Suspect identified"
        ARRESTED = "arrested", "Suspect arrested"
        INTERVIEWED = "interviewed", "Suspect interviewed"
        BAILED = "bailed", "Suspect bailed"
        RELEASED_UNDER_INVESTIGATION = "released_under_investigation", "Released under investigation"
        REFERRED_TO_CPS = "referred_to_cps", "Referred to CPS"
        CPS_DECISION = "cps_decision", "CPS decision"
        CHARGED = "charged", "Charged"
        FIRST_HEARING = "first_hearing", "First hearing"
        TRIAL = "trial", "Trial"
        VERDICT = "verdict", "Verdict"
        SENTENCE = "sentence", "Sentence"
        VICTIM_WITHDRAWAL = "victim_withdrawal", "Victim withdrawal"

    # Not indexed alone: the unique constraint below leads with the crime.
    crime = models.ForeignKey(Crime, on_delete=models.CASCADE, related_name="events", db_index=False)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    occurred_on = models.DateField()
    suspect_ref = models.CharField(max_length=64, blank=True)
    detail = models.CharField(
        max_length=60,
        blank=True,
        help_text="CPS decision (charge, nfa_evidential, nfa_public_interest, action_plan), verdict "
        "(convicted_plea, convicted_trial, acquitted, discontinued) or withdrawal reason.",
    )

    objects = CrimeDataQuerySet.as_manager()
    crime_area_lookup = "crime__police_force_area"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["crime", "kind", "occurred_on", "suspect_ref"], name="progression_event_once"
            )
        ]
        indexes = [models.Index(fields=["kind", "occurred_on"], name="progression_kind_on")]

    # --- police.uk (context) ---------------------------------------------------------------------------

    def __str__(self) -> str:
        return f"{self.kind} on {self.occurred_on}"


class PoliceUkFile(TimeStampedModel):
    """One police.uk CSV loaded: a force's street or outcomes file for one month.

    Loading a month again with the same bytes changes nothing; with new bytes (forces re-submit)
    it replaces that month's rows, in one transaction.
    """

    class Kind(models.TextChoices):
        STREET = "street", "Street"
        OUTCOMES = "outcomes", "Outcomes"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    force_slug = models.SlugField(max_length=60, help_text="From the file name, e.g. 'city-of-london'.")
    month = models.DateField(help_text="The first day of the file's month.")
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(default=0)

    objects = OpenCrimeDataQuerySet.as_manager()

    class Meta:
        ordering = ["force_slug", "month", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "force_slug", "month"], name="police_uk_month_once")
        ]

    def __str__(self) -> str:
        return self.file_name


class PoliceUkLocated(models.Model):
    """The columns police.uk's street and outcome rows share (where, and who reported it)."""

    # Not indexed alone: each table's unique (file, line) leads with it.
    file = models.ForeignKey(PoliceUkFile, on_delete=models.CASCADE, related_name="+", db_index=False)
    line = models.PositiveIntegerField(help_text="Line in the file (the header is line 1).")
    month = models.DateField()
    reported_by = models.CharField(max_length=100)
    falls_within = models.CharField(max_length=100)
    longitude = models.FloatField(null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    location = models.CharField(max_length=200, blank=True)
    lsoa_code = models.CharField(max_length=9, blank=True)
    lsoa_name = models.CharField(max_length=100, blank=True)
    h3_r8 = models.CharField(max_length=16, blank=True)

    class Meta:
        abstract = True


class PoliceUkCrime(PoliceUkLocated):
    """A police.uk street-level crime (a row with a Crime ID). Context: never counted as VAWG."""

    crime_id = models.CharField(max_length=64, help_text="police.uk's persistent id (64 hex).")
    crime_type = models.ForeignKey(
        PoliceUkCrimeType,
        to_field="name",
        db_column="crime_type",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # indexed in Meta, without the LIKE index Django adds to text keys
    )
    last_outcome = models.ForeignKey(
        PoliceUkOutcomeCategory,
        to_field="name",
        db_column="last_outcome",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # indexed in Meta, as crime_type
    )
    context = models.TextField(blank=True)

    objects = OpenCrimeDataQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["file", "line"], name="police_uk_crime_line_once")]
        indexes = [
            models.Index(fields=["crime_id"], name="police_uk_crime_id"),
            models.Index(fields=["crime_type"], name="police_uk_crime_type"),
            models.Index(fields=["last_outcome"], name="police_uk_crime_last_outcome"),
        ]

    def __str__(self) -> str:
        return self.crime_id


class PoliceUkAntisocialBehaviour(PoliceUkLocated):
    """A police.uk anti-social behaviour row (no Crime ID, not a notifiable crime), kept apart."""

    objects = OpenCrimeDataQuerySet.as_manager()

    class Meta:
        verbose_name = "police.uk anti-social behaviour"
        constraints = [models.UniqueConstraint(fields=["file", "line"], name="police_uk_asb_line_once")]

    def __str__(self) -> str:
        return f"{self.file_id}:{self.line}"


class PoliceUkOutcome(PoliceUkLocated):
    """A police.uk outcome row: one outcome of one crime, recorded in `month`."""

    crime_id = models.CharField(max_length=64)
    outcome = models.ForeignKey(
        PoliceUkOutcomeCategory,
        to_field="name",
        db_column="outcome",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # indexed in Meta, without the LIKE index Django adds to text keys
    )

    objects = OpenCrimeDataQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["file", "line"], name="police_uk_outcome_line_once")]
        indexes = [
            models.Index(fields=["crime_id", "month"], name="police_uk_outcome_crime"),
            models.Index(fields=["outcome"], name="police_uk_outcome_category"),
        ]

    def __str__(self) -> str:
        return f"{self.crime_id}: {self.outcome_id}"
