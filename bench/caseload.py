"""Caseload benchmark: the caseworker's queue and the manager's overdue list against a bare view.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/waymark .venv/bin/python bench/caseload.py \
        --cases 200000 --activities 2000000

Builds a throwaway PostgreSQL database (`test_<name>`, dropped at the end unless `--keep`),
fills it with COPY (people, referrals, cases, contact attempts, support activities), then
times, with Django's test client through the whole middleware stack, repeated requests for:

  (a) a caseworker's queue: open cases owned by them or their teams, ordered by first contact
      due, first page of 25, with select_related, one LIST access-log entry per row shown;
  (b) a provider manager's overdue first-contact list (same shape);
  (c) a bare Django view rendering a static Jinja template that extends the same base layout;

and prints p50 and p95 for each and the ratio of each to the bare view. The goal in issue 3
is the queue within 3x of the bare view. It never fails on a time: it reports.

The queue and overdue queries come from `waymark.cases.selectors` when it has them
(`case_list_for_user`, `overdue_first_contacts`); otherwise the bench writes the query itself
and says so. The real pages (`cases:my_cases`, `cases:overdue_first_contacts`) are timed too
when they exist and answer 200.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import types
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from _setup import django_on_postgresql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=5_000, help="cases (and people; default 5,000)")
    parser.add_argument("--activities", type=int, default=50_000, help="support activities (default 50,000)")
    parser.add_argument("--providers", type=int, default=10, help="provider organisations (default 10)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per page first (default 20)")
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the bench database")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- loading ------------------------------------------------------------------------------------


def _constant(value: Any) -> Callable[[], Any]:
    return lambda: value


def copy_rows(
    model: Any, given: Sequence[str], rows: Iterable[Sequence[Any]], *, label: str, total: int
) -> None:
    """COPY rows into `model`'s table. Columns not in `given` get their default (a fresh UUID for
    UUID defaults, now for timestamps) or NULL, so new nullable or defaulted fields cost nothing."""
    from django.db import connection, models
    from django.utils import timezone

    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    by_name = {f.name: f for f in fields}
    missing = [f for f in fields if f.name not in given]
    fillers: list[Callable[[], Any]] = []
    for f in missing:
        if isinstance(f, models.UUIDField) and f.has_default():
            fillers.append(uuid.uuid4)
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            fillers.append(lambda: now)
        elif f.has_default():
            fillers.append(_constant(f.get_default()))
        elif f.null:
            fillers.append(lambda: None)
        elif f.empty_strings_allowed and f.blank:
            fillers.append(lambda: "")
        else:
            raise SystemExit(f"bench: {model.__name__}.{f.name} is required and not given")
    columns = [by_name[name].column for name in given] + [f.column for f in missing]
    sql = f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"
    started = time.perf_counter()
    done = 0
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row((*row, *(fill() for fill in fillers)))
            done += 1
            if done % 200_000 == 0:
                log(f"  {label}: {done:,} of {total:,}")
    log(f"  {label}: {done:,} rows in {time.perf_counter() - started:.1f}s")


def ids_of(model: Any) -> list[int]:
    return list(model.objects.order_by("pk").values_list("pk", flat=True))


def build(args: argparse.Namespace) -> dict[str, Any]:
    """The organisations, staff and rows; returns the people to time as."""
    from django.db import connection
    from django.utils import timezone

    from waymark.accounts.models import Membership, Organisation, Service, Team, User
    from waymark.accounts.roles import Role
    from waymark.cases.models import Case, SupportActivity
    from waymark.core.workdays import add_working_days
    from waymark.referrals.models import ContactAttempt, Person, Referral

    rng = random.Random(args.seed)  # noqa: S311 - benchmark data
    existing = User.objects.filter(email="bench.caseworker@bench.invalid").first()
    if existing is not None:
        log("reusing the data already in the kept bench database")
        return {
            "caseworker": existing,
            "manager": User.objects.get(email="bench.manager@bench.invalid"),
        }
    log("creating organisations, services, teams and staff")
    teams: list[Team] = []
    services: list[Service] = []
    staff: list[tuple[User, Team]] = []
    for p in range(args.providers):
        org = Organisation.objects.create(name=f"Bench provider {p}", type=Organisation.Type.PROVIDER)
        service = Service.objects.create(organisation=org, name=f"Bench service {p}", type="hate_crime")
        services.append(service)
        for t in range(5):
            team = Team.objects.create(organisation=org, service=service, name=f"Bench team {p}.{t}")
            teams.append(team)
            for w in range(4):
                user = User.objects.create(
                    email=f"bench.{p}.{t}.{w}@bench.invalid", full_name=f"Bench worker {w}"
                )
                Membership.objects.create(user=user, organisation=org, role=Role.CASEWORKER).teams.set([team])
                staff.append((user, team))
    caseworker = staff[0][0]
    caseworker.email = "bench.caseworker@bench.invalid"
    caseworker.save()
    manager = User.objects.create(email="bench.manager@bench.invalid", full_name="Bench manager")
    Membership.objects.create(user=manager, organisation=services[0].organisation, role=Role.PROVIDER_MANAGER)

    n = args.cases
    today = timezone.localdate()
    start = today - timedelta(days=730)
    # Each case: (team, owner or None, received day); people, referrals and cases share the index.
    plan = []
    for _ in range(n):
        user, team = rng.choice(staff)
        plan.append((team, user if rng.random() < 0.8 else None, start + timedelta(days=rng.randint(0, 729))))
    due_cache: dict[date, date] = {}

    def due(day: date) -> date:
        if day not in due_cache:
            due_cache[day] = add_working_days(day, 2)
        return due_cache[day]

    log(f"loading {n:,} people")
    copy_rows(
        Person,
        ["organisation", "code", "age_band", "sex"],
        (
            (team.organisation_id, f"B-{i:08d}", "not_known", "not_known")
            for i, (team, _, _) in enumerate(plan)
        ),
        label="people",
        total=n,
    )
    person_ids = ids_of(Person)

    def aware(day: date, hour: int) -> datetime:
        return timezone.make_aware(datetime(day.year, day.month, day.day, hour))

    log(f"loading {n:,} referrals")
    copy_rows(
        Referral,
        [
            "reference",
            "service",
            "organisation",
            "team",
            "person",
            "route",
            "source",
            "consent",
            "received_at",
            "first_contact_due",
            "status",
            "outcome_at",
        ],
        (
            (
                f"BR-{i:08d}",
                team.service_id,
                team.organisation_id,
                team.pk,
                person_ids[i],
                "police",
                "police_feed",
                "given",
                aware(day, 10),
                due(day),
                "accepted",
                aware(day, 15),
            )
            for i, (team, _, day) in enumerate(plan)
        ),
        label="referrals",
        total=n,
    )
    referral_ids = ids_of(Referral)
    open_statuses = [s.value for s in Case.OPEN_STATUSES]
    log(f"loading {n:,} cases")

    def case_rows() -> Iterator[tuple[Any, ...]]:
        for i, (team, owner, day) in enumerate(plan):
            closed = rng.random() < 0.4 and day < today - timedelta(days=60)
            # One case in 20 still has no contact made: the overdue list's rows.
            contacted = rng.random() >= 0.05
            yield (
                f"BC-{i:08d}",
                person_ids[i],
                referral_ids[i],
                team.service_id,
                team.organisation_id,
                owner.pk if owner else None,
                team.pk,
                "closed" if closed else rng.choice(open_statuses),
                aware(day, 15),
                aware(day + timedelta(days=60), 12) if closed else None,
                "goals_met" if closed else "",
                aware(day, 11) if contacted else None,
                due(day),
            )

    copy_rows(
        Case,
        [
            "reference",
            "person",
            "referral",
            "service",
            "organisation",
            "owner",
            "team",
            "status",
            "opened_at",
            "closed_at",
            "closure_reason",
            "first_contact_made_at",
            "first_contact_due",
        ],
        case_rows(),
        label="cases",
        total=n,
    )
    case_ids = ids_of(Case)
    log(f"loading {n:,} contact attempts")
    copy_rows(
        ContactAttempt,
        ["referral", "channel", "outcome", "at", "by"],
        (
            (referral_ids[i], "call", "contact_made", aware(day, 11), (owner or caseworker).pk)
            for i, (_, owner, day) in enumerate(plan)
        ),
        label="contact attempts",
        total=n,
    )
    log(f"loading {args.activities:,} support activities")
    kinds = ["call", "visit", "meeting", "advocacy", "email"]

    def activity_rows() -> Iterator[tuple[Any, ...]]:
        for _ in range(args.activities):
            i = rng.randrange(n)
            _, owner, day = plan[i]
            yield (
                case_ids[i],
                rng.choice(kinds),
                aware(day + timedelta(days=rng.randint(0, 90)), 13),
                30,
                False,
                (owner or caseworker).pk,
            )

    copy_rows(
        SupportActivity,
        ["case", "kind", "at", "duration_minutes", "is_factual_note_only", "by"],
        activity_rows(),
        label="activities",
        total=args.activities,
    )
    log("ANALYZE")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"caseworker": caseworker, "manager": manager}


# --- the pages timed ----------------------------------------------------------------------------

BARE = """{% extends "layouts/base.html" %}{% block content %}
<h1 class="govuk-heading-l">A static page</h1><p class="govuk-body">Nothing from the database.</p>
{% endblock %}"""

LIST = """{% extends "layouts/base.html" %}{% block content %}
<h1 class="govuk-heading-l">{{ title }}</h1><p class="govuk-body">{{ page.paginator.count }} cases</p>
<table class="govuk-table"><tbody class="govuk-table__body">
{% for case in page %}<tr class="govuk-table__row"><td class="govuk-table__cell">{{ case.reference }}</td>
<td class="govuk-table__cell">{{ case.person.code }}</td>
<td class="govuk-table__cell">{{ case.service.name }}</td>
<td class="govuk-table__cell">{{ case.team.name if case.team }}</td>
<td class="govuk-table__cell">{{ case.owner.full_name if case.owner }}</td>
<td class="govuk-table__cell">{{ case.referral.first_contact_due | date }}</td>
<td class="govuk-table__cell">{{ case.get_status_display() }}</td></tr>{% endfor %}
</tbody></table>{% endblock %}"""

SOURCES: dict[str, str] = {}


def queries() -> dict[str, Callable[..., Any]]:
    """The two list queries: from the cases selectors when they exist, else written here."""
    from django.db.models import Q, QuerySet

    from waymark.accounts.access import team_ids
    from waymark.cases.models import Case
    from waymark.cases.selectors import CaseFilters, case_list_for_user

    def queue(user: Any, filters: CaseFilters | None = None) -> Any:
        # The team queue's selector (open, by first contact due, keyset-paged by the view), narrowed
        # to the cases owned by the caseworker or allocated to their teams.
        filters = filters or CaseFilters(sort="first_contact_due")
        return case_list_for_user(user=user, filters=filters).filter(
            Q(owner_id=user.pk) | Q(team_id__in=team_ids(user))
        )

    SOURCES["queue"] = (
        "waymark.cases.selectors.case_list_for_user (open, by first contact due) + mine or my teams', "
        "keyset page by waymark.cases.views.list_page"
    )

    try:
        from waymark.cases.selectors import overdue_first_contacts as overdue

        SOURCES["overdue"] = "waymark.cases.selectors.overdue_first_contacts"
    except ImportError:
        from django.utils import timezone

        def overdue(*, user: Any, today: date | None = None) -> QuerySet[Case]:
            return (
                Case.objects.visible_to(user)
                .select_related("service", "team", "owner", "person", "referral")
                .filter(
                    status__in=Case.OPEN_STATUSES,
                    first_contact_made_at__isnull=True,
                    first_contact_due__lt=today or timezone.localdate(),
                )
                .order_by("first_contact_due", "pk")
            )

        SOURCES["overdue"] = "bench query (no waymark.cases.selectors.overdue_first_contacts)"

    return {"queue": queue, "overdue": lambda user: overdue(user=user)}


def install_urls() -> None:
    """The site's URLs plus three bench pages, as the root URLconf."""
    from django.conf import settings
    from django.contrib.auth.decorators import login_required
    from django.core.paginator import Paginator
    from django.http import HttpRequest, HttpResponse
    from django.template import engines
    from django.urls import clear_url_caches, path

    from waymark.audit.models import AccessLog
    from waymark.audit.services import access_log_record_many

    jinja = engines["jinja2"]
    bare_template, list_template = jinja.from_string(BARE), jinja.from_string(LIST)
    found = queries()

    @login_required
    def bare(request: HttpRequest) -> HttpResponse:
        return HttpResponse(bare_template.render({}, request))

    def list_view(name: str, title: str) -> Callable[[HttpRequest], HttpResponse]:
        @login_required
        def view(request: HttpRequest) -> HttpResponse:
            page = Paginator(found[name](request.user), 25).get_page(request.GET.get("page"))
            access_log_record_many(
                actor=request.user, action=AccessLog.Action.LIST, objects=list(page), request=request
            )
            return HttpResponse(list_template.render({"page": page, "title": title}, request))

        return view

    @login_required
    def queue_view(request: HttpRequest) -> HttpResponse:
        # The real queue pages' code: their filters, keyset page, one LIST entry and template.
        from waymark.cases.selectors import CaseFilters
        from waymark.cases.views import list_page

        filters = CaseFilters.from_query(request.GET, sort="first_contact_due")
        return list_page(
            request,  # type: ignore[arg-type]
            cases=found["queue"](request.user, filters),
            title="My cases",
            description="Open cases allocated to you or your teams.",
            filters=filters,
        )

    from config.urls import urlpatterns as site

    module = types.ModuleType("bench_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("bench/bare/", bare),
        path("bench/queue/", queue_view),
        path("bench/overdue/", list_view("overdue", "Overdue first contacts")),
        *site,
    ]
    sys.modules["bench_urls"] = module
    settings.ROOT_URLCONF = "bench_urls"
    clear_url_caches()


def time_pages(clients: dict[str, Any], *, warmup: int, requests: int) -> dict[str, list[float]]:
    """Time each page `requests` times, round-robin: one request to each page per round, so
    every page meets the same machine (other load comes and goes over a run; timing the pages
    one after another would charge it to whichever page was running)."""
    timed: dict[str, list[float]] = {}
    for url, client in clients.items():
        for _ in range(warmup):
            response = client.get(url)
        if response.status_code != 200:
            log(f"  {url} answered {response.status_code}: not timed")
            continue
        timed[url] = []
    for _ in range(requests):
        for url in timed:
            started = time.perf_counter()
            clients[url].get(url)
            timed[url].append((time.perf_counter() - started) * 1000)
    return timed


def p(times: list[float], q: int) -> float:
    return statistics.quantiles(times, n=100, method="inclusive")[q - 1]


def main() -> None:
    args = _parse()
    django_on_postgresql()
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP
    from django.db import connection
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    log(f"creating the bench database (migrations) for {args.cases:,} cases, {args.activities:,} activities")
    started = time.perf_counter()
    old_name = connection.settings_dict["NAME"]
    # serialize=False: a kept database holds millions of rows, which Django would otherwise read
    # into memory to restore between tests (the bench runs none).
    name = connection.creation.create_test_db(
        verbosity=0, autoclobber=True, keepdb=args.keep, serialize=False
    )
    log(f"database {name} ready")
    try:
        people = build(args)
        log(f"data ready after {time.perf_counter() - started:.0f}s")
        install_urls()
        for user in people.values():
            if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
                TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
        pages: list[tuple[str, str, str]] = [
            ("bare view (static Jinja template)", "caseworker", "/bench/bare/"),
            ("caseworker queue (bench view)", "caseworker", "/bench/queue/"),
            ("manager overdue first contacts (bench view)", "manager", "/bench/overdue/"),
        ]
        for label, who, url_name in (
            ("real page cases:my_cases", "caseworker", "cases:my_cases"),
            ("real page cases:team_queue", "caseworker", "cases:team_queue"),
            ("real page cases:overdue_first_contacts", "manager", "cases:overdue_first_contacts"),
        ):
            try:
                pages.append((label, who, reverse(url_name)))
            except NoReverseMatch:
                log(f"  {url_name} does not exist yet: not timed")
        clients: dict[str, Any] = {}
        for _label, who, url in pages:
            clients[url] = Client()
            clients[url].force_login(people[who])
        log(f"timing {len(pages)} pages round-robin: {args.requests} rounds after {args.warmup} warm-up each")
        timed = time_pages(clients, warmup=args.warmup, requests=args.requests)
        results = {label: timed[url] for label, _who, url in pages if url in timed}
        bare_label = pages[0][0]
        base50, base95 = p(results[bare_label], 50), p(results[bare_label], 95)
        print()
        print(f"Caseload benchmark: {args.cases:,} cases, {args.activities:,} activities, PostgreSQL")
        print(f"queue query:   {SOURCES.get('queue')}")
        print(f"overdue query: {SOURCES.get('overdue')}")
        print(f"{'page':<48} {'p50 ms':>8} {'p95 ms':>8} {'p50 x bare':>11} {'p95 x bare':>11}")
        for label, times in results.items():
            p50, p95 = p(times, 50), p(times, 95)
            print(f"{label:<48} {p50:>8.1f} {p95:>8.1f} {p50 / base50:>11.2f} {p95 / base95:>11.2f}")
        queue = results.get(pages[1][0])
        if queue:
            ratio = p(queue, 50) / base50
            verdict = "within" if ratio <= 3 else "NOT within"
            print(f"\nGoal (issue 3): queue within 3x the bare view at p50: {verdict} ({ratio:.2f}x).")
    finally:
        if not args.keep:
            log(f"dropping {name}")
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
