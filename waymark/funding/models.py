"""The money behind the victims portfolio: where it comes from, who it is awarded to, which
posts it pays for, what is matched, and what is reported back (research/safety-surveys-funding.md
part (c); the seed paper's paragraphs 32 to 45 and its Table 1).

- **Sources**: a `Funder` (the Ministry of Justice, the Home Office, the OPCC itself) runs
  `FundingSource`s (a programme: the core victims grant, the ring-fenced IDVA/ISVA fund...), each
  ring-fenced or not, with its conditions and reporting cadence.
- **Allocations**: a source's money for a financial year, `Allocation` rows whose history is
  kept: indicative, then confirmed, then varied by an addendum, each row superseding the one
  before. `Commitment`s come off an allocation before anything is distributed.
- **Awards**: an `Award` to a provider is paid from one or more sources over one or more years
  (`AwardFunding` lines, each indicative or confirmed), spent on `BudgetLine`s, and changed by
  `AwardVariation`s (extension, uplift, reduction...). `stated_total` is the total the decision
  or the funder states, kept apart so a reconciliation can flag lines that do not add up to it.
- **Posts**: a `FundedPost` (an IDVA, an ISVA...) with its specialisms, who it supports, the
  local authorities it covers, its FTE and status; `PostFundingShare` says which source pays
  which share of its FTE in which year.
- **Match funding**: `MatchContribution`s, cash or in kind, with how each was valued.
- **Returns**: `MonitoringReturn`s from providers per period (spend by budget line, outputs,
  narrative, risks) with their workflow, rolled up into `FunderReturn`s for each funder's cadence.

Money is `Decimal` to the penny everywhere (`MONEY`); nothing here is a float. No personal data
lives in this app: posts are roles, not people.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any, Self

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from simple_history.models import HistoricalRecords

from waymark.accounts.access import has_role, organisation_ids_with_role
from waymark.accounts.roles import Role
from waymark.core.models import TimeStampedModel
from waymark.core.visibility import VisibleQuerySet

# The OPCC's staff and board see all the portfolio's money; a provider's managers see their own
# organisation's awards, posts and returns.
FUNDING_ROLES: tuple[str, ...] = (Role.OPCC_ADMIN, Role.OPCC_ANALYST, Role.BOARD_MEMBER)


class ProviderScopedQuerySet(VisibleQuerySet[Any]):
    """Rows of the portfolio: all for the OPCC's funding roles, a provider manager's own
    organisation's otherwise (through `provider_lookup`), nothing for anyone else."""

    provider_lookup = "organisation"

    def visible_to(self, user: Any) -> Self:
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if has_role(user, *FUNDING_ROLES):
            return self.all()
        own = organisation_ids_with_role(user, [Role.PROVIDER_MANAGER])
        if not own:
            return self.none()
        return self.filter(**{f"{self.provider_lookup}_id__in": own})


class AwardQuerySet(ProviderScopedQuerySet):
    provider_lookup = "organisation"


class ReturnQuerySet(ProviderScopedQuerySet):
    """Providers' own returns: narrative and risks in a provider's words. The OPCC's admins and
    analysts review them; board members see only the roll-ups (funder returns, the plan)."""

    provider_lookup = "award__organisation"

    def visible_to(self, user: Any) -> Self:
        if has_role(user, Role.OPCC_ADMIN, Role.OPCC_ANALYST):
            return self.all()
        own = organisation_ids_with_role(user, [Role.PROVIDER_MANAGER])
        if not own or user is None or not user.is_active:
            return self.none()
        return self.filter(award__organisation_id__in=own)


# Money to the penny: up to 999,999,999,999.99.
MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}
FINANCIAL_YEAR = RegexValidator(r"^\d{4}/\d{2}$", "Write a financial year as 2021/22.")
PENNY = Decimal("0.01")


def financial_year_field(**kwargs: Any) -> models.CharField[Any, Any]:
    """A financial year label, e.g. "2021/22" (`waymark.core.periods.FinancialYear`)."""
    return models.CharField(max_length=7, validators=[FINANCIAL_YEAR], **kwargs)


class FundingStatus(models.TextChoices):
    INDICATIVE = "indicative", "Indicative"
    CONFIRMED = "confirmed", "Confirmed"


class PostRole(models.TextChoices):
    IDVA = "idva", "IDVA"
    MARAC_IDVA = "marac_idva", "MARAC IDVA"
    COURT_IDVA = "court_idva", "Court IDVA"
    YOUNG_PERSONS_IDVA = "yp_idva", "Young person's IDVA"
    DAPO_IDVA = "dapo_idva", "Domestic Abuse Protection Order IDVA"
    CJ_IDVA = "cj_idva", "Criminal justice IDVA"
    ISVA = "isva", "ISVA"
    CYP_ISVA = "cyp_isva", "Children and young people's ISVA"
    STALKING_ADVOCATE = "stalking_advocate", "Stalking advocate"
    CASEWORKER = "caseworker", "Caseworker"
    PRACTITIONER = "practitioner", "Programme practitioner"
    MANAGER = "manager", "Manager"
    OTHER = "other", "Other"


# The roles counted as IDVA and as ISVA posts (the seed paper's "33 IDVA posts", "8 ISVA posts").
IDVA_ROLES: frozenset[str] = frozenset(
    {
        PostRole.IDVA,
        PostRole.MARAC_IDVA,
        PostRole.COURT_IDVA,
        PostRole.YOUNG_PERSONS_IDVA,
        PostRole.DAPO_IDVA,
        PostRole.CJ_IDVA,
    }
)
ISVA_ROLES: frozenset[str] = frozenset({PostRole.ISVA, PostRole.CYP_ISVA})


class Funder(TimeStampedModel):
    """A body that funds the portfolio: the Ministry of Justice, the Home Office, the OPCC."""

    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=50, blank=True)
    org_id = models.CharField(
        max_length=60, blank=True, help_text="The 360Giving organisation identifier, e.g. GB-GOR-D18."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FundingSource(TimeStampedModel):
    """A programme of money from a funder, with its conditions and reporting cadence."""

    class Programme(models.TextChoices):
        MOJ_CORE_VICTIMS = "moj_core_victims", "MoJ core victims grant"
        ISVA_IDVA_RING_FENCED = "isva_idva_ring_fenced", "Ring-fenced IDVA and ISVA fund"
        DA_SV_RING_FENCED = "da_sv_ring_fenced", "Ring-fenced domestic and sexual abuse fund"
        HOME_OFFICE_PERPETRATOR = "home_office_perpetrator", "Home Office perpetrator fund"
        OPCC_BUDGET = "opcc_budget", "OPCC's own budget"
        OTHER = "other", "Other"

    class Cadence(models.TextChoices):
        QUARTERLY = "quarterly", "Quarterly"
        BIANNUAL = "biannual", "Twice a year"
        ANNUAL = "annual", "Annually"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    funder = models.ForeignKey(Funder, on_delete=models.PROTECT, related_name="sources")
    name = models.CharField(max_length=200, unique=True)
    programme = models.CharField(max_length=32, choices=Programme.choices)
    ring_fenced = models.BooleanField(default=False)
    ring_fence_roles = models.JSONField(
        default=list,
        blank=True,
        help_text="For ring-fenced money: the post roles it may pay for (PostRole values).",
    )
    conditions = models.TextField(blank=True)
    reporting_cadence = models.CharField(max_length=10, choices=Cadence.choices, default=Cadence.QUARTERLY)
    grant_agreement_ref = models.CharField(max_length=100, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["funder__name", "name"]

    def __str__(self) -> str:
        return self.name


class Allocation(TimeStampedModel):
    """A source's money for one financial year, as notified. A change is a new row that
    supersedes the last (indicative, then confirmed, then varied by an addendum), so the whole
    history stays; the current allocation is the one nothing supersedes."""

    class Status(models.TextChoices):
        INDICATIVE = "indicative", "Indicative"
        CONFIRMED = "confirmed", "Confirmed"
        VARIED = "varied", "Varied"

    funding_source = models.ForeignKey(FundingSource, on_delete=models.PROTECT, related_name="allocations")
    financial_year = financial_year_field()
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal(0))])
    status = models.CharField(max_length=10, choices=Status.choices)
    notified_on = models.DateField()
    reference = models.CharField(max_length=100, blank=True, help_text="Letter, agreement or addendum.")
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["funding_source", "financial_year", "notified_on", "id"]

    def __str__(self) -> str:
        return f"{self.funding_source} {self.financial_year}: £{self.amount:,} ({self.get_status_display()})"


class Commitment(TimeStampedModel):
    """Money already committed from a source's year before anything is distributed (e.g. the
    seed paper's existing ISVA commitment of £217,494)."""

    funding_source = models.ForeignKey(FundingSource, on_delete=models.PROTECT, related_name="commitments")
    financial_year = financial_year_field()
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal(0))])
    description = models.CharField(max_length=200)

    class Meta:
        ordering = ["funding_source", "financial_year"]

    def __str__(self) -> str:
        return f"{self.description} ({self.financial_year}): £{self.amount:,}"


class Award(TimeStampedModel):
    """Money awarded to a provider, paid from one or more sources over one or more years."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        CLOSED = "closed", "Closed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(max_length=40, unique=True)
    title = models.CharField(max_length=200)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="awards", help_text="The provider."
    )
    awarded_on = models.DateField(
        null=True, blank=True, help_text="The day the award was decided (360Giving's award date)."
    )
    start_on = models.DateField()
    end_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    stated_total = models.DecimalField(
        **MONEY,
        null=True,
        blank=True,
        help_text="The total the decision or the funder states, to reconcile the funding lines against.",
    )
    decision_reference = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True)

    history = HistoricalRecords()
    objects = AwardQuerySet.as_manager()

    class Meta:
        ordering = ["reference"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_on__gte=models.F("start_on")), name="award_dates")
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"


class AwardFunding(models.Model):
    """One line of an award's money: how much of one source in one financial year."""

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="funding_lines")
    funding_source = models.ForeignKey(FundingSource, on_delete=models.PROTECT, related_name="award_lines")
    financial_year = financial_year_field()
    amount = models.DecimalField(**MONEY)
    status = models.CharField(max_length=10, choices=FundingStatus.choices)

    class Meta:
        ordering = ["award", "financial_year", "funding_source"]
        constraints = [
            models.UniqueConstraint(
                fields=["award", "funding_source", "financial_year"], name="award_funding_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.award_id} {self.funding_source_id} {self.financial_year}: £{self.amount:,}"


class BudgetLine(models.Model):
    """What an award's money is budgeted to be spent on, per year."""

    class Category(models.TextChoices):
        SALARY = "salary", "Salaries"
        ON_COSTS = "on_costs", "On-costs"
        NON_PAY = "non_pay", "Non-pay"
        OVERHEADS = "overheads", "Overheads"
        CAPITAL = "capital", "Capital"

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="budget_lines")
    financial_year = financial_year_field()
    category = models.CharField(max_length=10, choices=Category.choices)
    description = models.CharField(max_length=200)
    amount = models.DecimalField(**MONEY)
    funding_source = models.ForeignKey(
        FundingSource, on_delete=models.PROTECT, null=True, blank=True, related_name="budget_lines"
    )

    class Meta:
        ordering = ["award", "financial_year", "category", "id"]

    def __str__(self) -> str:
        return f"{self.description} ({self.financial_year}): £{self.amount:,}"


class AwardVariation(TimeStampedModel):
    """A change to an award after it was made: an extension, an uplift, a reduction..., with its
    reason and the decision that made it. A variation that moves money names the source and
    year and the change to that line (`amount_delta`); a virement names the budget lines the
    money moves from and to, and `amount_delta` is the sum moved."""

    class Kind(models.TextChoices):
        EXTENSION = "extension", "Extension"
        UPLIFT = "uplift", "Uplift"
        REDUCTION = "reduction", "Reduction"
        VIREMENT = "virement", "Virement between budget lines"
        SCOPE = "scope", "Change of scope"

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="variations")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reason = models.TextField()
    decision_reference = models.CharField(max_length=100, blank=True)
    decided_on = models.DateField()
    previous_end_on = models.DateField(null=True, blank=True)
    new_end_on = models.DateField(null=True, blank=True)
    funding_source = models.ForeignKey(
        FundingSource, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    financial_year = financial_year_field(blank=True)
    amount_delta = models.DecimalField(**MONEY, default=Decimal("0.00"))
    from_budget_line = models.ForeignKey(
        BudgetLine, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_budget_line = models.ForeignKey(
        BudgetLine, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["award", "decided_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.award_id} on {self.decided_on}"


class MatchContribution(models.Model):
    """Money or work put in beside an award, cash or in kind, with how it was valued."""

    class Kind(models.TextChoices):
        CASH = "cash", "Cash"
        IN_KIND = "in_kind", "In kind"

    class Valuation(models.TextChoices):
        CASH_RECEIVED = "cash_received", "Cash received"
        INVOICE_VALUE = "invoice_value", "Invoice value"
        HOURS_TIMES_RATE = "hours_times_rate", "Hours times an hourly rate"
        MARKET_VALUE = "market_value", "Market value"

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="match_contributions")
    financial_year = financial_year_field()
    kind = models.CharField(max_length=8, choices=Kind.choices)
    contributor = models.CharField(max_length=200)
    description = models.CharField(max_length=300)
    valuation_method = models.CharField(max_length=20, choices=Valuation.choices)
    hours = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    hourly_rate = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    rate_basis = models.CharField(max_length=200, blank=True, help_text="Where the hourly rate comes from.")
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(Decimal(0))])
    evidence = models.CharField(max_length=300, blank=True, help_text="Where the evidence is kept.")

    class Meta:
        ordering = ["award", "financial_year", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} match from {self.contributor}: £{self.amount:,}"


class Specialism(models.Model):
    """A specialism a post can hold (language, Black and minoritised, older people...)."""

    code = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=100)

    class Meta:
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


class FundedPost(TimeStampedModel):
    """A post the portfolio pays for: a role, its specialisms, who it supports and where."""

    class Supports(models.TextChoices):
        FEMALE = "female", "Female victims"
        MALE = "male", "Male victims"
        ALL = "all", "Female and male victims"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        RECRUITING = "recruiting", "Recruiting"
        FILLED = "filled", "Filled"
        VACANT = "vacant", "Vacant"
        ENDED = "ended", "Ended"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    award = models.ForeignKey(Award, on_delete=models.PROTECT, null=True, blank=True, related_name="posts")
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="funded_posts",
        help_text="The employer.",
    )
    role = models.CharField(max_length=20, choices=PostRole.choices)
    title = models.CharField(max_length=200)
    specialisms = models.ManyToManyField(Specialism, blank=True, related_name="posts")
    supports = models.CharField(max_length=8, choices=Supports.choices, default=Supports.ALL)
    local_authorities = models.ManyToManyField("core.LocalAuthority", related_name="funded_posts")
    area_label = models.CharField(
        max_length=100, blank=True, help_text="The area as the commissioner names it, e.g. 'Black Country'."
    )
    fte = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("1.00"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    annual_cost = models.DecimalField(
        **MONEY,
        null=True,
        blank=True,
        help_text="The full cost of the post for a year (salary and on-costs).",
    )
    notes = models.TextField(blank=True)

    history = HistoricalRecords()
    objects = AwardQuerySet.as_manager()

    class Meta:
        ordering = ["role", "title"]

    def __str__(self) -> str:
        return self.title


class PostFundingShare(models.Model):
    """Which source pays which share of a post's FTE in one financial year."""

    post = models.ForeignKey(FundedPost, on_delete=models.CASCADE, related_name="funding_shares")
    funding_source = models.ForeignKey(FundingSource, on_delete=models.PROTECT, related_name="post_shares")
    financial_year = financial_year_field()
    fte_share = models.DecimalField(max_digits=4, decimal_places=2)

    class Meta:
        ordering = ["post", "financial_year", "funding_source"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "funding_source", "financial_year"], name="post_share_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.post_id} {self.financial_year}: {self.fte_share} FTE from {self.funding_source_id}"


class MonitoringReturn(TimeStampedModel):
    """A provider's return for one award and period: spend, outputs, narrative and risks."""

    class Status(models.TextChoices):
        DUE = "due", "Due"
        SUBMITTED = "submitted", "Submitted"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        ACCEPTED = "accepted", "Accepted"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="monitoring_returns")
    period_start = models.DateField()
    period_end = models.DateField()
    due_on = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DUE)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outputs = models.JSONField(default=dict, blank=True, help_text="Outputs and outcomes by measure.")
    narrative = models.TextField(blank=True)
    risks = models.TextField(blank=True)
    reviewer_comments = models.TextField(blank=True)

    history = HistoricalRecords()
    objects = ReturnQuerySet.as_manager()

    class Meta:
        ordering = ["award", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["award", "period_start"], name="monitoring_return_once_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"Return for {self.award_id}, {self.period_start} to {self.period_end}"


class ReturnSpend(models.Model):
    """Spend reported against one budget line in one monitoring return."""

    monitoring_return = models.ForeignKey(MonitoringReturn, on_delete=models.CASCADE, related_name="spend")
    budget_line = models.ForeignKey(BudgetLine, on_delete=models.PROTECT, related_name="spend")
    amount = models.DecimalField(**MONEY)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["monitoring_return", "budget_line"], name="return_spend_once")
        ]

    def __str__(self) -> str:
        return f"£{self.amount:,} on {self.budget_line_id}"


class FunderReturn(TimeStampedModel):
    """The return to a funder for one source and period, rolled up from providers' returns."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    funding_source = models.ForeignKey(FundingSource, on_delete=models.PROTECT, related_name="funder_returns")
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    monitoring_returns = models.ManyToManyField(MonitoringReturn, blank=True, related_name="funder_returns")
    adjustments = models.TextField(blank=True)
    submitted_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["funding_source", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["funding_source", "period_start"], name="funder_return_once_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"Return to {self.funding_source_id} for {self.period_start} to {self.period_end}"
