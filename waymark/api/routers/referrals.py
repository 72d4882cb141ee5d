"""The referrals API: the police referral feed, and the status of a referral for its referrer.

Documented for forces in docs/formats/police-referral-api.md. No `from __future__ import
annotations` here: ninja reads the operations' annotations at import time.
"""

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import field_validator
from pydantic_core import PydanticCustomError

from waymark.accounts.roles import OrganisationType
from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record
from waymark.referrals.models import ContactMethod, Person, Referral
from waymark.referrals.services import (
    NO_CONSENT_MESSAGE,
    ContactDetails,
    PersonDetails,
    ReferralDetails,
    referral_create,
    service_for_referral,
)

from ..errors import ERROR_RESPONSES, ApiError, ErrorOut
from ..models import ApiToken
from ..security import caller_token

router = Router(tags=["Referrals"])


class PersonIn(Schema):
    """The person referred. Names and date of birth are stored encrypted."""

    full_name: str = Field(..., min_length=1, max_length=200, pattern=r"\S")
    preferred_name: str = Field("", max_length=200)
    date_of_birth: date | None = None
    age_band: Literal[tuple(Person.AgeBand.values)] = Person.AgeBand.NOT_KNOWN  # type: ignore[valid-type]
    sex: Literal[tuple(Person.Sex.values)] = Person.Sex.NOT_KNOWN  # type: ignore[valid-type]


class ContactMethodIn(Schema):
    """One way to reach the person. Every safe_* flag defaults to false: unsafe unless the force says so."""

    kind: Literal[tuple(ContactMethod.Kind.values)]  # type: ignore[valid-type]
    value: str = Field(..., min_length=1, max_length=500, pattern=r"\S")
    is_preferred: bool = False
    safe_to_call: bool = False
    safe_voicemail: bool = False
    safe_text: bool = False
    safe_email: bool = False
    safe_post: bool = False
    safe_times: str = Field("", max_length=200)
    code_word: str = Field("", max_length=100)
    notes: str = Field("", max_length=2000)


class ReferralIn(Schema):
    """A referral from the force's feed. `external_reference` is the force's own id: sending the
    same reference with the same content again returns the existing referral (200)."""

    service: str = Field(..., min_length=1, max_length=200, description="The service's id or exact name.")
    external_reference: str = Field(..., min_length=1, max_length=100, pattern=r"\S")
    # Only "given" is accepted: the schema says so, and anything else gets the specific reason.
    consent: str = Field(..., json_schema_extra={"enum": [Referral.Consent.GIVEN.value]})
    person: PersonIn
    contact_methods: list[ContactMethodIn] = Field(default_factory=list, max_length=10)
    reason: str = Field("", max_length=5000)
    crime_reference: str = Field("", max_length=50)
    officer_name: str = Field("", max_length=200)
    officer_contact: str = Field("", max_length=300)

    @field_validator("consent")
    @classmethod
    def _consent_given(cls, value: str) -> str:
        if value != Referral.Consent.GIVEN:
            raise PydanticCustomError("no_consent", NO_CONSENT_MESSAGE)
        return value


class ReferralStatusOut(Schema):
    """A referral's status, as its referrer sees it: never the person's or the case's details."""

    id: UUID
    reference: str
    external_reference: str
    service: str
    status: str
    status_label: str
    received_at: datetime
    first_contact_due: date
    outcome_at: datetime | None


def _status_out(referral: Referral) -> dict[str, Any]:
    return {
        "id": referral.public_id,
        "reference": referral.reference,
        "external_reference": referral.external_reference,
        "service": referral.service.name,
        "status": referral.status,
        "status_label": referral.get_status_display(),
        "received_at": referral.received_at,
        "first_contact_due": referral.first_contact_due,
        "outcome_at": referral.outcome_at,
    }


def _police_token(request: HttpRequest) -> ApiToken:
    token = caller_token(request)
    if token is None:
        raise ApiError(403, "Send referrals with the force's API token, not a signed-in session.")
    if not token.has_scope(ApiToken.Scope.REFERRALS_WRITE):
        raise ApiError(
            403, "This API token does not have the 'referrals:write' scope.", code="insufficient_scope"
        )
    if token.organisation.type != OrganisationType.POLICE_FORCE:
        raise ApiError(403, "Only a police force's token may send referrals through this endpoint.")
    return token


@router.post(
    "/referrals",
    response={200: ReferralStatusOut, 201: ReferralStatusOut, 409: ErrorOut, **ERROR_RESPONSES},
    summary="Send a referral from the police feed",
)
def referral_receive(request: HttpRequest, body: ReferralIn) -> Any:
    """Create a referral into a service. Needs a police force's token with `referrals:write`.

    Idempotent on `external_reference`: the same reference with the same content returns the
    existing referral with 200; different content is a 409 and changes nothing.
    """
    token = _police_token(request)
    try:
        service = service_for_referral(body.service)
    except DjangoValidationError as error:
        # The service is a record the body names; like any record that is not there, a 404.
        raise ApiError(
            404,
            error.messages[0],
            details=[{"field": "service", "message": m, "type": "not_found"} for m in error.messages],
        ) from None
    details = ReferralDetails(
        service=service,
        source=Referral.Source.POLICE_FEED,
        consent=body.consent,
        person=PersonDetails(**body.person.dict()),
        contact_methods=tuple(ContactDetails(**m.dict()) for m in body.contact_methods),
        reason=body.reason,
        crime_reference=body.crime_reference,
        external_reference=body.external_reference.strip(),
        referrer_organisation=token.organisation,
        referrer_name=body.officer_name,
        referrer_contact=body.officer_contact,
    )
    try:
        referral, created = referral_create(by=None, details=details, token=token, request=request)
    except PermissionDenied as error:
        raise ApiError(403, str(error)) from None
    except DjangoValidationError as error:
        messages = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        reused = "external_reference" in messages and any(
            "already used" in m for m in messages["external_reference"]
        )
        raise ApiError(
            409 if reused else 422,
            messages["external_reference"][0] if reused else "The request is not valid; see details.",
            code="conflict" if reused else "validation_error",
            details=[
                {"field": None if name == "__all__" else name, "message": m, "type": "invalid"}
                for name, ms in messages.items()
                for m in ms
            ],
        ) from None
    return Status(201 if created else 200, _status_out(referral))


@router.get(
    "/referrals/{referral_id}",
    response={200: ReferralStatusOut, **ERROR_RESPONSES},
    summary="The status of a referral",
)
def referral_status(request: HttpRequest, referral_id: UUID) -> Any:
    """Status and outcome of a referral, for the organisation that sent it (or staff who may see it).

    Never the person's or the case's details. Every read is written to the access log.
    """
    token = caller_token(request)
    referral: Referral | None
    if token is not None:
        referral = (
            Referral.objects.select_related("service")
            .filter(public_id=referral_id, referrer_organisation_id=token.organisation_id)
            .first()
        )
    else:
        referral = (
            Referral.objects.visible_to(request.user)
            .select_related("service")
            .filter(public_id=referral_id)
            .first()
        )
    if referral is None:
        raise ApiError(404, "Not found.")
    access_log_record(
        actor=None if token else request.user,
        action=AccessLog.Action.VIEW,
        obj=referral,
        request=request,
        actor_label=f"API token {token.name}" if token else "",
        detail="Referral status (API)",
    )
    return _status_out(referral)
