"""Reads of cases. Case rows only through `Case.objects.visible_to` (or, for an API token,
`visible_to_token`); everything else hangs off a case the reader may see."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Count, F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from waymark.accounts.models import Service
from waymark.core.home import HomePanel
from waymark.core.visibility import get_visible_or_404

from .models import (
    Case,
    ConsentRecord,
    DisclosureRequest,
    NeedsAssessment,
    NeedsDomain,
    OnwardReferral,
    OutcomeMeasure,
)

# Every sort ends in the primary key, so each ordering is total: keyset pagination (below) needs a
# unique key to say "the rows after this one".
SORTS: dict[str, tuple[str, ...]] = {
    "newest": ("-opened_at", "-id"),
    "oldest": ("opened_at", "id"),
    "reference": ("reference", "id"),
    "status": ("status", "-opened_at", "-id"),
    "first_contact_due": ("first_contact_due", "id"),
}
STATUS_GROUPS = {"open": Case.OPEN_STATUSES, "closed": (Case.Status.CLOSED, Case.Status.TRANSFERRED_OUT)}


@dataclass(frozen=True)
class CaseFilters:
    """What a case list is narrowed and sorted by; unknown values are ignored, not errors."""

    status: str = "open"  # "open", "closed", "all" or one Case.Status
    service: str = ""  # a service's public id
    team: str = ""  # a team's public id
    owner: str = ""  # "me" or "unallocated"
    reference: str = ""
    sort: str = "newest"

    @classmethod
    def from_query(cls, query: Any, **defaults: str) -> CaseFilters:
        """From request.GET (a QueryDict or dict)."""
        values = {**defaults}
        for name in ("status", "service", "team", "owner", "reference", "sort"):
            value = query.get(name)
            if value:
                values[name] = str(value)[:100]
        return cls(**values)


def _base(queryset: QuerySet[Case]) -> QuerySet[Case]:
    # Everything a list row shows, in one query (no N+1).
    return queryset.select_related("service", "team", "owner", "person", "referral")


# What a list row reads (`cases/list.html`, `case_display_name`, the access log entry): loading
# only these, and not the referral, keeps a page of 25 cases cheap to fetch and build.
LIST_ROW_FIELDS = (
    "public_id", "reference", "status", "opened_at", "first_contact_due", "organisation_id",
    "service__name", "service__pseudonymous_lists", "team__name", "owner__full_name",
    "person__code", "person__preferred_name", "person__full_name",
)  # fmt: skip


def for_list(cases: QuerySet[Case]) -> QuerySet[Case]:
    """`cases` with just the columns a list row shows, in one query."""
    return (
        cases.select_related(None).select_related("service", "team", "owner", "person").only(*LIST_ROW_FIELDS)
    )


def case_list_for_user(*, user: Any, filters: CaseFilters | None = None) -> QuerySet[Case]:
    """Cases this user may see, filtered and sorted: the only door to case rows for lists."""
    filters = filters or CaseFilters()
    cases = _base(Case.objects.visible_to(user))
    return _apply_filters(cases, filters, user=user)


def _apply_filters(cases: QuerySet[Case], filters: CaseFilters, *, user: Any = None) -> QuerySet[Case]:
    if filters.status in STATUS_GROUPS:
        cases = cases.filter(status__in=STATUS_GROUPS[filters.status])
    elif filters.status in Case.Status.values:
        cases = cases.filter(status=filters.status)
    for name, path in (("service", "service__public_id"), ("team", "team__public_id")):
        value = getattr(filters, name)
        if value:
            try:
                cases = cases.filter(**{path: UUID(value)})
            except ValueError:
                cases = cases.none()
    if filters.owner == "me" and user is not None:
        cases = cases.filter(owner_id=user.pk)
    elif filters.owner == "unallocated":
        cases = cases.filter(owner__isnull=True)
    if filters.reference:
        cases = cases.filter(reference__icontains=filters.reference.strip())
    return cases.order_by(*_order(Case, _directions(sort_ordering(filters.sort))))


def sort_ordering(sort: str) -> tuple[str, ...]:
    """The total ordering a list sort name stands for (unknown names sort newest first)."""
    return SORTS.get(sort, SORTS["newest"])


# --- keyset pagination --------------------------------------------------------------------------

MAX_CURSOR_LENGTH = 400


@dataclass(frozen=True)
class KeysetPage:
    """One page of a list read by keyset: the rows after (or before) a cursor, never a COUNT.

    `next_cursor` / `previous_cursor` are opaque strings for `?after=` / `?before=`; None when there
    is no such page. A cursor holds only the sort values of the boundary row, and it is applied
    to the already scoped query, so a forged one can only move within what the reader may see.
    """

    rows: list[Any]
    next_cursor: str | None
    previous_cursor: str | None
    position: str  # "first page", "next page" or "previous page", for the access log

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None


def _encode_cursor(row: Any, fields: Sequence[str]) -> str:
    values = []
    for name in fields:
        value = getattr(row, "pk" if name == "id" else name)
        # isoformat keeps microseconds (DjangoJSONEncoder would cut them, and skip rows).
        values.append(value.isoformat() if isinstance(value, date | datetime) else value)
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _decode_cursor(model: Any, raw: str, fields: Sequence[str]) -> list[Any] | None:
    """The boundary values, or None if the cursor is not one of ours (the list starts again)."""
    if not raw or len(raw) > MAX_CURSOR_LENGTH:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        if not isinstance(values, list) or len(values) != len(fields):
            return None
        return [
            None if value is None else model._meta.get_field(name).to_python(value)
            for name, value in zip(fields, values, strict=True)
        ]
    except (ValueError, TypeError, ValidationError, binascii.Error):
        return None


def _beyond(model: Any, fields: Sequence[tuple[str, bool]], values: Sequence[Any]) -> Q | None:
    """Rows strictly beyond `values` in the ordering `fields` ((name, descending) pairs).

    The lexicographic comparison written out as (a > x) OR (a = x AND b > y) OR ..., so mixed
    directions work. A NULL counts as larger than every value (PostgreSQL's own rule, and the
    NULLS LAST / NULLS FIRST given in `_order`), so a nullable column pages correctly."""
    condition: Q | None = None
    equal = Q()
    for (name, descending), value in zip(fields, values, strict=True):
        nullable = model._meta.get_field(name).null
        if descending:
            step = Q(**{f"{name}__lt": value}) if value is not None else None
            if value is None and nullable:
                step = Q(**{f"{name}__isnull": False})
        else:
            step = None if value is None else Q(**{f"{name}__gt": value})
            if step is not None and nullable:
                step |= Q(**{f"{name}__isnull": True})
        if step is not None:
            term = equal & step
            condition = term if condition is None else condition | term
        equal &= Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})
    return condition


def _directions(ordering: Sequence[str]) -> list[tuple[str, bool]]:
    """("-opened_at", "-id") as [("opened_at", True), ("id", True)]: (name, descending) pairs."""
    return [(name.lstrip("-"), name.startswith("-")) for name in ordering]


def _order(model: Any, fields: Sequence[tuple[str, bool]]) -> list[Any]:
    """ORDER BY with NULL as the largest value on every database (SQLite would put it first)."""
    ordering = []
    for name, descending in fields:
        if model._meta.get_field(name).null:
            ordering.append(F(name).desc(nulls_first=True) if descending else F(name).asc(nulls_last=True))
        else:
            ordering.append(F(name).desc() if descending else F(name).asc())
    return ordering


def keyset_page(
    queryset: QuerySet[Any],
    *,
    ordering: Sequence[str],
    after: str | None = None,
    before: str | None = None,
    size: int = 25,
) -> KeysetPage:
    """A page of `queryset` in `ordering` (which must end in a unique field) after or before a cursor.

    One query of `size + 1` rows whatever the list's length: no COUNT, no OFFSET. A cursor that
    does not decode, or one whose page comes back empty (its rows have gone), shows the first page.
    """
    model = queryset.model
    fields = _directions(ordering)
    names = [name for name, _ in fields]
    reverse = [(name, not descending) for name, descending in fields]
    if before and (values := _decode_cursor(model, before, names)) is not None:
        condition = _beyond(model, reverse, values)
        rows = list(
            (queryset.filter(condition) if condition else queryset.none()).order_by(*_order(model, reverse))[
                : size + 1
            ]
        )
        if rows:
            more = len(rows) > size
            rows = rows[:size][::-1]
            return KeysetPage(
                rows=rows,
                next_cursor=_encode_cursor(rows[-1], names),
                previous_cursor=_encode_cursor(rows[0], names) if more else None,
                position="previous page",
            )
    elif after and (values := _decode_cursor(model, after, names)) is not None:
        condition = _beyond(model, fields, values)
        rows = list(
            (queryset.filter(condition) if condition else queryset.none()).order_by(*_order(model, fields))[
                : size + 1
            ]
        )
        if rows:
            return KeysetPage(
                rows=rows[:size],
                next_cursor=_encode_cursor(rows[size - 1], names) if len(rows) > size else None,
                previous_cursor=_encode_cursor(rows[0], names),
                position="next page",
            )
    rows = list(queryset.order_by(*_order(model, fields))[: size + 1])
    return KeysetPage(
        rows=rows[:size],
        next_cursor=_encode_cursor(rows[size - 1], names) if len(rows) > size else None,
        previous_cursor=None,
        position="first page",
    )


def my_cases(*, user: Any, filters: CaseFilters | None = None) -> QuerySet[Case]:
    """The caseworker's own cases."""
    filters = filters or CaseFilters()
    return case_list_for_user(user=user, filters=filters).filter(owner_id=user.pk)


def closures_awaiting_approval(*, user: Any) -> QuerySet[Case]:
    """Cases asking to close in organisations the user manages."""
    from waymark.accounts.access import organisation_ids_with_role
    from waymark.accounts.roles import Role

    managed = organisation_ids_with_role(user, [Role.PROVIDER_MANAGER])
    return (
        _base(Case.objects.visible_to(user))
        .select_related("closure_requested_by")
        .filter(status=Case.Status.CLOSURE_REQUESTED, organisation_id__in=managed)
        .order_by("updated_at")
    )


def overdue_first_contacts(*, user: Any, today: date | None = None) -> QuerySet[Case]:
    """Open cases whose referral's first-contact deadline has passed with no contact made."""
    today = today or timezone.localdate()
    return (
        _base(Case.objects.visible_to(user))
        .filter(
            status__in=Case.OPEN_STATUSES,
            first_contact_made_at__isnull=True,
            first_contact_due__lt=today,
        )
        .order_by("first_contact_due", "id")
    )


def case_get(*, user: Any, public_id: UUID) -> Case:
    """One case the user may see, or 404 whether or not it exists."""
    return get_visible_or_404(
        Case.objects.select_related("service", "team", "owner", "person", "referral", "organisation"),
        user=user,
        public_id=public_id,
    )


def case_get_for_token(*, token: Any, public_id: UUID) -> Case | None:
    """One case an API token's organisation may read, or None."""
    return (
        _base(Case.objects.visible_to_token(token))
        .select_related("organisation")
        .filter(public_id=public_id)
        .first()
    )


def case_list_for_token(*, token: Any, filters: CaseFilters | None = None) -> QuerySet[Case]:
    """Cases an API token's organisation may read."""
    return _apply_filters(_base(Case.objects.visible_to_token(token)), filters or CaseFilters())


def case_display_name(case: Case) -> str:
    """What a list shows for the person: the case code where the service asks for pseudonymous
    lists, and always for perpetrator programmes' linked victims (never shown)."""
    if case.service.pseudonymous_lists:
        return case.reference
    return case.person.preferred_name or case.person.full_name or case.person.code


# --- the case page --------------------------------------------------------------------------


@dataclass(frozen=True)
class VictimSafetyStatus:
    """All perpetrator programme staff learn about the associated victim's case: no personal fields."""

    is_open: bool
    has_safety_plan: bool
    safety_plan_review_due: date | None
    risk_level: str | None


def victim_safety_status(*, case: Case) -> VictimSafetyStatus | None:
    """The safety status of a perpetrator case's linked victim case, or None if not linked.

    Reads only status columns of the victim's case and its safety plan (`values()`), so no
    name, contact detail or note of the victim is ever loaded for the page or API.
    """
    if case.victim_case_id is None:
        return None
    row = Case.objects.filter(pk=case.victim_case_id).values(
        "status", "safety_plan__needed", "safety_plan__review_due"
    )[0]
    return VictimSafetyStatus(
        is_open=row["status"] in Case.OPEN_STATUSES,
        has_safety_plan=bool(row["safety_plan__needed"]),
        safety_plan_review_due=row["safety_plan__review_due"],
        risk_level=_risk_level(case.victim_case_id),
    )


def _risk_level(case_id: int) -> str | None:
    """The victim's current risk level from the risk app (`risk_assessment_latest`), if present."""
    try:
        latest_of = import_string("waymark.risk.selectors.risk_assessment_latest")
    except ImportError:
        return None
    latest = latest_of(case=Case.objects.only("pk").get(pk=case_id))
    if latest is None or not getattr(latest, "final_level", ""):
        return None
    return str(latest.get_final_level_display())


@dataclass
class CaseSections:
    """Everything the case page shows, fetched for one case the reader may already see."""

    needs_assessment: NeedsAssessment | None
    goals: list[Any]
    safety_plan: Any
    activities: list[Any]
    consents: list[ConsentRecord]
    onward_referrals: list[OnwardReferral]
    outcome_readings: list[Any]
    hate_crime: Any
    disclosure_requests: list[DisclosureRequest]
    victim_safety: VictimSafetyStatus | None
    history: list[Any]


def case_sections(*, case: Case) -> CaseSections:
    """The case page's sections (the caller got `case` through `case_get`)."""
    assessment = case.needs_assessments.select_related("by").prefetch_related("items__domain").first()
    return CaseSections(
        needs_assessment=assessment,
        goals=list(case.goals.select_related("domain").order_by("created_at")),
        safety_plan=_one(case, "safety_plan"),
        activities=list(case.activities.select_related("by")[:50]),
        consents=list(case.consents.select_related("recorded_by").order_by("-at")),
        onward_referrals=list(case.onward_referrals.select_related("to_service__organisation")),
        outcome_readings=list(
            case.outcome_readings.select_related("measure").order_by("measure__order", "at")
        ),
        hate_crime=_one(case, "hate_crime"),
        disclosure_requests=list(case.disclosure_requests.all()),
        victim_safety=victim_safety_status(case=case),
        history=list(case.history.select_related("history_user").order_by("-history_date")[:20]),
    )


def _one(case: Case, name: str) -> Any:
    """A one-to-one relation's row, or None if there is none yet."""
    try:
        return getattr(case, name)
    except ObjectDoesNotExist:
        return None


def needs_domains() -> QuerySet[NeedsDomain]:
    """The areas of need assessed now."""
    return NeedsDomain.objects.filter(is_active=True).order_by("order", "label")


def outcome_measures_for(*, case: Case) -> QuerySet[OutcomeMeasure]:
    """The measures of the frameworks the case's service uses."""
    return OutcomeMeasure.objects.filter(framework__services=case.service).select_related("framework")


def transfer_destinations(*, case: Case) -> QuerySet[Service]:
    """Active Waymark services a case can be referred or transferred to."""
    return (
        Service.objects.filter(is_active=True, organisation__is_active=True)
        .exclude(pk=case.service_id)
        .select_related("organisation")
        .order_by("organisation__name", "name")
    )


# --- onward referrals and disclosure register -------------------------------------------------


def onward_referral_get(*, user: Any, public_id: UUID) -> OnwardReferral:
    """One onward referral the user may see (on their case, or sent to a service they manage)."""
    return get_visible_or_404(
        OnwardReferral.objects.select_related("case__service", "to_service__organisation", "access_grant"),
        user=user,
        public_id=public_id,
    )


def incoming_onward_referrals(*, user: Any) -> QuerySet[OnwardReferral]:
    """Referrals and transfers sent to services the user manages, awaiting an answer first."""
    from waymark.accounts.access import organisation_ids_with_role
    from waymark.accounts.roles import Role

    managed = organisation_ids_with_role(user, [Role.PROVIDER_MANAGER])
    return (
        OnwardReferral.objects.visible_to(user)
        .filter(to_service__organisation_id__in=managed)
        .exclude(status=OnwardReferral.Status.DRAFT)
        .select_related("case__service__organisation", "to_service")
        .order_by("status", "-sent_at")
    )


def disclosure_register(*, user: Any) -> QuerySet[DisclosureRequest]:
    """Disclosure requests the user may see, pending first."""
    return (
        DisclosureRequest.objects.visible_to(user)
        .select_related("case__service", "decided_by")
        .order_by("decided_at", "-received_at")
    )


def disclosure_get(*, user: Any, public_id: UUID) -> DisclosureRequest:
    """One disclosure request the user may see, or 404."""
    return get_visible_or_404(
        DisclosureRequest.objects.select_related("case__service", "case__organisation", "decided_by"),
        user=user,
        public_id=public_id,
    )


# --- risk lists (from the risk app, when it offers them) ---------------------------------------

# The risk app's lists: each `(*, user) -> QuerySet` of rows with a `case` (risk assessments due
# for review, open "MARAC referral due" items), already narrowed to what the user may see.
RISK_LISTS = {
    "risk_reviews": "waymark.risk.selectors.risk_reviews_due",
    "marac": "waymark.risk.selectors.marac_referrals_due",
}


def risk_list(*, name: str, user: Any) -> QuerySet[Case] | None:
    """The cases on one of the risk app's lists (through `visible_to`), or None if it has no such list."""
    try:
        selector = import_string(RISK_LISTS[name])
    except ImportError:
        return None
    rows = selector(user=user)
    return _base(Case.objects.visible_to(user).filter(pk__in=rows.values("case_id")))


def risk_lists_available() -> dict[str, bool]:
    """Which of the risk app's lists exist, so pages and links can hide the others."""
    available = {}
    for name, path in RISK_LISTS.items():
        try:
            import_string(path)
        except ImportError:
            available[name] = False
        else:
            available[name] = True
    return available


# --- home ---------------------------------------------------------------------------------------


def home_panels_for_user(*, user: Any) -> list[HomePanel]:
    """For caseworkers and managers: their open cases and what waits for them."""
    if not user.has_perm("cases.view_cases"):
        return []
    visible = Case.objects.visible_to(user)
    mine = visible.filter(owner_id=user.pk).aggregate(
        open=Count("id", filter=Q(status__in=Case.OPEN_STATUSES)),
        on_hold=Count("id", filter=Q(status=Case.Status.ON_HOLD)),
    )
    rows = [("My open cases", f"{mine['open']:,}"), ("Of which on hold", f"{mine['on_hold']:,}")]
    links = [("My cases", reverse("cases:my_cases")), ("Team queue", reverse("cases:team_queue"))]
    if user.has_perm("cases.manage_cases"):
        rows.append(("Closures awaiting approval", f"{closures_awaiting_approval(user=user).count():,}"))
        rows.append(("Overdue first contacts", f"{overdue_first_contacts(user=user).count():,}"))
        rows.append(
            (
                "Incoming referrals to answer",
                f"{incoming_onward_referrals(user=user).filter(status='sent').count():,}",
            )
        )
        links.append(("Closures awaiting approval", reverse("cases:closures")))
        links.append(("Overdue first contacts", reverse("cases:overdue_first_contacts")))
    return [HomePanel(title="Cases", rows=rows, links=links)]
