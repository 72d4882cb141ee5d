"""Referral intake and triage: validation, idempotency, duplicates, the state machine."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from waymark.api.models import ApiToken
from waymark.api.services import api_token_create
from waymark.cases.models import Case
from waymark.core.testing.factories import ServiceFactory, TeamFactory, make_member
from waymark.referrals.contact import contact_attempt_record
from waymark.referrals.models import ContactMethod, Person, Referral
from waymark.referrals.services import (
    NO_CONSENT_MESSAGE,
    ContactDetails,
    PersonDetails,
    ReferralDetails,
    identity_key_for,
    normalise_name,
    referral_create,
    referral_duplicate_review,
    referral_triage,
    service_for_referral,
)

from .factories import make_person, make_referral


def _details(world, **overrides):
    fields = {
        "service": world.service,
        "source": Referral.Source.POLICE_UPLOAD,
        "consent": "given",
        "person": PersonDetails(full_name="Testy McFakeperson", date_of_birth=date(1980, 1, 2)),
        "contact_methods": (ContactDetails(kind="mobile", value="07700 900001", safe_to_call=True),),
        "reason": "Racially abusive graffiti on the house",
        "external_reference": "WMP-0001",
        "referrer_organisation": world.force,
    }
    fields.update(overrides)
    return ReferralDetails(**fields)


def test_create_stores_encrypted_person_and_deadline(world):
    lead = world.member("force_code_lead")
    received = timezone.make_aware(datetime(2026, 3, 27, 16, 0))  # a Friday
    referral, created = referral_create(by=lead, details=_details(world, received_at=received))
    assert created
    assert referral.reference.startswith("R-")
    assert referral.organisation == world.provider
    assert referral.first_contact_due == date(2026, 3, 31)  # two working days: Mon 30, Tue 31
    person = referral.person
    assert person.full_name == "Testy McFakeperson"
    assert person.identity_key == identity_key_for("testy  mcfakeperson", date(1980, 1, 2))
    assert "Testy" not in str(referral.payload)
    method = person.contact_methods.get()
    assert method.safe_to_call
    assert not method.safe_voicemail


def test_name_normalisation():
    assert normalise_name("  O'Brien,  Seán ") == "obrien sean"
    assert identity_key_for("", None) == ""


def test_missing_consent_is_refused_and_nothing_written(world):
    with pytest.raises(ValidationError) as refused:
        referral_create(by=world.member("force_code_lead"), details=_details(world, consent="not_given"))
    assert refused.value.message_dict["consent"] == [NO_CONSENT_MESSAGE]
    assert not Referral.objects.exists()
    assert not Person.objects.exists()


def test_inactive_service_is_refused(world):
    world.service.is_active = False
    world.service.save()
    with pytest.raises(ValidationError) as refused:
        referral_create(by=world.member("force_code_lead"), details=_details(world))
    assert "not active" in refused.value.message_dict["service"][0]


def test_unknown_service_is_named_in_the_error(world):
    with pytest.raises(ValidationError) as refused:
        service_for_referral("No Such Service")
    assert refused.value.message_dict["service"] == [
        "There is no active service 'No Such Service' taking referrals: check the directory."
    ]
    assert service_for_referral(str(world.service.public_id)) == world.service
    assert service_for_referral("Home Service") == world.service


def test_contact_method_needs_a_value(world):
    details = _details(world, contact_methods=(ContactDetails(kind="email", value="  "),))
    with pytest.raises(ValidationError) as refused:
        referral_create(by=world.member("force_code_lead"), details=details)
    assert refused.value.message_dict["contact_methods"] == [
        "Give the details for the e-mail contact method."
    ]
    assert not ContactMethod.objects.exists()


def test_same_reference_same_content_is_idempotent(world):
    lead = world.member("force_code_lead")
    first, created = referral_create(by=lead, details=_details(world))
    again, created_again = referral_create(by=lead, details=_details(world))
    assert created
    assert not created_again
    assert again == first
    assert Referral.objects.count() == 1
    assert Person.objects.count() == 1


def test_same_reference_different_content_is_an_error(world):
    lead = world.member("force_code_lead")
    referral_create(by=lead, details=_details(world))
    with pytest.raises(ValidationError) as refused:
        referral_create(by=lead, details=_details(world, reason="Something else"))
    assert "already used" in refused.value.message_dict["external_reference"][0]
    assert Referral.objects.count() == 1


def test_possible_duplicate_only_within_the_same_provider(world):
    lead = world.member("force_code_lead")
    make_person(service=world.other_service, full_name="Testy McFakeperson", date_of_birth=date(1980, 1, 2))
    referral, _ = referral_create(by=lead, details=_details(world))
    assert not referral.possible_duplicate  # known only to another provider: says nothing
    second, _ = referral_create(
        by=lead,
        details=_details(
            world,
            external_reference="WMP-0002",
            person=PersonDetails("TESTY mcfakeperson", date_of_birth=date(1980, 1, 2)),
        ),
    )
    assert second.possible_duplicate


def test_police_upload_needs_force_membership(world):
    with pytest.raises(PermissionDenied):
        referral_create(by=world.member("caseworker"), details=_details(world))


def test_police_feed_needs_a_police_token(world):
    details = _details(world, source=Referral.Source.POLICE_FEED)
    with pytest.raises(PermissionDenied):
        referral_create(by=None, details=details)
    token, _ = api_token_create(
        by=world.member("force_code_lead"),
        organisation=world.force,
        name="Feed",
        scopes=[ApiToken.Scope.REFERRALS_WRITE],
        expires_at=None,
    )
    referral, created = referral_create(by=None, details=details, token=token)
    assert created
    assert referral.source == "police_feed"


def test_self_referral_only_to_self_referral_services(world):
    details = _details(
        world,
        service=world.other_service,  # IDVA
        source=Referral.Source.SELF_WEB,
        external_reference="",
        referrer_organisation=None,
    )
    with pytest.raises(ValidationError, match="does not take self-referrals"):
        referral_create(by=None, details=details)


def test_staff_entered_needs_the_service_in_scope(world):
    details = _details(
        world, source=Referral.Source.STAFF_ENTERED, external_reference="", referrer_organisation=None
    )
    with pytest.raises(PermissionDenied):
        referral_create(by=world.member("caseworker_other"), details=details)
    referral, _ = referral_create(by=world.member("caseworker"), details=details)
    assert referral.route == Referral.Route.SELF
    assert referral.referrer_user == world.member("caseworker")


# --- triage ---


def _contact(world, referral, outcome="contact_made"):
    return contact_attempt_record(
        by=world.member("caseworker"),
        referral=referral,
        contact_method=referral.person.contact_methods.get(),
        channel="call",
        outcome=outcome,
        at=timezone.now(),
    )


def test_accept_needs_contact_made_then_opens_a_case(world, referral):
    caseworker = world.member("caseworker")
    with pytest.raises(ValidationError, match="record a contact attempt first"):
        referral_triage(by=caseworker, referral=referral, outcome="accepted")
    _contact(world, referral, outcome="no_answer")
    with pytest.raises(ValidationError, match="only after contact is made"):
        referral_triage(by=caseworker, referral=referral, outcome="accepted")
    _contact(world, referral)
    referral_triage(by=caseworker, referral=referral, outcome="accepted", team=world.team)
    referral.refresh_from_db()
    assert referral.status == "accepted"
    case = Case.objects.get(referral=referral)
    assert case.owner is None
    assert case.team == world.team


def test_closed_referral_cannot_change(world, referral):
    caseworker = world.member("caseworker")
    referral_triage(by=caseworker, referral=referral, outcome="out_of_area")
    with pytest.raises(ValidationError) as refused:
        referral_triage(by=caseworker, referral=referral, outcome="signposted", signposted_to="Elsewhere")
    assert refused.value.message_dict["outcome"] == [
        "This referral is already closed as out of area: its outcome cannot be changed."
    ]


def test_signposted_needs_where(world, referral):
    with pytest.raises(ValidationError) as refused:
        referral_triage(by=world.member("caseworker"), referral=referral, outcome="signposted")
    assert "signposted_to" in refused.value.message_dict


def test_unsafe_to_contact_needs_the_referrer_told_safely(world, referral):
    caseworker = world.member("caseworker")
    with pytest.raises(ValidationError) as refused:
        referral_triage(by=caseworker, referral=referral, outcome="unsafe_to_contact")
    assert "referrer_told_safely" in refused.value.message_dict
    referral_triage(by=caseworker, referral=referral, outcome="unsafe_to_contact", referrer_told_safely=True)
    referral.refresh_from_db()
    assert referral.status == "unsafe_to_contact"
    assert referral.referrer_informed_at is not None


def test_owner_must_work_for_the_provider(world, referral):
    _contact(world, referral)
    with pytest.raises(ValidationError) as refused:
        referral_triage(
            by=world.member("caseworker"),
            referral=referral,
            outcome="accepted",
            owner=world.member("caseworker_other"),
        )
    assert "owner" in refused.value.message_dict
    assert not Case.objects.exists()


def test_triage_outside_scope_is_refused(world, referral):
    second_service = ServiceFactory.create(organisation=world.provider, name="Second Service")
    team = TeamFactory.create(organisation=world.provider, service=second_service, name="Second Team")
    elsewhere = make_member(role="caseworker", organisation=world.provider, teams=[team])
    with pytest.raises(PermissionDenied):
        referral_triage(by=elsewhere, referral=referral, outcome="out_of_area")
    with pytest.raises(PermissionDenied):
        referral_triage(by=world.member("partner_caseworker"), referral=referral, outcome="out_of_area")


def test_duplicate_review_is_for_managers(world, referral):
    referral.possible_duplicate = True
    referral.save()
    with pytest.raises(PermissionDenied):
        referral_duplicate_review(by=world.member("caseworker"), referral=referral)
    referral_duplicate_review(by=world.member("provider_manager"), referral=referral)
    referral.refresh_from_db()
    assert referral.duplicate_reviewed_by == world.member("provider_manager")


def test_created_referral_is_in_the_access_log(world):
    from waymark.audit.models import AccessLog

    referral, _ = referral_create(by=world.member("force_code_lead"), details=_details(world))
    assert AccessLog.objects.about(referral).filter(action="create").exists()


def test_unused_referral_factory_route(world):
    assert make_referral(service=world.service).route == "police"
