"""Who is calling, and the directory of organisations and services.

No `from __future__ import annotations` here: ninja reads the operations' annotations at
import time to build their parameters.
"""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from pydantic import JsonValue, field_validator

from waymark.accounts.access import active_memberships
from waymark.accounts.models import Organisation, Service

from ..errors import ERROR_RESPONSES
from ..models import ApiToken
from ..pagination import LimitOffsetPagination
from ..security import caller_token, ensure_caller_may
from ..selectors import organisation_directory_for_caller, service_directory_for_caller

router = Router(tags=["Accounts"])

# A page of the directory; more than this is a sign of a client that should filter.
MAX_PAGE_SIZE = 500

# Schemas name records by their public UUID as `id`. Each resolves `id` explicitly, so a
# schema can never fall back to the integer primary key, which would leak counts.


class OrganisationRef(Schema):
    """An organisation, named."""

    id: UUID
    name: str

    @staticmethod
    def resolve_id(obj: Organisation) -> UUID:
        return obj.public_id


class RoleOut(Schema):
    """A role the person holds in one organisation."""

    organisation: OrganisationRef
    role: str
    role_label: str


class UserOut(Schema):
    """The signed-in person."""

    id: UUID
    name: str
    email: str
    roles: list[RoleOut]


class TokenOut(Schema):
    """The API token the call was made with (never its secret)."""

    id: UUID
    name: str
    prefix: str
    organisation: OrganisationRef
    scopes: list[str]
    expires_at: datetime | None


class MeOut(Schema):
    """Who the API thinks is calling: a person (`kind` "user") or a token (`kind` "token")."""

    kind: Literal["user", "token"]
    user: UserOut | None = None
    token: TokenOut | None = None


class OrganisationOut(Schema):
    """An organisation in the directory."""

    id: UUID
    name: str
    short_name: str
    type: str
    type_label: str

    @staticmethod
    def resolve_id(obj: Organisation) -> UUID:
        return obj.public_id

    @staticmethod
    def resolve_type_label(obj: Organisation) -> str:
        return obj.get_type_display()


class ServiceOut(Schema):
    """A service in the directory: where a referral can go."""

    id: UUID
    name: str
    type: str
    type_label: str
    description: str
    first_contact_working_days: int
    organisation: OrganisationRef

    @staticmethod
    def resolve_id(obj: Service) -> UUID:
        return obj.public_id

    @staticmethod
    def resolve_type_label(obj: Service) -> str:
        return obj.get_type_display()


class ServiceFilters(Schema):
    """Narrow the service directory."""

    organisation: UUID | None = Field(None, description="The public id of the organisation that runs it.")
    # A plain string checked below, rather than the Service.Type enum, which would appear
    # in the schema under the bare name "Type"; the schema still lists the allowed values.
    type: str | None = Field(
        None,
        description=f"One of: {', '.join(Service.Type.values)}.",
        json_schema_extra={"enum": list[JsonValue](Service.Type.values)},
    )

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str | None) -> str | None:
        if value is not None and value not in Service.Type.values:
            raise ValueError(f"Not a service type; use one of: {', '.join(Service.Type.values)}.")
        return value


def _token_out(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.public_id,
        "name": token.name,
        "prefix": token.prefix,
        "organisation": token.organisation,
        "scopes": token.scopes,
        "expires_at": token.expires_at,
    }


def _user_out(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    return {
        "id": user.public_id,  # type: ignore[union-attr]
        "name": user.full_name,  # type: ignore[union-attr]
        "email": user.email,  # type: ignore[union-attr]
        "roles": [
            {
                "organisation": m.organisation,
                "role": m.role,
                "role_label": m.get_role_display(),
            }
            for m in active_memberships(user)
        ],
    }


@router.get("/me", response={200: MeOut, **ERROR_RESPONSES}, summary="Who is calling")
def me_get(request: HttpRequest) -> dict[str, Any]:
    """The signed-in person and their roles, or the API token with its organisation and scopes.

    Only the caller's own details, so the call is not written to the access log.
    """
    token = caller_token(request)
    if token is not None:
        return {"kind": "token", "token": _token_out(token)}
    return {"kind": "user", "user": _user_out(request)}


@router.get(
    "/organisations",
    response={200: list[OrganisationOut], **ERROR_RESPONSES},
    summary="The directory of organisations",
)
@paginate(LimitOffsetPagination, max_limit=MAX_PAGE_SIZE)
def organisation_list(request: HttpRequest) -> Any:
    """Active organisations using Waymark, by name. Needs the `read` scope."""
    ensure_caller_may(request, scope=ApiToken.Scope.READ, permission="accounts.view_directory")
    return organisation_directory_for_caller(caller=request.auth)  # type: ignore[attr-defined]


@router.get(
    "/services",
    response={200: list[ServiceOut], **ERROR_RESPONSES},
    summary="The directory of services",
)
@paginate(LimitOffsetPagination, max_limit=MAX_PAGE_SIZE)
def service_list(request: HttpRequest, filters: Query[ServiceFilters]) -> Any:
    """Active services of active organisations, by organisation and name. Needs the `read` scope."""
    ensure_caller_may(request, scope=ApiToken.Scope.READ, permission="accounts.view_directory")
    return service_directory_for_caller(
        caller=request.auth,  # type: ignore[attr-defined]
        organisation=filters.organisation,
        type=filters.type,
    )
