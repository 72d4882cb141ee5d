"""Needs, plans, activities, hate crime details, outcomes and disclosure decisions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from waymark.cases.models import (
    HateCrimeDetail,
    NeedsAssessment,
    NeedsDomain,
    OtherHostility,
    OutcomeFramework,
)
from waymark.cases.services import (
    case_allocate,
    disclosure_request_create,
    disclosure_request_decide,
    hate_crime_detail_save,
    needs_assessment_record,
    outcome_readings_record,
    support_activity_record,
)
from waymark.core.testing.factories import ServiceFactory

from .factories import all_domains_levels, make_case, moj_framework_for

pytestmark = pytest.mark.django_db


def test_seeded_reference_data_cites_its_sources():
    assert NeedsDomain.objects.filter(is_active=True).count() >= 8
    unverified = NeedsDomain.objects.filter(source__contains="[TO VERIFY]")
    assert unverified.exists()
    assert all(d.source for d in NeedsDomain.objects.all())
    framework = OutcomeFramework.objects.get(key="moj_cope_and_recover")
    assert framework.is_verified is False
    assert "[TO VERIFY]" in framework.source
    assert framework.measures.count() == 4
    assert OtherHostility.objects.filter(source__contains="askthe.police.uk").count() == 3


def test_needs_assessment_covers_every_active_domain(world, case):
    by = world.member("caseworker")
    levels = all_domains_levels()
    levels.popitem()
    with pytest.raises(ValidationError, match="every area"):
        needs_assessment_record(case=case, by=by, levels=levels)
    assert not NeedsAssessment.objects.exists()


def test_needs_assessment_rejects_bad_levels(world, case):
    with pytest.raises(ValidationError):
        needs_assessment_record(
            case=case, by=world.member("caseworker"), levels=all_domains_levels("extreme")
        )


def test_allocation_stays_inside_the_provider(world, case):
    manager = world.member("provider_manager")
    with pytest.raises(ValidationError):
        case_allocate(case=case, by=manager, owner=world.member("caseworker_other"), team=None)
    with pytest.raises(ValidationError):
        case_allocate(case=case, by=manager, owner=None, team=world.other_team)
    with pytest.raises(ValidationError):
        case_allocate(case=case, by=manager, owner=None, team=None)
    case_allocate(case=case, by=manager, owner=manager, team=world.team)
    case.refresh_from_db()
    assert case.owner == manager


def test_isva_notes_are_factual_by_default(world):
    isva = ServiceFactory.create(organisation=world.provider, name="ISVA", type="isva")
    case = make_case(service=isva)
    manager = world.member("provider_manager")
    activity = support_activity_record(case=case, by=manager, kind="court_support", at=timezone.now())
    assert activity.is_factual_note_only is True
    other = support_activity_record(
        case=make_case(service=world.service), by=manager, kind="on_the_spot", at=timezone.now()
    )
    assert other.is_factual_note_only is False


def test_activity_in_the_future_is_refused(world, case):
    with pytest.raises(ValidationError):
        support_activity_record(
            case=case, by=world.member("caseworker"), kind="call", at=timezone.now() + timedelta(days=1)
        )


def test_hate_crime_details_with_several_strands_and_other_hostility(world, case):
    other = OtherHostility.objects.all()[0]
    detail = hate_crime_detail_save(
        case=case,
        by=world.member("caseworker"),
        strands=["race", "religion"],
        other_hostilities=[other],
        crime_or_incident="incident",
        perceived_by="both",
        location_type="sports_venue",
    )
    assert detail.strands == ["race", "religion"]
    assert list(detail.other_hostilities.all()) == [other]


def test_hate_crime_details_need_a_strand_and_known_values(world, case):
    by = world.member("caseworker")
    with pytest.raises(ValidationError):
        hate_crime_detail_save(case=case, by=by, strands=[])
    with pytest.raises(ValidationError):
        hate_crime_detail_save(case=case, by=by, strands=["football"])
    assert not HateCrimeDetail.objects.exists()


def test_outcome_readings_are_checked_against_the_scale_and_service(world, case):
    by = world.member("caseworker")
    framework = OutcomeFramework.objects.get(key="moj_cope_and_recover")
    measure = framework.measures.all()[0]
    with pytest.raises(ValidationError, match="not used by this service"):
        outcome_readings_record(case=case, by=by, timepoint="intake", values={measure: "3"})
    moj_framework_for(world.service)
    with pytest.raises(ValidationError, match="choose one of"):
        outcome_readings_record(case=case, by=by, timepoint="intake", values={measure: "9"})
    readings = outcome_readings_record(case=case, by=by, timepoint="intake", values={measure: "3"})
    assert readings[0].value == "3"


@pytest.fixture
def disclosure(world, case):
    return disclosure_request_create(
        case=case,
        by=world.member("caseworker"),
        requester_type="police",
        requester_name="DC Smith",
        legal_basis="PCSCA 2022 s.44A",
        scope_requested="Counselling notes",
        is_counselling_information=True,
    )


def test_only_the_dpo_or_a_manager_decides(world, disclosure):
    for key in ("caseworker", "auditor_other", "provider_manager_other", "opcc_auditor"):
        with pytest.raises(PermissionDenied):
            disclosure_request_decide(
                disclosure=disclosure,
                by=world.member(key),
                decision="refuse",
                necessity_and_proportionality="x",
                victim_not_informed_reason="y",
            )
    disclosure_request_decide(
        disclosure=disclosure,
        by=world.member("auditor"),
        decision="refuse",
        necessity_and_proportionality="Not a reasonable line of enquiry.",
        victim_informed_at=timezone.now(),
    )
    disclosure.refresh_from_db()
    assert disclosure.decision == "refuse"
    assert disclosure.decided_by == world.member("auditor")


def test_counselling_material_needs_the_higher_test_to_be_disclosed(world, disclosure):
    manager = world.member("provider_manager")
    args = {
        "disclosure": disclosure,
        "by": manager,
        "decision": "disclose_partial",
        "necessity_and_proportionality": "Necessary for a reasonable line of enquiry.",
        "victim_informed_at": timezone.now(),
        "disclosed_at": timezone.now(),
        "items_disclosed": "Two session dates",
    }
    with pytest.raises(ValidationError) as error:
        disclosure_request_decide(**args)
    assert "counselling_test" in error.value.message_dict
    disclosure.refresh_from_db()
    assert disclosure.decision == "pending"
    disclosure_request_decide(**args, counselling_test="Substantial probative value; no other source.")


def test_a_decision_records_whether_the_person_was_told(world, disclosure):
    with pytest.raises(ValidationError) as error:
        disclosure_request_decide(
            disclosure=disclosure,
            by=world.member("provider_manager"),
            decision="refuse",
            necessity_and_proportionality="Not necessary.",
        )
    assert "victim_not_informed_reason" in error.value.message_dict
