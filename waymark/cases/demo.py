"""Demo casework: a few hundred clearly fake people with referrals and cases, so every page has data.

Everyone here is invented and labelled so: people are "Demo Person 0042", codes start
"DEMO-", phone numbers are in Ofcom's range for drama (07700 900000 to 900999) and e-mail
addresses end in `.invalid`, which can never be delivered. The data spreads over the demo
services of `waymark.accounts.demo` (the hate crime service, the IDVA and ISVA services and
the perpetrator programmes), the seven West Midlands districts, the five strands, every
referral route and outcome, every case status and closure reason, and the four complete
quarters before this one plus this quarter so far.

Deterministic and idempotent: a seeded random generator makes the same plan every time, each
person's code is fixed by their number, and anyone whose code exists is skipped, so running
it twice changes nothing. Rows are written with `bulk_create` (with history rows for the
models that keep history). Demo loading is not a user's action, so it writes no access log.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from waymark.accounts.models import Membership, Organisation, Service, Team, User
from waymark.accounts.roles import Role
from waymark.core.models import LocalAuthority
from waymark.core.periods import FinancialQuarter
from waymark.core.workdays import add_working_days, next_working_day
from waymark.referrals.models import ContactAttempt, ContactMethod, OutreachEvent, Person, Referral

from .models import (
    Case,
    HateCrimeDetail,
    HateStrand,
    NeedItem,
    NeedsAssessment,
    NeedsDomain,
    OutcomeMeasure,
    OutcomeReading,
    SafetyPlan,
    SupportActivity,
)

SEED = 20211001
CODE_PREFIX = "DEMO-"
WEST_MIDLANDS_DISTRICTS = (
    "Birmingham",
    "Coventry",
    "Dudley",
    "Sandwell",
    "Solihull",
    "Walsall",
    "Wolverhampton",
)

# How many demo people each demo service gets (385 in all), in a fixed order: the order the
# people are numbered in, so it must not change once demo data has been loaded anywhere.
PEOPLE_PER_SERVICE: tuple[tuple[str, int], ...] = (
    ("West Midlands Hate Crime Victim Service", 160),
    ("MARAC IDVA service", 90),
    ("ISVA service", 60),
    ("Regional DVPP", 20),
    ("Drive Project", 20),
    ("YUVA", 15),
    ("Early Awareness Stalking Intervention", 20),
)

# Demo caseworkers the accounts demo does not have: (e-mail, name, organisation, team). The
# facilitators' team has no service, so it covers all four of that provider's programmes.
EXTRA_STAFF: tuple[tuple[str, str, str, str], ...] = (
    (
        "isva@demo.waymark.test",
        "Demo ISVA caseworker",
        "Sexual violence advocacy provider (demo)",
        "ISVA team",
    ),
    (
        "facilitator@demo.waymark.test",
        "Demo programme facilitator",
        "Perpetrator programmes provider (demo)",
        "Programme facilitators",
    ),
    (
        "football@demo.waymark.test",
        "Demo football initiative caseworker",
        "Remedi",
        "Football Hate Crime Initiative",
    ),
)
_TEAMS_WITHOUT_SERVICE = {"Programme facilitators"}

T = TypeVar("T")

# Weighted choices: (value, weight).
_ROUTES: dict[str, list[tuple[str, int]]] = {
    Service.Type.HATE_CRIME: [("police", 45), ("agency", 25), ("self", 30)],
    Service.Type.IDVA: [("police", 60), ("agency", 35), ("self", 5)],
    Service.Type.ISVA: [("police", 40), ("agency", 30), ("self", 30)],
    Service.Type.PERPETRATOR: [("police", 20), ("agency", 70), ("self", 10)],
}
_OUTCOMES = [
    (Referral.Status.ACCEPTED, 66),
    (Referral.Status.SIGNPOSTED, 7),
    (Referral.Status.DECLINED, 6),
    (Referral.Status.UNABLE_TO_CONTACT, 8),
    (Referral.Status.UNSAFE_TO_CONTACT, 2),
    (Referral.Status.DUPLICATE, 2),
    (Referral.Status.OUT_OF_AREA, 3),
    (Referral.Status.RECEIVED, 3),
    (Referral.Status.CONTACTING, 3),
]
_OPEN_CASE_STATUSES = [
    (Case.Status.OPEN_ALLOCATED, 10),
    (Case.Status.ASSESSMENT, 15),
    (Case.Status.ACTIVE_SUPPORT, 40),
    (Case.Status.ON_HOLD, 8),
    (Case.Status.REVIEW, 10),
    (Case.Status.CLOSURE_REQUESTED, 8),
    (Case.Status.REOPENED, 4),
    (Case.Status.TRANSFERRED_OUT, 3),
]
_CLOSURE_REASONS = [
    (Case.ClosureReason.GOALS_MET, 50),
    (Case.ClosureReason.VICTIM_ENDED, 15),
    (Case.ClosureReason.UNABLE_TO_CONTACT, 12),
    (Case.ClosureReason.MOVED_AWAY, 5),
    (Case.ClosureReason.TRANSFERRED, 4),
    (Case.ClosureReason.REFERRED_ON, 8),
    (Case.ClosureReason.SAFEGUARDING_HANDOVER, 3),
    (Case.ClosureReason.OTHER, 3),
]
_STRANDS = [
    (HateStrand.RACE, 60),
    (HateStrand.RELIGION, 12),
    (HateStrand.DISABILITY, 10),
    (HateStrand.SEXUAL_ORIENTATION, 13),
    (HateStrand.TRANSGENDER_IDENTITY, 5),
]
_ACTIVITIES: dict[str, list[tuple[str, int]]] = {
    Service.Type.HATE_CRIME: [
        ("call", 40),
        ("visit", 15),
        ("police_liaison", 15),
        ("advocacy", 15),
        ("email", 15),
    ],
    Service.Type.IDVA: [
        ("call", 35),
        ("visit", 15),
        ("meeting", 15),
        ("court_support", 15),
        ("advocacy", 20),
    ],
    Service.Type.ISVA: [("call", 40), ("meeting", 20), ("court_support", 25), ("police_liaison", 15)],
    Service.Type.PERPETRATOR: [("meeting", 60), ("call", 30), ("letter", 10)],
}
_AGE_BANDS = [(band, 1) for band in Person.AgeBand.values if band not in ("under_18", "not_known")]


def _pick(rng: random.Random, weighted: Sequence[tuple[T, int]]) -> T:
    return rng.choices([value for value, _ in weighted], weights=[weight for _, weight in weighted])[0]


@dataclass
class _Bundle:
    """Everything made for one demo person, before it is saved."""

    person: Person
    contact_method: ContactMethod
    referral: Referral
    attempts: list[ContactAttempt] = field(default_factory=list)
    case: Case | None = None
    hate_crime: HateCrimeDetail | None = None
    assessment: NeedsAssessment | None = None
    need_items: list[NeedItem] = field(default_factory=list)
    activities: list[SupportActivity] = field(default_factory=list)
    readings: list[OutcomeReading] = field(default_factory=list)
    safety_plan: SafetyPlan | None = None


@dataclass
class _World:
    """The demo organisations, services, teams and staff the plan refers to."""

    services: list[tuple[Service, int]]
    teams: dict[int, list[Team]]
    staff: dict[int, list[User]]
    managers: dict[int, User]
    police: Organisation
    partner: Organisation
    areas: list[LocalAuthority]
    domains: list[NeedsDomain]
    measures: list[OutcomeMeasure]
    events: list[OutreachEvent]


def _aware(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _ensure_staff(services: dict[str, Service]) -> None:
    """Add the demo caseworkers the accounts demo does not have (idempotent)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    from waymark.accounts.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET

    for email, name, org_name, team_name in EXTRA_STAFF:
        organisation = Organisation.objects.get(name=org_name)
        service = next((s for s in services.values() if s.organisation_id == organisation.pk), None)
        team, _ = Team.objects.get_or_create(
            organisation=organisation,
            name=team_name,
            defaults={"service": None if team_name in _TEAMS_WITHOUT_SERVICE else service},
        )
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User(email=email, full_name=name)
            user.set_password(DEMO_PASSWORD)
            user.save()
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, DEMO_TOTP_SECRET)
        membership, made = Membership.objects.get_or_create(
            user=user, organisation=organisation, role=Role.CASEWORKER
        )
        if made:
            membership.teams.set([team])


def _world(today: date) -> _World:
    from waymark.accounts.demo import SERVICES, demo_load

    demo_load()
    by_name = {s.name: s for s in Service.objects.filter(name__in=[name for _, name, _, _ in SERVICES])}
    _ensure_staff(by_name)
    services = [(by_name[name], count) for name, count in PEOPLE_PER_SERVICE]
    teams: dict[int, list[Team]] = {}
    staff: dict[int, list[User]] = {}
    managers: dict[int, User] = {}
    for service, _ in services:
        service_teams = list(
            Team.objects.filter(organisation=service.organisation_id)
            .filter(models.Q(service=service) | models.Q(service__isnull=True))
            .order_by("name")
        )
        teams[service.pk] = service_teams
        members = Membership.objects.filter(
            organisation=service.organisation_id, is_active=True
        ).select_related("user")
        staff[service.pk] = sorted(
            {m.user for m in members if m.role == Role.CASEWORKER}, key=lambda user: user.email
        )
        manager = next((m.user for m in members if m.role == Role.PROVIDER_MANAGER), None)
        if manager is not None:
            managers[service.pk] = manager
    hate_service = services[0][0]
    events = []
    for number in range(1, 5):
        event, _ = OutreachEvent.objects.get_or_create(
            service=hate_service,
            organisation=hate_service.organisation,
            name=f"Demo football match {number}",
            defaults={
                "kind": OutreachEvent.Kind.FOOTBALL_MATCH,
                "venue": "Demo stadium",
                "held_on": today - timedelta(days=40 + 80 * number),
                "people_supported": 6 + 3 * number,
            },
        )
        events.append(event)
    return _World(
        services=services,
        teams=teams,
        staff=staff,
        managers=managers,
        police=Organisation.objects.get(name="West Midlands Police"),
        partner=Organisation.objects.get(name="Housing association (demo partner agency)"),
        areas=list(LocalAuthority.objects.filter(name__in=WEST_MIDLANDS_DISTRICTS).order_by("name")),
        domains=list(NeedsDomain.objects.filter(is_active=True).order_by("order", "label")),
        measures=list(OutcomeMeasure.objects.filter(framework__key="moj_cope_and_recover").order_by("order")),
        events=events,
    )


def _plan(world: _World, today: date) -> list[_Bundle]:
    """The whole demo, the same every time for the same day: one bundle per demo person."""
    rng = random.Random(SEED)  # noqa: S311 - repeatable demo data, not security
    window_start = FinancialQuarter.from_date(today).previous().previous().previous().previous().start
    span = (today - window_start).days
    now = timezone.now()
    bundles: list[_Bundle] = []
    number = 0
    for service, count in world.services:
        service_type = service.type if service.type in _ROUTES else Service.Type.HATE_CRIME
        staff = world.staff.get(service.pk, [])
        teams = world.teams.get(service.pk, [])
        for _ in range(count):
            number += 1
            bundles.append(
                _plan_person(rng, world, service, service_type, staff, teams, number, window_start, span, now)
            )
    return bundles


def _plan_person(
    rng: random.Random,
    world: _World,
    service: Service,
    service_type: str,
    staff: list[User],
    teams: list[Team],
    number: int,
    window_start: date,
    span: int,
    now: datetime,
) -> _Bundle:
    code = f"{CODE_PREFIX}{number:04d}"
    perpetrator = service_type == Service.Type.PERPETRATOR
    female_share = (
        0.2 if perpetrator else (0.85 if service_type in (Service.Type.IDVA, Service.Type.ISVA) else 0.5)
    )
    person = Person(
        organisation_id=service.organisation_id,
        code=code,
        full_name=f"Demo Person {number:04d}",
        preferred_name=f"Demo {number:04d}",
        age_band=_pick(rng, _AGE_BANDS),
        sex=Person.Sex.FEMALE if rng.random() < female_share else Person.Sex.MALE,
        disability=rng.choice(["yes", "no", "no", "no", "not_known"]),
        area=rng.choice(world.areas) if world.areas else None,
        interpreter_needed=rng.random() < 0.05,
    )
    contact_method = ContactMethod(
        person=person,
        kind=ContactMethod.Kind.MOBILE,
        value=f"07700 900{number % 1000:03d}",
        is_preferred=True,
        safe_to_call=True,
        safe_voicemail=rng.random() < 0.5,
        safe_text=rng.random() < 0.6,
        safe_times=rng.choice(["", "Weekdays 10:00 to 14:00", "Any time", "Evenings only"]),
        code_word=f"demo-{number:04d}" if rng.random() < 0.3 else None,
    )

    status = _pick(rng, _OUTCOMES)
    if status in Referral.OPEN_STATUSES:
        received_day = timezone.localdate(now) - timedelta(days=rng.randint(0, 8))  # a few are overdue
    else:
        received_day = window_start + timedelta(days=rng.randint(0, max(span - 5, 0)))
    received_at = _aware(received_day, rng.randint(8, 18), rng.randint(0, 59))
    due = add_working_days(received_day, service.first_contact_working_days)
    route = _pick(rng, _ROUTES[service_type])
    if route == "police":
        source = Referral.Source.POLICE_FEED if rng.random() < 0.8 else Referral.Source.POLICE_UPLOAD
    elif route == "agency":
        source = Referral.Source.PARTNER_FORM
    else:
        options = [(Referral.Source.SELF_WEB, 60), (Referral.Source.STAFF_ENTERED, 30)]
        if service_type == Service.Type.HATE_CRIME:
            options.append((Referral.Source.SELF_OUTREACH, 15))
        source = _pick(rng, options)
    outreach = rng.choice(world.events) if source == Referral.Source.SELF_OUTREACH and world.events else None
    team = rng.choice(teams) if teams else None
    if outreach is not None:
        team = next((t for t in teams if "Football" in t.name), team)
    referral = Referral(
        reference=f"{CODE_PREFIX}R{number:04d}",
        service=service,
        organisation_id=service.organisation_id,
        team=team,
        person=person,
        route=route,
        source=source,
        referrer_organisation=world.police
        if route == "police"
        else (world.partner if route == "agency" else None),
        referrer_name="" if route == "self" else "Demo referrer",
        external_reference=f"DEMO-WMP-{number:05d}" if route == "police" else "",
        crime_reference=f"20DEMO{number:05d}" if route == "police" else "",
        consent=Referral.Consent.GIVEN if rng.random() < 0.92 else Referral.Consent.NOT_KNOWN,
        received_at=received_at,
        first_contact_due=due,
        status=status,
        outreach_event=outreach,
        is_safe_to_contact="yes" if route == "self" else "not_known",
    )
    bundle = _Bundle(person=person, contact_method=contact_method, referral=referral)
    by = rng.choice(staff) if staff else None
    if by is None:
        return bundle

    # Contact attempts: failures first, then the outcome's own attempt.
    def attempt(day: date, outcome: str, channel: str = ContactAttempt.Channel.CALL) -> ContactAttempt:
        made = ContactAttempt(
            referral=referral,
            contact_method=contact_method,
            channel=channel,
            outcome=outcome,
            at=min(_aware(day, rng.randint(9, 17), rng.randint(0, 59)), now),
            by=by,
        )
        bundle.attempts.append(made)
        return made

    first_try = next_working_day(received_day + timedelta(days=rng.choice([0, 0, 1])))
    failures = {
        Referral.Status.RECEIVED: 0,
        Referral.Status.CONTACTING: rng.randint(1, 2),
        Referral.Status.UNABLE_TO_CONTACT: 3,
    }.get(status, rng.choice([0, 0, 0, 1, 2]))
    day = first_try
    for _ in range(failures):
        if contact_method.safe_voicemail and rng.random() < 0.5:
            attempt(day, ContactAttempt.Outcome.MESSAGE_LEFT, ContactAttempt.Channel.VOICEMAIL)
        else:
            attempt(day, ContactAttempt.Outcome.NO_ANSWER)
        day = add_working_days(day, 1)
    if status in Referral.OPEN_STATUSES or status == Referral.Status.UNABLE_TO_CONTACT:
        decided_day = day
    else:
        if rng.random() < 0.18:  # some first contacts are late
            day = add_working_days(due, rng.randint(1, 4))
        outcome = {
            Referral.Status.DECLINED: ContactAttempt.Outcome.DECLINED,
            Referral.Status.UNSAFE_TO_CONTACT: ContactAttempt.Outcome.NOT_SAFE,
        }.get(status, ContactAttempt.Outcome.CONTACT_MADE)
        attempt(day, outcome)
        decided_day = day
    if status not in Referral.OPEN_STATUSES:
        referral.outcome_at = min(_aware(decided_day, 17, 30), now)
        if status in (Referral.Status.UNABLE_TO_CONTACT, Referral.Status.UNSAFE_TO_CONTACT):
            referral.referrer_informed_at = referral.outcome_at
        if status in (Referral.Status.SIGNPOSTED, Referral.Status.OUT_OF_AREA):
            referral.signposted_to = "Demo local support service"
    if status == Referral.Status.ACCEPTED:
        _plan_case(rng, world, bundle, service, service_type, staff, by, now)
    return bundle


def _plan_case(
    rng: random.Random,
    world: _World,
    bundle: _Bundle,
    service: Service,
    service_type: str,
    staff: list[User],
    by: User,
    now: datetime,
) -> None:
    referral = bundle.referral
    assert referral.outcome_at is not None
    opened_at = referral.outcome_at
    age = (now - opened_at).days
    closed = age > 30 and rng.random() < 0.45
    status = Case.Status.CLOSED if closed else _pick(rng, _OPEN_CASE_STATUSES)
    made = [a.at for a in bundle.attempts if a.outcome == ContactAttempt.Outcome.CONTACT_MADE]
    case = Case(
        reference=f"{CODE_PREFIX}C{referral.reference[len(CODE_PREFIX) + 1 :]}",
        person=bundle.person,
        referral=referral,
        service=service,
        organisation_id=service.organisation_id,
        owner=by if rng.random() < 0.75 else None,
        team=referral.team,
        status=status,
        opened_at=opened_at,
        first_contact_attempt_at=bundle.attempts[0].at if bundle.attempts else None,
        first_contact_made_at=made[0] if made else None,
        first_contact_due=referral.first_contact_due,  # bulk_create skips save()
    )
    bundle.case = case
    if status != Case.Status.OPEN_ALLOCATED:
        case.support_tier = Case.SupportTier.SHORT_TERM if rng.random() < 0.6 else Case.SupportTier.LONG_TERM
    end = now
    if closed:
        case.closed_at = min(opened_at + timedelta(days=rng.randint(20, 150)), now - timedelta(days=1))
        case.closure_reason = _pick(rng, _CLOSURE_REASONS)
        case.closure_requested_by = case.owner or by
        if service.requires_closure_approval:
            case.closure_approved_by = world.managers.get(service.pk)
        end = case.closed_at
    elif status == Case.Status.TRANSFERRED_OUT:
        case.closed_at = min(opened_at + timedelta(days=rng.randint(5, 40)), now)
        case.closure_reason = Case.ClosureReason.TRANSFERRED
        end = case.closed_at
    elif status == Case.Status.CLOSURE_REQUESTED:
        case.closure_requested_by = case.owner or by

    if service_type == Service.Type.HATE_CRIME:
        strands = [_pick(rng, _STRANDS)]
        if rng.random() < 0.15:
            strands.append(_pick(rng, _STRANDS))
        bundle.hate_crime = HateCrimeDetail(
            case=case,
            strands=sorted(set(strands)),
            crime_or_incident=rng.choice(HateCrimeDetail.CrimeOrIncident.values),
            perceived_by=rng.choice(HateCrimeDetail.PerceivedBy.values),
            location_type=(
                HateCrimeDetail.LocationType.SPORTS_VENUE
                if referral.outreach_event is not None
                else rng.choice(HateCrimeDetail.LocationType.values)
            ),
        )
    if status == Case.Status.OPEN_ALLOCATED:
        return

    assessed_at = min(opened_at + timedelta(days=rng.randint(1, 10)), end)
    if status != Case.Status.ASSESSMENT or rng.random() < 0.5:
        case.needs_assessed_at = assessed_at
        bundle.assessment = NeedsAssessment(case=case, assessed_at=assessed_at, by=by)
        for domain in rng.sample(world.domains, k=min(4, len(world.domains))):
            level = rng.choice(NeedItem.Level.values)
            bundle.need_items.append(NeedItem(assessment=bundle.assessment, domain=domain, level=level))
    if service_type in (Service.Type.IDVA, Service.Type.ISVA):
        bundle.safety_plan = SafetyPlan(case=case, needed=True, completed_at=assessed_at)
    kinds = _ACTIVITIES.get(service_type, _ACTIVITIES[Service.Type.HATE_CRIME])
    seconds = max(int((end - opened_at).total_seconds()), 60)
    for _ in range(rng.randint(1, 10)):
        kind = (
            "on_the_spot" if referral.outreach_event is not None and rng.random() < 0.3 else _pick(rng, kinds)
        )
        bundle.activities.append(
            SupportActivity(
                case=case,
                kind=kind,
                at=opened_at + timedelta(seconds=rng.randint(0, seconds)),
                duration_minutes=rng.choice([10, 15, 30, 45, 60, 90, 120]),
                is_factual_note_only=service_type == Service.Type.ISVA,
                by=by,
            )
        )
    if case.needs_assessed_at is not None and world.measures and rng.random() < 0.8:
        exit_reading = closed and case.closure_reason in (
            Case.ClosureReason.GOALS_MET,
            Case.ClosureReason.VICTIM_ENDED,
            Case.ClosureReason.REFERRED_ON,
        )
        for measure in world.measures:
            scale = [str(value) for value in measure.scale] or ["1", "2", "3", "4", "5"]
            intake_index = rng.randint(0, min(2, len(scale) - 1))
            bundle.readings.append(
                OutcomeReading(
                    case=case,
                    measure=measure,
                    timepoint="intake",
                    value=scale[intake_index],
                    at=assessed_at,
                    by=by,
                )
            )
            if exit_reading and case.closed_at is not None:
                exit_index = max(0, min(len(scale) - 1, intake_index + rng.choice([-1, 0, 1, 1, 2, 2])))
                bundle.readings.append(
                    OutcomeReading(
                        case=case,
                        measure=measure,
                        timepoint="exit",
                        value=scale[exit_index],
                        at=case.closed_at - timedelta(hours=2),
                        by=by,
                    )
                )


def _save_all(model: type[models.Model], objs: list[Any], *, history: bool) -> None:
    if not objs:
        return
    if history:
        bulk_create_with_history(objs, model, batch_size=500)
    else:
        model._default_manager.bulk_create(objs, batch_size=500)


@transaction.atomic
def demo_cases_load(*, today: date | None = None) -> dict[str, int]:
    """Create whatever demo casework is missing; return how many rows of each kind were made.

    Loads the accounts demo first (organisations, services, teams, staff) if it is missing.
    """
    today = today or timezone.localdate()
    world = _world(today)
    existing = set(Person.objects.filter(code__startswith=CODE_PREFIX).values_list("code", flat=True))
    bundles = [b for b in _plan(world, today) if b.person.code not in existing]

    people = [b.person for b in bundles]
    _save_all(Person, people, history=True)
    for b in bundles:
        # Re-point every child at its saved parent (bulk_create filled in the primary keys).
        b.contact_method.person = b.person
        b.referral.person = b.person
    _save_all(ContactMethod, [b.contact_method for b in bundles], history=True)
    _save_all(Referral, [b.referral for b in bundles], history=True)
    attempts = []
    for b in bundles:
        for a in b.attempts:
            a.referral, a.contact_method = b.referral, b.contact_method
            attempts.append(a)
    _save_all(ContactAttempt, attempts, history=False)
    with_case = [b for b in bundles if b.case is not None]
    for b in with_case:
        assert b.case is not None
        b.case.person, b.case.referral = b.person, b.referral
    cases = [b.case for b in with_case]
    _save_all(Case, cases, history=True)
    details, assessments, items, activities, readings, plans = [], [], [], [], [], []
    for b in with_case:
        case = b.case
        assert case is not None
        if b.hate_crime is not None:
            b.hate_crime.case = case
            details.append(b.hate_crime)
        if b.assessment is not None:
            b.assessment.case = case
            assessments.append(b.assessment)
        if b.safety_plan is not None:
            b.safety_plan.case = case
            plans.append(b.safety_plan)
        for activity in b.activities:
            activity.case = case
            activities.append(activity)
        for reading in b.readings:
            reading.case = case
            readings.append(reading)
    _save_all(HateCrimeDetail, details, history=True)
    _save_all(NeedsAssessment, assessments, history=True)
    for b in with_case:
        for item in b.need_items:
            assert b.assessment is not None
            item.assessment = b.assessment
            items.append(item)
    _save_all(NeedItem, items, history=False)
    _save_all(SafetyPlan, plans, history=True)
    _save_all(SupportActivity, activities, history=False)
    _save_all(OutcomeReading, readings, history=False)
    return {
        "people": len(people),
        "referrals": len(bundles),
        "contact attempts": len(attempts),
        "cases": len(cases),
        "hate crime details": len(details),
        "needs assessments": len(assessments),
        "activities": len(activities),
        "outcome readings": len(readings),
    }
