"""The victim's voice: one-time survey links, the answers, and the gap between what the force
records and what victims recall (issue 5 point 4; docs/victims-voice.md).

Services (writes): `survey_invitations_create` makes a batch of one-time links and returns them
once; `survey_response_submit` stores a victim's answers and kills the link.
Selectors (reads): `survey_pairs_select` chooses the victim-crime pairs to invite,
`survey_invitation_counts` counts links sent, used and expired, and `recorded_versus_recalled`
puts the force-recorded delivery rate beside the victim-recalled rate for each right.

Nothing here reads or stores an IP address, a user agent or the time of an answer: the link is
the only credential, and a response keeps only the day it was given.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record
from waymark.core.disclosure import Audience, default_threshold, suppress_series
from waymark.core.permissions import ensure_can
from waymark.crime.models import Crime, CrimeVictim

from .models import (
    CodeDuty,
    CodeVersion,
    Confidence,
    MetricDefinition,
    Satisfaction,
    SurveyInvitation,
    SurveyResponse,
    YesNoDontKnow,
)

# secrets.token_urlsafe(32) draws 32 random bytes (256 bits) from the operating system's CSPRNG
# and writes them as 43 URL-safe base64 characters.
TOKEN_BYTES = 32
# What a token in a URL may look like: URL-safe base64, nothing longer than we ever issue.
_TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")
# One batch makes at most this many links: a CSV the force's contact team can handle.
MAX_BATCH = 5000
COMMENTS_MAX_LENGTH = 5000
# 95% two-sided: the 0.975 quantile of the standard normal distribution.
Z_95 = 1.959963984540054


class SurveyLinkUnusableError(Exception):
    """The link is unknown, already used or expired. Deliberately one error for all three, so
    that nothing a visitor sees says which."""


def token_sha256(token: str) -> str:
    """The SHA-256 hex of a link's token: what is stored and looked up, never the token."""
    return hashlib.sha256(token.encode("ascii", errors="replace")).hexdigest()


def link_days() -> int:
    """How many days a new link works (setting WAYMARK_SURVEY_LINK_DAYS, 28 by default)."""
    return int(getattr(settings, "WAYMARK_SURVEY_LINK_DAYS", 28))


# --- choosing the pairs to invite -------------------------------------------------------------------


@dataclass(frozen=True)
class PairCriteria:
    """Which victim-crime pairs a batch invites: crimes reported in a period, optionally only
    those with a Victims' Code duty recorded, at most `limit` of them."""

    reported_from: date
    reported_to: date
    only_with_duties: bool = False
    only_enhanced: bool = False
    limit: int = MAX_BATCH


@dataclass(frozen=True)
class PairSelection:
    """The pairs chosen, and how many matching pairs were left out (already invited, or over
    the limit)."""

    pairs: tuple[tuple[int, str], ...]
    already_invited: int
    over_limit: int


def survey_pairs_select(*, user: Any, criteria: PairCriteria) -> PairSelection:
    """Victim-crime pairs of recorded crimes reported in the period that have no link yet,
    oldest report first, capped at `criteria.limit` (never more than MAX_BATCH)."""
    limit = max(0, min(criteria.limit, MAX_BATCH))
    victims = CrimeVictim.objects.visible_to(user).filter(
        crime__reported_on__gte=criteria.reported_from,
        crime__reported_on__lte=criteria.reported_to,
        crime__record_status=Crime.RecordStatus.RECORDED,
    )
    if criteria.only_enhanced:
        victims = victims.exclude(enhanced_rights="")
    same_pair = {"crime_id": OuterRef("crime_id"), "victim_ref": OuterRef("victim_ref")}
    if criteria.only_with_duties:
        victims = victims.filter(Exists(CodeDuty.objects.filter(**same_pair)))
    invited = Exists(SurveyInvitation.objects.filter(**same_pair))
    already_invited = victims.filter(invited).count()
    fresh = victims.exclude(invited)
    available = fresh.count()
    pairs = fresh.order_by("crime__reported_on", "crime_id", "victim_ref").values_list(
        "crime_id", "victim_ref"
    )
    return PairSelection(
        pairs=tuple(pairs[:limit]),
        already_invited=already_invited,
        over_limit=max(0, available - limit),
    )


# --- making links -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedLink:
    """One link as made: the raw token exists only here, in the response that made it."""

    crime_reference: str
    victim_ref: str
    token: str

    @property
    def path(self) -> str:
        """The link's path on this site (the view makes it absolute)."""
        return reverse("survey:respond", kwargs={"token": self.token})


@dataclass(frozen=True)
class InvitationBatch:
    """What `survey_invitations_create` made and what it skipped (and why)."""

    links: tuple[IssuedLink, ...]
    expires_at: datetime
    skipped_already_invited: tuple[tuple[str, str], ...] = ()
    skipped_unknown: tuple[tuple[int, str], ...] = ()


def _new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def survey_invitations_create(
    *, pairs: Iterable[tuple[int, str]], by: Any, valid_days: int | None = None
) -> InvitationBatch:
    """Make one one-time survey link per victim-crime pair and return the links, once.

    `pairs` are (crime id, victim_ref) and must exist as `crime.CrimeVictim` rows; others are
    skipped and reported, as are pairs that already have a link (one link per pair, ever: the
    `survey_invitation_once` constraint). Each token is `secrets.token_urlsafe(32)`, 256 bits
    from the operating system's cryptographic random source, so a link cannot be guessed; only
    its SHA-256 is stored, so the links cannot be rebuilt from the database, not even by us.
    The links expire `valid_days` days from now (default: WAYMARK_SURVEY_LINK_DAYS, 28).

    Waymark holds no contact details: the force sends the links through its own safe-contact
    channels. At most MAX_BATCH links per batch; nothing is made if the batch is bad.
    """
    ensure_can(by, "victims_code.record_compliance")
    days = link_days() if valid_days is None else valid_days
    if not 1 <= days <= 365:
        raise ValidationError({"valid_days": "A link must work for between 1 and 365 days."})
    wanted = list(dict.fromkeys((int(crime_id), str(victim_ref)) for crime_id, victim_ref in pairs))
    if len(wanted) > MAX_BATCH:
        raise ValidationError(
            f"A batch can make at most {MAX_BATCH:,} links; this one asked for {len(wanted):,}."
        )
    crime_ids = {crime_id for crime_id, _ in wanted}
    known: set[tuple[int, str]] = set()
    invited: set[tuple[int, str]] = set()
    crimes: dict[int, Crime] = {}
    for chunk in _chunks(sorted(crime_ids), 900):
        known.update(
            CrimeVictim.objects.visible_to(by)
            .filter(crime_id__in=chunk)
            .values_list("crime_id", "victim_ref")
        )
        invited.update(
            SurveyInvitation.objects.filter(crime_id__in=chunk).values_list("crime_id", "victim_ref")
        )
        crimes.update(Crime.objects.in_bulk(chunk))
    unknown = tuple(pair for pair in wanted if pair not in known)
    already = tuple(pair for pair in wanted if pair in known and pair in invited)
    to_make = [pair for pair in wanted if pair in known and pair not in invited]

    expires_at = timezone.now() + timedelta(days=days)
    links: list[IssuedLink] = []
    rows: list[SurveyInvitation] = []
    for crime_id, victim_ref in to_make:
        crime = crimes[crime_id]
        token = _new_token()
        links.append(IssuedLink(crime_reference=crime.crime_reference, victim_ref=victim_ref, token=token))
        rows.append(
            SurveyInvitation(
                police_force_area_id=crime.police_force_area_id,
                crime=crime,
                victim_ref=victim_ref,
                token_sha256=token_sha256(token),
                expires_at=expires_at,
                created_by=by,
            )
        )
    try:
        with transaction.atomic():
            SurveyInvitation.objects.bulk_create(rows, batch_size=500)
            access_log_record(
                actor=by,
                action=AccessLog.Action.CREATE,
                record_label="Survey invitation links",
                detail=f"{len(rows)} one-time survey links made, expiring {expires_at:%Y-%m-%d}",
            )
    except IntegrityError as clash:
        # Another batch invited one of these pairs at the same moment: make nothing.
        raise ValidationError("Another batch invited some of these victims just now. Try again.") from clash
    return InvitationBatch(
        links=tuple(links),
        expires_at=expires_at,
        skipped_already_invited=tuple(
            (crimes[crime_id].crime_reference, victim_ref) for crime_id, victim_ref in already
        ),
        skipped_unknown=unknown,
    )


def _chunks(values: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def links_csv_rows(batch: InvitationBatch, *, base_url: str) -> list[list[object]]:
    """The batch as CSV rows (crime_reference, victim_id, link) for the force's contact team."""
    root = base_url.rstrip("/")
    return [[link.crime_reference, link.victim_ref, root + link.path] for link in batch.links]


LINKS_CSV_HEADER = ("crime_reference", "victim_id", "link")


# --- answering ----------------------------------------------------------------------------------------

# The questions and their answer sets (research/victims-code.md §3).
SATISFACTION_QUESTIONS = (
    "ease_of_contact",
    "actions_taken",
    "kept_informed",
    "treatment",
    "whole_experience",
)
RECALL_QUESTIONS = (
    "recall_written_confirmation",
    "recall_referral_offer",
    "recall_vps_offer",
    "recall_updates",
)
ANSWER_CHOICES: dict[str, frozenset[str]] = {
    **{name: frozenset(Satisfaction.values) for name in SATISFACTION_QUESTIONS},
    "would_report_again": frozenset(YesNoDontKnow.values),
    "confidence": frozenset(Confidence.values),
    "aware_of_code": frozenset(YesNoDontKnow.values),
    **{name: frozenset(YesNoDontKnow.values) for name in RECALL_QUESTIONS},
}


def survey_invitation_usable(*, token: str) -> bool:
    """True if the link works now: known, not used and not expired. Says nothing about which."""
    if not _TOKEN_PATTERN.match(token or ""):
        return False
    return SurveyInvitation.objects.filter(
        token_sha256=token_sha256(token), used_at__isnull=True, expires_at__gt=timezone.now()
    ).exists()


def _clean_answers(answers: Mapping[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, value in answers.items():
        if name == "comments":
            text = (value or "").strip()
            if len(text) > COMMENTS_MAX_LENGTH:
                errors[name] = f"Your comments must be {COMMENTS_MAX_LENGTH:,} characters or fewer."
            cleaned[name] = text or None
        elif name in ANSWER_CHOICES:
            answer = value or ""
            if answer and answer not in ANSWER_CHOICES[name]:
                errors[name] = "Choose one of the answers given."
            cleaned[name] = answer
        else:
            errors[name] = "There is no such question."
    if errors:
        raise ValidationError(errors)
    return cleaned


def survey_response_submit(*, token: str, answers: Mapping[str, Any]) -> SurveyResponse:
    """Store a victim's answers and make the link dead, in one transaction.

    Refused with `SurveyLinkUnusableError` if the token is unknown, already used or expired (one error
    for all three). The link is claimed by one conditional UPDATE (`used_at IS NULL AND
    expires_at > now`): of two submits at the same moment only one can change the row (in
    PostgreSQL the second waits for the first's row lock, then finds `used_at` set; SQLite
    writes one at a time), and the one-to-one response is a second guard. Every answer is
    optional. Only the day is kept: `submitted_on` is today's date, and `used_at` is set to the
    start of today, so the time of the answer is not recorded anywhere.
    """
    cleaned = _clean_answers(answers)
    if not _TOKEN_PATTERN.match(token or ""):
        raise SurveyLinkUnusableError
    digest = token_sha256(token)
    now = timezone.now()
    today = timezone.localdate(now)
    start_of_today = timezone.make_aware(datetime.combine(today, datetime.min.time()))
    try:
        with transaction.atomic():
            claimed = SurveyInvitation.objects.filter(
                token_sha256=digest, used_at__isnull=True, expires_at__gt=now
            ).update(used_at=start_of_today)
            if claimed != 1:
                raise SurveyLinkUnusableError
            invitation = SurveyInvitation.objects.get(token_sha256=digest)
            return SurveyResponse.objects.create(invitation=invitation, submitted_on=today, **cleaned)
    except IntegrityError as clash:
        raise SurveyLinkUnusableError from clash


# --- counts for staff ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvitationCounts:
    """Links made, answered, expired unanswered, and still open."""

    sent: int
    used: int
    expired: int
    open: int


def survey_invitation_counts(*, user: Any) -> InvitationCounts:
    """How many links were made, used, expired unused and are still open (of the force area)."""
    now = timezone.now()
    found = SurveyInvitation.objects.visible_to(user).aggregate(
        sent=Count("id"),
        used=Count("id", filter=Q(used_at__isnull=False)),
        expired=Count("id", filter=Q(used_at__isnull=True, expires_at__lte=now)),
    )
    sent, used, expired = found["sent"], found["used"], found["expired"]
    return InvitationCounts(sent=sent, used=used, expired=expired, open=sent - used - expired)


# --- the gap: recorded versus recalled ----------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A span of crime reported dates, both ends included."""

    start: date
    end: date
    label: str


# How a gap can be broken down: key -> (heading, the CrimeVictim lookup that gives the group).
BREAKDOWNS: dict[str, tuple[str, str]] = {
    "enhanced": ("Enhanced rights", "enhanced_rights"),
    "vawg": ("VAWG", "crime__is_vawg"),
    "crime_group": ("Offence group", "crime__offence_code__group"),
    "local_authority": ("Local authority", "crime__local_authority__name"),
    "sex": ("Victim sex", "sex"),
    "age_band": ("Victim age band", "age_band"),
    "ethnicity": ("Victim ethnicity", "ethnicity"),
    "disability": ("Victim disability", "disability"),
}
NOT_RECORDED = "Not recorded"


def _group_label(breakdown: str, value: object) -> str:
    if breakdown == "enhanced":
        return "Enhanced rights" if value else "Standard"
    if breakdown == "vawg":
        return "VAWG" if value else "Not VAWG"
    return str(value) if value not in (None, "") else NOT_RECORDED


@dataclass(frozen=True)
class PairedCounts:
    """The paired 2x2 table of one right for one group of respondents.

    `both`: the force recorded it and the victim recalls it (a); `recorded_only` (b);
    `recalled_only` (c); `neither` (d).
    """

    both: int = 0
    recorded_only: int = 0
    recalled_only: int = 0
    neither: int = 0

    @property
    def n(self) -> int:
        return self.both + self.recorded_only + self.recalled_only + self.neither

    def add(self, *, recorded: bool, recalled: bool) -> PairedCounts:
        return PairedCounts(
            both=self.both + (recorded and recalled),
            recorded_only=self.recorded_only + (recorded and not recalled),
            recalled_only=self.recalled_only + (recalled and not recorded),
            neither=self.neither + (not recorded and not recalled),
        )


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval for a proportion successes/n (Wilson 1927)."""
    if n <= 0:
        raise ValueError("a proportion needs at least one observation")
    z2 = z * z
    centre = (successes + z2 / 2) / (n + z2)
    half = z * math.sqrt(successes * (n - successes) / n + z2 / 4) / (n + z2)
    return max(0.0, centre - half), min(1.0, centre + half)


def paired_difference_interval(counts: PairedCounts, z: float = Z_95) -> tuple[float, float, float]:
    """The difference recorded rate minus recalled rate, with its 95% interval, as proportions.

    Newcombe's method 10 for paired proportions (Newcombe 1998, Statistics in Medicine 17:
    2635-50; the "square-and-add" interval of Fagerland, Lydersen and Laake, Statistical
    Analysis of Contingency Tables, 2017, ch. 8, and Altman et al., Statistics with Confidence):
    the Wilson score intervals (l1, u1) of the recorded rate p1 = (a+b)/n and (l2, u2) of the
    recalled rate p2 = (a+c)/n are combined, allowing for the correlation of the two rates in
    the same people by

        A = ad - bc;  psi = (A - n/2)/sqrt(r1 r2 c1 c2) if A > n/2, 0 if 0 <= A <= n/2,
                      A/sqrt(r1 r2 c1 c2) if A < 0 (0 if any margin is 0)
        lower = (p1 - p2) - sqrt((p1 - l1)^2 + (u2 - p2)^2 - 2 psi (p1 - l1)(u2 - p2))
        upper = (p1 - p2) + sqrt((p2 - l2)^2 + (u1 - p1)^2 - 2 psi (p2 - l2)(u1 - p1))

    Chosen over the Wald interval on the McNemar discordant counts (d = (b - c)/n,
    se = sqrt(b + c - (b - c)^2/n)/n) because groups are small: Wald collapses to zero width when
    b = c = 0 and can run past -100% or +100%, while this interval stays inside [-1, 1] and keeps
    close to 95% coverage down to a few dozen pairs (Newcombe's simulations).
    """
    a, b, c, d = counts.both, counts.recorded_only, counts.recalled_only, counts.neither
    n = counts.n
    p1, p2 = (a + b) / n, (a + c) / n
    l1, u1 = wilson_interval(a + b, n, z)
    l2, u2 = wilson_interval(a + c, n, z)
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    cross = a * d - b * c
    if margins == 0:
        psi = 0.0
    elif cross > n / 2:
        psi = (cross - n / 2) / math.sqrt(margins)
    elif cross >= 0:
        psi = 0.0
    else:
        psi = cross / math.sqrt(margins)
    estimate = p1 - p2
    lower = estimate - math.sqrt(max(0.0, (p1 - l1) ** 2 + (u2 - p2) ** 2 - 2 * psi * (p1 - l1) * (u2 - p2)))
    upper = estimate + math.sqrt(max(0.0, (p2 - l2) ** 2 + (u1 - p1) ** 2 - 2 * psi * (p2 - l2) * (u1 - p1)))
    return estimate, max(-1.0, lower), min(1.0, upper)


@dataclass(frozen=True)
class GapRow:
    """One group's figures for one right; every figure None when the group is too small.

    Rates are percentages; the gap and its interval are percentage points, recorded minus
    recalled (positive: the force records more than victims recall).
    """

    label: str
    respondents: int | None
    recorded_rate: float | None
    recalled_rate: float | None
    gap: float | None
    ci_low: float | None
    ci_high: float | None
    all_victims: int | None
    all_victims_rate: float | None
    counts: PairedCounts | None = None

    @property
    def hidden(self) -> bool:
        return self.respondents is None


@dataclass(frozen=True)
class RightGap:
    """One metric's comparison: the overall row first, then one row per group."""

    metric_code: str
    metric_name: str
    right_number: int | None
    right_title: str
    question: str
    rows: tuple[GapRow, ...]
    unanswered: int | None
    no_duty: int

    @property
    def overall(self) -> GapRow:
        return self.rows[0]

    @property
    def groups(self) -> tuple[GapRow, ...]:
        return self.rows[1:]


@dataclass(frozen=True)
class VoiceGap:
    """`recorded_versus_recalled`'s answer for a period and breakdown."""

    period: Period
    breakdown: str | None
    breakdown_label: str
    threshold: int
    responses: int
    rights: tuple[RightGap, ...] = field(default_factory=tuple)


def _percent(numerator: int, denominator: int) -> float:
    return 100.0 * numerator / denominator


def _pair_status(*, user: Any, metric: MetricDefinition, period: Period) -> dict[tuple[int, str], bool]:
    """Each victim-crime pair of the period with an applicable duty of the metric's entitlements:
    True if the force records every applicable duty as delivered (at all, on time or not)."""
    rows = (
        CodeDuty.objects.visible_to(user)
        .filter(
            entitlement__in=metric.entitlements.all(),
            crime__reported_on__gte=period.start,
            crime__reported_on__lte=period.end,
        )
        .values("crime_id", "victim_ref")
        .annotate(
            applicable=Count("id", filter=Q(not_applicable_reason="")),
            delivered=Count("id", filter=Q(not_applicable_reason="", delivered_on__isnull=False)),
        )
        .filter(applicable__gt=0)
        .values_list("crime_id", "victim_ref", "applicable", "delivered")
    )
    return {(crime_id, ref): applicable == delivered for crime_id, ref, applicable, delivered in rows}


def _groups(*, user: Any, period: Period, breakdown: str) -> dict[tuple[int, str], str]:
    lookup = BREAKDOWNS[breakdown][1]
    rows = (
        CrimeVictim.objects.visible_to(user)
        .filter(crime__reported_on__gte=period.start, crime__reported_on__lte=period.end)
        .values_list("crime_id", "victim_ref", lookup)
    )
    return {(crime_id, ref): _group_label(breakdown, value) for crime_id, ref, value in rows}


def _gap_rows(
    *,
    labels: list[str],
    paired: dict[str, PairedCounts],
    context: dict[str, tuple[int, int]],
    threshold: int,
) -> tuple[GapRow, ...]:
    """The rows for the overall figure and each group, small groups hidden.

    The respondents per group go through `suppress_series`, so a hidden group cannot be worked
    back from the total; the same for all victims. A hidden count hides every rate of its group.
    """
    overall_paired = PairedCounts(
        both=sum(p.both for p in paired.values()),
        recorded_only=sum(p.recorded_only for p in paired.values()),
        recalled_only=sum(p.recalled_only for p in paired.values()),
        neither=sum(p.neither for p in paired.values()),
    )
    overall_context = (sum(v[0] for v in context.values()), sum(v[1] for v in context.values()))
    groups = labels[1:]
    # With no breakdown the total is the only figure: the threshold test below is enough.
    shown_n = suppress_series(
        [paired.get(g, PairedCounts()).n for g in groups] or [overall_paired.n],
        threshold=threshold,
        protect_total=True,
    )
    shown_context = suppress_series(
        [context.get(g, (0, 0))[0] for g in groups] or [overall_context[0]],
        threshold=threshold,
        protect_total=True,
    )
    rows: list[GapRow] = []
    for index, label in enumerate(labels):
        if index == 0:
            counts, (victims, delivered) = overall_paired, overall_context
            n_shown, victims_shown = shown_n.total, shown_context.total
        else:
            counts, (victims, delivered) = paired.get(label, PairedCounts()), context.get(label, (0, 0))
            n_shown, victims_shown = shown_n.values[index - 1], shown_context.values[index - 1]
        n = counts.n
        if n_shown is None or n < threshold:
            respondents = None if n else 0
            recorded = recalled = gap = low = high = None
            kept: PairedCounts | None = None
        else:
            respondents = n
            estimate, lower, upper = paired_difference_interval(counts)
            recorded = _percent(counts.both + counts.recorded_only, n)
            recalled = _percent(counts.both + counts.recalled_only, n)
            gap, low, high = 100 * estimate, 100 * lower, 100 * upper
            kept = counts
        if victims_shown is None or victims < threshold:
            all_victims, all_rate = (None if victims else 0), None
        else:
            all_victims, all_rate = victims, _percent(delivered, victims)
        rows.append(
            GapRow(
                label=label,
                respondents=respondents,
                recorded_rate=recorded,
                recalled_rate=recalled,
                gap=gap,
                ci_low=low,
                ci_high=high,
                all_victims=all_victims,
                all_victims_rate=all_rate,
                counts=kept,
            )
        )
    return tuple(rows)


def recall_metrics() -> list[MetricDefinition]:
    """The metrics of the Code in force whose delivery victims are asked to recall."""
    return list(
        MetricDefinition.objects.filter(code_version__status=CodeVersion.Status.IN_FORCE, active=True)
        .exclude(recall_question="")
        .select_related("right")
        .prefetch_related("entitlements")
        .order_by("code")
    )


def recorded_versus_recalled(*, user: Any, period: Period, breakdown: str | None = None) -> VoiceGap:
    """Per right, the force-recorded delivery rate and the victim-recalled rate side by side.

    For each metric with a `recall_question` (M01 written confirmation, M04 referral, M07
    updates, M12 VPS offer) the comparison is among respondents whose victim-crime pair (crime
    reported in `period`) has at least one applicable duty of the metric's entitlements and who
    answered the recall question yes or no ("don't know" and blank are left out and counted in
    `unanswered`). For each such respondent:

    * recorded: the force records every applicable duty as delivered (at all: the victim can
      recall being told, not whether it was within the deadline); documented not-applicable
      duties are left out, and a pair whose duties are all not applicable is not compared;
    * recalled: the victim answered yes.

    Both rates are over the same respondents, so the gap (recorded minus recalled, percentage
    points) has a paired 95% interval, Newcombe's method 10 (`paired_difference_interval`).
    `all_victims_rate` is the force's recorded rate over every pair of the period with an
    applicable duty, survey or not, for context. A group (or the total) with fewer respondents
    than the operational disclosure threshold shows no rates; counts go through
    `suppress_series`, so a hidden group cannot be worked back from the total.

    Worked example (no breakdown, threshold 5): twenty respondents with duties of M01, twelve
    recorded and recalling (a), five recorded but answering no (b), one not recorded but
    answering yes (c), two neither (d): recorded 17/20 = 85.0%, recalled 13/20 = 65.0%,
    gap +20.0 points, 95% CI -5.2 to +42.6 (tests/test_voice_gap.py shows the arithmetic).
    """
    ensure_can(user, "victims_code.view_compliance")
    threshold = default_threshold(Audience.OPERATIONAL)
    if breakdown is not None and breakdown not in BREAKDOWNS:
        raise ValueError(f"unknown breakdown {breakdown!r}")
    responses = list(
        SurveyResponse.objects.visible_to(user)
        .filter(
            invitation__crime__reported_on__gte=period.start,
            invitation__crime__reported_on__lte=period.end,
        )
        .values("invitation__crime_id", "invitation__victim_ref", *RECALL_QUESTIONS)
    )
    groups = _groups(user=user, period=period, breakdown=breakdown) if breakdown else {}
    overall_label = "All respondents"

    def group_of(pair: tuple[int, str]) -> str:
        return groups.get(pair, NOT_RECORDED) if breakdown else overall_label

    rights: list[RightGap] = []
    for metric in recall_metrics():
        status = _pair_status(user=user, metric=metric, period=period)
        paired: dict[str, PairedCounts] = defaultdict(PairedCounts)
        unanswered = no_duty = 0
        for answer in responses:
            pair = (answer["invitation__crime_id"], answer["invitation__victim_ref"])
            if pair not in status:
                no_duty += 1
                continue
            recalled = answer[metric.recall_question]
            if recalled not in (YesNoDontKnow.YES, YesNoDontKnow.NO):
                unanswered += 1
                continue
            key = group_of(pair)
            paired[key] = paired[key].add(recorded=status[pair], recalled=recalled == YesNoDontKnow.YES)
        context: dict[str, tuple[int, int]] = defaultdict(lambda: (0, 0))
        for pair, delivered in status.items():
            key = group_of(pair)
            victims, done = context[key]
            context[key] = (victims + 1, done + delivered)
        labels = [overall_label, *sorted(set(paired) | set(context))] if breakdown else [overall_label]
        rows = _gap_rows(labels=labels, paired=dict(paired), context=dict(context), threshold=threshold)
        rights.append(
            RightGap(
                metric_code=metric.code,
                metric_name=metric.name,
                right_number=metric.right.number if metric.right else None,
                right_title=metric.right.title if metric.right else "",
                question=MetricDefinition.RecallQuestion(metric.recall_question).label,
                rows=rows,
                unanswered=unanswered if unanswered == 0 or unanswered >= threshold else None,
                no_duty=no_duty,
            )
        )
    return VoiceGap(
        period=period,
        breakdown=breakdown,
        breakdown_label=BREAKDOWNS[breakdown][0] if breakdown else "",
        threshold=threshold,
        responses=len(responses),
        rights=tuple(rights),
    )


GAP_CSV_HEADER = (
    "metric",
    "right",
    "group",
    "respondents",
    "recorded_by_force_pct",
    "recalled_by_victims_pct",
    "gap_points",
    "ci95_low_points",
    "ci95_high_points",
    "all_victims",
    "all_victims_recorded_pct",
)


def gap_csv_rows(gap: VoiceGap) -> list[list[object]]:
    """The gap table as CSV rows; hidden figures are None (written `[c]`)."""

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 1)

    rows: list[list[object]] = []
    for right in gap.rights:
        for row in right.rows:
            rows.append(
                [
                    f"{right.metric_code} {right.metric_name}",
                    f"Right {right.right_number}" if right.right_number else "",
                    row.label,
                    row.respondents,
                    rounded(row.recorded_rate),
                    rounded(row.recalled_rate),
                    rounded(row.gap),
                    rounded(row.ci_low),
                    rounded(row.ci_high),
                    row.all_victims,
                    rounded(row.all_victims_rate),
                ]
            )
    return rows
