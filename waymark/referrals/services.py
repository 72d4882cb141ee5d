"""Every write to referrals: intake from the three routes, triage, duplicate review, outreach events.

Contact attempts are written in `contact.py`, beside the safe-contact rules they obey.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from waymark.accounts.access import active_memberships
from waymark.accounts.models import Organisation, Service, Team
from waymark.accounts.roles import OrganisationType, Role
from waymark.accounts.scope import casework_scope
from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record
from waymark.core.permissions import ensure_can
from waymark.core.workdays import add_working_days

from .models import ContactAttempt, ContactMethod, OutreachEvent, Person, Referral, new_code

if TYPE_CHECKING:
    from waymark.api.models import ApiToken

Source = Referral.Source
Status = Referral.Status

# Services the public may refer themselves to from /get-support/.
SELF_REFERRAL_SERVICE_TYPES = (Service.Type.HATE_CRIME, Service.Type.GENERAL)

NO_CONSENT_MESSAGE = (
    "The person has not consented to this referral: a service cannot accept it without consent"
)

_ROUTE_OF_SOURCE: dict[str, str] = {
    Source.POLICE_FEED: Referral.Route.POLICE,
    Source.POLICE_UPLOAD: Referral.Route.POLICE,
    Source.PARTNER_FORM: Referral.Route.AGENCY,
    Source.SELF_WEB: Referral.Route.SELF,
    Source.SELF_OUTREACH: Referral.Route.SELF,
    Source.STAFF_ENTERED: Referral.Route.SELF,
}


@dataclass(frozen=True)
class PersonDetails:
    """Who is referred. The name and date of birth are stored encrypted."""

    full_name: str
    preferred_name: str = ""
    date_of_birth: date | None = None
    age_band: str = Person.AgeBand.NOT_KNOWN
    sex: str = Person.Sex.NOT_KNOWN


@dataclass(frozen=True)
class ContactDetails:
    """One way to reach the person, and which uses of it are safe (all unsafe unless said)."""

    kind: str
    value: str
    is_preferred: bool = False
    safe_to_call: bool = False
    safe_voicemail: bool = False
    safe_text: bool = False
    safe_email: bool = False
    safe_post: bool = False
    safe_times: str = ""
    code_word: str = ""
    notes: str = ""


@dataclass(frozen=True)
class ReferralDetails:
    """Everything a referral says, whichever route it came by."""

    service: Service | None
    source: str
    consent: str
    person: PersonDetails
    contact_methods: tuple[ContactDetails, ...] = ()
    reason: str = ""
    crime_reference: str = ""
    external_reference: str = ""
    referrer_organisation: Organisation | None = None
    referrer_name: str = ""
    referrer_contact: str = ""
    is_safe_to_contact: str = "not_known"
    outreach_event: OutreachEvent | None = None
    received_at: datetime | None = field(default=None, compare=False)

    def content_digest(self) -> str:
        """A keyed hash of the content, so a re-sent referral can be told from a changed one
        without keeping the personal data in clear."""
        content = asdict(self)
        content.pop("received_at")
        content["service"] = str(self.service.public_id) if self.service else None
        content["referrer_organisation"] = (
            str(self.referrer_organisation.public_id) if self.referrer_organisation else None
        )
        content["outreach_event"] = str(self.outreach_event.public_id) if self.outreach_event else None
        canonical = json.dumps(content, sort_keys=True, default=str)
        return hmac.new(settings.SECRET_KEY.encode(), canonical.encode(), hashlib.sha256).hexdigest()


def normalise_name(name: str) -> str:
    """Lower case, accents and punctuation removed, single spaces: "  O'Brien,  Seán " -> "obrien sean"."""
    decomposed = unicodedata.normalize("NFKD", name)
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    letters = re.sub(r"[^\w\s]", "", letters.casefold())
    return " ".join(letters.split())


def identity_key_for(full_name: str, date_of_birth: date | None) -> str:
    """HMAC-SHA256 (keyed with SECRET_KEY) of "normalised name|ISO date of birth"; "" with no name.

    Finds possible duplicates without decrypting anyone. Changing SECRET_KEY changes every key,
    so after a key rotation old people no longer match new referrals until re-keyed.
    """
    name = normalise_name(full_name)
    if not name:
        return ""
    message = f"{name}|{date_of_birth.isoformat() if date_of_birth else ''}"
    return hmac.new(settings.SECRET_KEY.encode(), message.encode(), hashlib.sha256).hexdigest()


# --- validation -------------------------------------------------------------------------------


def _add(errors: dict[str, list[str]], key: str, message: str) -> None:
    errors.setdefault(key, []).append(message)


def service_for_referral(identifier: str, *, self_referral: bool = False) -> Service:
    """The active service named by its public id or exact name; ValidationError (key "service") if none."""
    identifier = (identifier or "").strip()
    services = Service.objects.filter(is_active=True, organisation__is_active=True)
    if self_referral:
        services = services.filter(type__in=SELF_REFERRAL_SERVICE_TYPES)
    found: Service | None = None
    if identifier:
        try:
            found = services.filter(public_id=identifier).first()
        except ValidationError:
            found = None
        if found is None:
            matches = list(services.filter(name=identifier)[:2])
            if len(matches) > 1:
                raise ValidationError(
                    {"service": f"More than one service is called '{identifier}': use its id instead."}
                )
            found = matches[0] if matches else None
    if found is None:
        raise ValidationError(
            {"service": f"There is no active service '{identifier}' taking referrals: check the directory."}
        )
    return found


def referral_validate(details: ReferralDetails) -> dict[str, list[str]]:
    """Every problem with `details`, by field; empty if it can be created (or is a re-send)."""
    errors: dict[str, list[str]] = {}
    service = details.service
    if service is None:
        _add(errors, "service", "Choose the service to refer to.")
    elif not service.is_active or not service.organisation.is_active:
        _add(errors, "service", f"{service.name} is not taking referrals: it is not active.")
    elif details.source == Source.SELF_WEB and service.type not in SELF_REFERRAL_SERVICE_TYPES:
        _add(errors, "service", f"{service.name} does not take self-referrals.")
    if details.source not in _ROUTE_OF_SOURCE:
        _add(errors, "source", "Unknown referral source.")
    if details.consent != Referral.Consent.GIVEN:
        _add(errors, "consent", NO_CONSENT_MESSAGE)
    if not details.person.full_name.strip():
        _add(errors, "full_name", "Enter the name of the person being referred.")
    if details.person.date_of_birth and details.person.date_of_birth > timezone.localdate():
        _add(errors, "date_of_birth", "The date of birth must be in the past.")
    if details.person.age_band not in Person.AgeBand.values:
        _add(errors, "age_band", "Choose an age band from the list.")
    if details.person.sex not in Person.Sex.values:
        _add(errors, "sex", "Choose a value for sex from the list.")
    for method in details.contact_methods:
        if method.kind not in ContactMethod.Kind.values:
            _add(errors, "contact_methods", f"'{method.kind}' is not a kind of contact method.")
        elif not method.value.strip():
            label = ContactMethod.Kind(method.kind).label.lower()
            _add(errors, "contact_methods", f"Give the details for the {label} contact method.")
    if details.source in (Source.POLICE_FEED, Source.POLICE_UPLOAD) and not details.external_reference:
        _add(errors, "external_reference", "Give the force's reference for this referral.")
    if (
        details.outreach_event is not None
        and service is not None
        and details.outreach_event.service_id != service.pk
    ):
        _add(errors, "outreach_event", "The event was run by a different service.")
    if details.external_reference and details.referrer_organisation is not None:
        existing = _existing_by_external_reference(details)
        if (
            existing is not None
            and (existing.payload or {}).get("content_digest") != details.content_digest()
        ):
            _add(
                errors,
                "external_reference",
                f"Reference {details.external_reference} was already used by {details.referrer_organisation} "
                "for a referral with different content: a referral cannot be changed by sending it again.",
            )
    return errors


def _existing_by_external_reference(details: ReferralDetails) -> Referral | None:
    # Internal lookup for idempotency, within the referrer's own references; never shown to anyone.
    if not details.external_reference or details.referrer_organisation is None:
        return None
    return Referral.objects.filter(
        referrer_organisation=details.referrer_organisation, external_reference=details.external_reference
    ).first()


def _ensure_may_refer(*, by: Any, details: ReferralDetails, token: ApiToken | None) -> None:
    """Who may send a referral by each route."""
    source = details.source
    referrer = details.referrer_organisation
    memberships = active_memberships(by)
    if source == Source.POLICE_FEED:
        if (
            token is None
            or not token.has_scope("referrals:write")
            or referrer is None
            or token.organisation_id != referrer.pk
            or referrer.type != OrganisationType.POLICE_FORCE
        ):
            raise PermissionDenied(
                "Only a police force's token with the referrals:write scope may send this."
            )
    elif source == Source.POLICE_UPLOAD:
        if (
            referrer is None
            or referrer.type != OrganisationType.POLICE_FORCE
            or not any(m.organisation_id == referrer.pk for m in memberships)
        ):
            raise PermissionDenied("Only a police force's staff may upload its referrals.")
    elif source == Source.PARTNER_FORM:
        if referrer is None or not any(
            m.organisation_id == referrer.pk and m.role in (Role.CASEWORKER, Role.PROVIDER_MANAGER)
            for m in memberships
        ):
            raise PermissionDenied("Only the agency's staff may refer on its behalf.")
    elif source in (Source.STAFF_ENTERED, Source.SELF_OUTREACH):
        scope = casework_scope(by)
        service = details.service
        if (
            service is None
            or scope.is_empty
            or not Service.objects.filter(pk=service.pk)
            .filter(scope.q(organisation="organisation_id", service="id"))
            .exists()
        ):
            raise PermissionDenied("Only the service's own staff may enter a referral for it.")
    # SELF_WEB: anyone, with no account.


@transaction.atomic
def referral_create(
    *,
    by: Any,
    details: ReferralDetails,
    token: ApiToken | None = None,
    request: HttpRequest | None = None,
) -> tuple[Referral, bool]:
    """Create the person, their contact methods and the referral; return (referral, created).

    All or nothing: any problem raises ValidationError keyed by field and writes nothing. A
    referral re-sent by the same referrer with the same external reference and the same content
    returns the existing referral unchanged (created False); different content is an error.
    `possible_duplicate` is set when someone with the same identity key is already known to the
    receiving provider; the flag says nothing about anyone outside that provider.
    """
    _ensure_may_refer(by=by, details=details, token=token)
    errors = referral_validate(details)
    if errors:
        raise ValidationError(errors)
    existing = _existing_by_external_reference(details)
    if existing is not None:
        return existing, False

    service = details.service
    assert service is not None
    organisation = service.organisation
    received_at = details.received_at or timezone.now()
    key = identity_key_for(details.person.full_name, details.person.date_of_birth)
    possible_duplicate = (
        bool(key) and Person.objects.filter(organisation=organisation, identity_key=key).exists()
    )

    person = Person.objects.create(
        organisation=organisation,
        code=new_code("P"),
        full_name=details.person.full_name.strip(),
        preferred_name=details.person.preferred_name.strip() or None,
        date_of_birth=details.person.date_of_birth.isoformat() if details.person.date_of_birth else None,
        identity_key=key,
        age_band=details.person.age_band,
        sex=details.person.sex,
    )
    for method in details.contact_methods:
        ContactMethod.objects.create(
            person=person,
            kind=method.kind,
            value=method.value.strip(),
            is_preferred=method.is_preferred,
            safe_to_call=method.safe_to_call,
            safe_voicemail=method.safe_voicemail,
            safe_text=method.safe_text,
            safe_email=method.safe_email,
            safe_post=method.safe_post,
            safe_times=method.safe_times.strip(),
            code_word=method.code_word.strip() or None,
            notes=method.notes.strip() or None,
        )
    user = by if getattr(by, "is_authenticated", False) else None
    try:
        with transaction.atomic():
            referral = Referral.objects.create(
                reference=new_code("R"),
                service=service,
                organisation=organisation,
                person=person,
                route=_ROUTE_OF_SOURCE[details.source],
                source=details.source,
                referrer_organisation=details.referrer_organisation,
                referrer_user=user,
                referrer_name=details.referrer_name.strip(),
                referrer_contact=details.referrer_contact.strip() or None,
                external_reference=details.external_reference.strip(),
                crime_reference=details.crime_reference.strip(),
                consent=details.consent,
                reason=details.reason.strip() or None,
                received_at=received_at,
                first_contact_due=add_working_days(
                    timezone.localdate(received_at), service.first_contact_working_days
                ),
                possible_duplicate=possible_duplicate,
                outreach_event=details.outreach_event,
                is_safe_to_contact=details.is_safe_to_contact,
                # Only a keyed digest of what was sent: enough to recognise a re-send, and no
                # personal data in clear (the fields themselves are encrypted).
                payload={"content_digest": details.content_digest()},
            )
    except IntegrityError:
        # The same reference arrived twice at once; the other request won.
        again = _existing_by_external_reference(details)
        if again is None:
            raise
        if (again.payload or {}).get("content_digest") != details.content_digest():
            raise ValidationError(
                {"external_reference": f"Reference {details.external_reference} was already used."}
            ) from None
        transaction.set_rollback(True)
        return again, False
    access_log_record(
        actor=user,
        action=AccessLog.Action.CREATE,
        obj=referral,
        request=request,
        actor_label="" if user else (f"API token {token.name}" if token else "Self-referral (public)"),
    )
    return referral, True


# --- triage -----------------------------------------------------------------------------------

# The referral state machine (research §5.6). "contacting" is entered by the first contact
# attempt (contact.contact_attempt_record), never chosen here.
TRIAGE_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.RECEIVED: frozenset(
        {Status.SIGNPOSTED, Status.DUPLICATE, Status.OUT_OF_AREA, Status.UNSAFE_TO_CONTACT}
    ),
    Status.CONTACTING: frozenset(
        {
            Status.ACCEPTED,
            Status.SIGNPOSTED,
            Status.DECLINED,
            Status.UNABLE_TO_CONTACT,
            Status.UNSAFE_TO_CONTACT,
            Status.DUPLICATE,
            Status.OUT_OF_AREA,
        }
    ),
}
TRIAGE_OUTCOMES = (
    Status.ACCEPTED,
    Status.SIGNPOSTED,
    Status.DECLINED,
    Status.UNABLE_TO_CONTACT,
    Status.UNSAFE_TO_CONTACT,
    Status.DUPLICATE,
    Status.OUT_OF_AREA,
)


def _transition_error(referral: Referral, outcome: str) -> str:
    current = referral.status
    if current not in TRIAGE_TRANSITIONS:
        return (
            f"This referral is already closed as {referral.get_status_display().lower()}: "
            "its outcome cannot be changed."
        )
    if current == Status.RECEIVED and outcome in (
        Status.ACCEPTED,
        Status.DECLINED,
        Status.UNABLE_TO_CONTACT,
    ):
        return (
            f"A referral can be marked {Status(outcome).label.lower()} only after trying to contact the "
            "person: record a contact attempt first."
        )
    wanted = Status(outcome).label.lower()
    return f"A {referral.get_status_display().lower()} referral cannot be marked {wanted}."


@transaction.atomic
def referral_triage(
    *,
    by: Any,
    referral: Referral,
    outcome: str,
    notes: str = "",
    signposted_to: str = "",
    owner: Any = None,
    team: Team | None = None,
    referrer_told_safely: bool = False,
    request: HttpRequest | None = None,
) -> Referral:
    """Record the referral's outcome; "accepted" opens the case.

    Guards (ValidationError keyed by field, nothing written): only the transitions in
    TRIAGE_TRANSITIONS; accepted needs contact made; signposted needs where to;
    unsafe to contact needs the referrer told through a safe route (unless self-referred);
    the owner and team must belong to the receiving provider.
    """
    ensure_can(by, "referrals.triage", referral)
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if outcome not in TRIAGE_OUTCOMES:
        raise ValidationError({"outcome": "Choose an outcome."})
    if outcome not in TRIAGE_TRANSITIONS.get(referral.status, frozenset()):
        raise ValidationError({"outcome": _transition_error(referral, outcome)})
    if (
        outcome == Status.ACCEPTED
        and not referral.contact_attempts.filter(outcome=ContactAttempt.Outcome.CONTACT_MADE).exists()
    ):
        raise ValidationError(
            {"outcome": "A referral is accepted only after contact is made with the person: record it first."}
        )
    if outcome == Status.SIGNPOSTED and not signposted_to.strip():
        raise ValidationError({"signposted_to": "Say where the person was signposted to."})
    if (
        outcome == Status.UNSAFE_TO_CONTACT
        and referral.route != Referral.Route.SELF
        and not referrer_told_safely
    ):
        raise ValidationError(
            {
                "referrer_told_safely": "Confirm that the referrer was told through a safe route "
                "(not through the person's own phone, e-mail or address)."
            }
        )
    if owner is not None and not any(
        m.organisation_id == referral.organisation_id and m.role in (Role.CASEWORKER, Role.PROVIDER_MANAGER)
        for m in active_memberships(owner)
    ):
        raise ValidationError({"owner": "The caseworker must work for the receiving provider."})
    if team is not None and team.organisation_id != referral.organisation_id:
        raise ValidationError({"team": "The team must belong to the receiving provider."})

    now = timezone.now()
    referral.status = outcome
    referral.outcome_at = now
    referral.outcome_notes = notes.strip() or None
    referral.signposted_to = signposted_to.strip() if outcome == Status.SIGNPOSTED else ""
    if outcome == Status.UNSAFE_TO_CONTACT and referrer_told_safely:
        referral.referrer_informed_at = now
    referral.save()
    access_log_record(
        actor=by, action=AccessLog.Action.CHANGE, obj=referral, request=request, detail=f"Outcome: {outcome}"
    )
    if outcome == Status.ACCEPTED:
        from waymark.cases.services import case_open_from_referral

        if owner is None and team is None:
            owner = by
        case_open_from_referral(referral=referral, by=by, owner=owner, team=team)
    return referral


@transaction.atomic
def referral_duplicate_review(*, by: Any, referral: Referral, request: HttpRequest | None = None) -> Referral:
    """A manager has looked at a possible duplicate; the flag stays, marked reviewed."""
    ensure_can(by, "referrals.review_duplicate", referral)
    if not referral.possible_duplicate:
        raise ValidationError({"__all__": "This referral is not flagged as a possible duplicate."})
    referral.duplicate_reviewed_by = by
    referral.save(update_fields=["duplicate_reviewed_by", "updated_at"])
    access_log_record(
        actor=by, action=AccessLog.Action.CHANGE, obj=referral, request=request, detail="Duplicate reviewed"
    )
    return referral


# --- outreach events --------------------------------------------------------------------------


@transaction.atomic
def outreach_event_create(
    *,
    by: Any,
    service: Service,
    name: str,
    kind: str,
    venue: str,
    held_on: date,
    people_supported: int,
    notes: str = "",
) -> OutreachEvent:
    """Log an outreach event run by `service`; `by` must work for the service."""
    ensure_can(by, "referrals.manage_outreach")
    scope = casework_scope(by)
    if (
        not Service.objects.filter(pk=service.pk)
        .filter(scope.q(organisation="organisation_id", service="id"))
        .exists()
    ):
        raise ValidationError({"service": "Choose a service you work for."})
    if people_supported < 0:
        raise ValidationError({"people_supported": "The number of people supported cannot be negative."})
    event = OutreachEvent.objects.create(
        service=service,
        organisation=service.organisation,
        name=name.strip(),
        kind=kind,
        venue=venue.strip(),
        held_on=held_on,
        people_supported=people_supported,
        notes=notes.strip() or None,
    )
    event.staff.add(by)
    access_log_record(actor=by, action=AccessLog.Action.CREATE, obj=event)
    return event


@transaction.atomic
def outreach_event_update_supported(*, by: Any, event: OutreachEvent, people_supported: int) -> OutreachEvent:
    """Change the count of people supported on the spot (the event must be visible to `by`)."""
    ensure_can(by, "referrals.manage_outreach")
    if not OutreachEvent.objects.visible_to(by).filter(pk=event.pk).exists():
        raise PermissionDenied("Not allowed: this event")
    if people_supported < 0:
        raise ValidationError({"people_supported": "The number of people supported cannot be negative."})
    event.people_supported = people_supported
    event.save(update_fields=["people_supported", "updated_at"])
    event.staff.add(by)
    access_log_record(actor=by, action=AccessLog.Action.CHANGE, obj=event)
    return event
