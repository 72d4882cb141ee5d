"""Case read API: the cases a caller may see, and one case.

A person sees exactly what `Case.objects.visible_to` gives them on the site; an API token
of a provider reads its organisation's cases (`visible_to_token`). The OPCC, boards and
forces get an empty list and 404s. Every call is written to the access log. No names or
contact details are returned: people are identified by their non-identifying code.

No `from __future__ import annotations` here: ninja reads the operations' annotations at
import time to build their parameters.
"""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record
from waymark.cases import selectors
from waymark.cases.models import Case

from ..errors import ERROR_RESPONSES, ApiError
from ..models import ApiToken
from ..pagination import MAX_OFFSET
from ..security import caller_token, ensure_caller_may

router = Router(tags=["Cases"])

MAX_PAGE_SIZE = 100


class ServiceRef(Schema):
    """The service a case is with."""

    id: UUID
    name: str
    type: str


class VictimSafetyOut(Schema):
    """For a perpetrator programme case: the linked victim's safety status, and nothing else."""

    partner_support_open: bool
    has_safety_plan: bool
    safety_plan_review_due: date | None
    risk_level: str | None


class CaseOut(Schema):
    """A case, by its public id; the person by their code only."""

    id: UUID
    reference: str
    person_code: str
    service: ServiceRef
    status: str
    status_label: str
    support_tier: str
    opened_at: datetime
    closed_at: datetime | None
    closure_reason: str
    owner: str | None = Field(None, description="The allocated caseworker's name.")
    team: str | None
    first_contact_due: date | None
    first_contact_made_at: datetime | None
    victim_safety: VictimSafetyOut | None = Field(
        None, description="Perpetrator programme cases only: the associated victim's safety status."
    )


class CasePage(Schema):
    """One page of cases."""

    items: list[CaseOut]
    count: int


class CaseQuery(Schema):
    """Narrow and page the list."""

    status: str = Field("open", description="open, closed, all, or one case status.")
    service: UUID | None = Field(None, description="A service's public id.")
    reference: str = ""
    limit: int = Field(25, ge=1, le=MAX_PAGE_SIZE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


def _case_out(case: Case, *, with_safety: bool) -> dict[str, Any]:
    safety = selectors.victim_safety_status(case=case) if with_safety else None
    return {
        "id": case.public_id,
        "reference": case.reference,
        "person_code": case.person.code,
        "service": {"id": case.service.public_id, "name": case.service.name, "type": case.service.type},
        "status": case.status,
        "status_label": case.get_status_display(),
        "support_tier": case.support_tier,
        "opened_at": case.opened_at,
        "closed_at": case.closed_at,
        "closure_reason": case.closure_reason,
        "owner": case.owner.full_name if case.owner else None,
        "team": case.team.name if case.team else None,
        "first_contact_due": case.referral.first_contact_due if case.referral else None,
        "first_contact_made_at": case.first_contact_made_at,
        "victim_safety": (
            {
                "partner_support_open": safety.is_open,
                "has_safety_plan": safety.has_safety_plan,
                "safety_plan_review_due": safety.safety_plan_review_due,
                "risk_level": safety.risk_level,
            }
            if safety
            else None
        ),
    }


def _log(request: HttpRequest, **kwargs: Any) -> None:
    token = caller_token(request)
    access_log_record(
        actor=None if token else request.user,
        actor_label=f"API token {token.name} ({token.prefix})" if token else "",
        request=request,
        **kwargs,
    )


@router.get("/cases", response={200: CasePage, **ERROR_RESPONSES}, summary="Cases the caller may see")
def case_list(request: HttpRequest, query: Query[CaseQuery]) -> dict[str, Any]:
    """Cases the caller may see, newest first. Needs the `read` scope (a token) or casework (a person)."""
    # A member without casework gets no rows (empty list, 404), as the OPCC must.
    ensure_caller_may(request, scope=ApiToken.Scope.READ, permission="accounts.use_waymark")
    filters = selectors.CaseFilters(
        status=query.status, service=str(query.service or ""), reference=query.reference
    )
    token = caller_token(request)
    if token is not None:
        cases = selectors.case_list_for_token(token=token, filters=filters)
    else:
        cases = selectors.case_list_for_user(user=request.user, filters=filters)
    rows = list(cases[query.offset : query.offset + query.limit])
    _log(
        request,
        action=AccessLog.Action.LIST,
        record_label="API case list",
        detail=f"offset {query.offset}: " + ", ".join(c.reference for c in rows),
    )
    return {"items": [_case_out(c, with_safety=False) for c in rows], "count": cases.count()}


@router.get("/cases/{case_id}", response={200: CaseOut, **ERROR_RESPONSES}, summary="One case")
def case_get(request: HttpRequest, case_id: UUID) -> dict[str, Any]:
    """One case the caller may see; 404 whether or not it exists otherwise. The read is access-logged."""
    # A member without casework gets no rows (empty list, 404), as the OPCC must.
    ensure_caller_may(request, scope=ApiToken.Scope.READ, permission="accounts.use_waymark")
    token = caller_token(request)
    case: Case | None
    if token is not None:
        case = selectors.case_get_for_token(token=token, public_id=case_id)
    else:
        case = (
            selectors.case_list_for_user(user=request.user, filters=selectors.CaseFilters(status="all"))
            .filter(public_id=case_id)
            .first()
        )
    if case is None:
        raise ApiError(404, "No such case.")
    _log(request, action=AccessLog.Action.VIEW, obj=case)
    return _case_out(case, with_safety=case.service.type == "perpetrator")
