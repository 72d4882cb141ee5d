"""MARAC: the four criteria detected automatically, due items, referrals and what is due."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from waymark.risk import selectors, services
from waymark.risk.models import MaracReferralDue, RiskSettings
from waymark.risk.selectors import add_months, marac_criteria_for_case

from .factories import make_case
from .helpers import refer, submit_assessment

pytestmark = pytest.mark.django_db


def incident(case, by, *, days_ago=0, months_ago=0, same_perpetrator=True):
    """Record an incident that happened some time ago."""
    day = add_months(timezone.localdate(), -months_ago) - timedelta(days=days_ago)
    return services.domestic_abuse_incident_record(
        case=case, by=by, occurred_on=day, reported_to_police=True, same_perpetrator=same_perpetrator
    )


def test_add_months_clips_to_the_end_of_the_month():
    """31 January plus one month is the end of February."""
    from datetime import date

    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2025, 3, 15), -12) == date(2024, 3, 15)
    assert add_months(date(2025, 1, 10), -1) == date(2024, 12, 10)


def test_visible_high_risk_at_fourteen_yes(case, caseworker):
    """14 'yes' meets the criterion and opens a due item; 13 does not."""
    submit_assessment(case=case, by=caseworker, yes=13)
    assert not marac_criteria_for_case(case=case).visible_high_risk
    assert not MaracReferralDue.objects.exists()
    submit_assessment(case=case, by=caseworker, yes=14, context="review")
    found = marac_criteria_for_case(case=case)
    assert found.visible_high_risk
    assert "14 'yes'" in found.reasons["visible_high_risk"]
    assert MaracReferralDue.objects.get(case=case).criterion == "visible_high_risk"


def test_visible_high_risk_follows_the_latest_assessment(case, caseworker):
    """A later review below the threshold means the case is no longer visible high risk."""
    submit_assessment(case=case, by=caseworker, yes=16, assessed_at=timezone.now() - timedelta(days=50))
    submit_assessment(case=case, by=caseworker, yes=6, context="review")
    assert not marac_criteria_for_case(case=case).visible_high_risk


def test_professional_judgement_detected_when_the_level_was_raised(case, caseworker):
    """Raised to high: the criterion is met; a band of high on its own is not judgement."""
    submit_assessment(case=case, by=caseworker, yes=8, judgement="high", rationale="Threats to children.")
    found = marac_criteria_for_case(case=case)
    assert found.professional_judgement
    assert not found.visible_high_risk


def test_potential_escalation_default_three_in_twelve_months(case, caseworker):
    """Default threshold (SafeLives common practice): 3 incidents in 12 months."""
    incident(case, caseworker, months_ago=10)
    incident(case, caseworker, months_ago=5)
    assert not marac_criteria_for_case(case=case).potential_escalation
    assert not MaracReferralDue.objects.filter(criterion="potential_escalation").exists()
    incident(case, caseworker, days_ago=1)
    assert marac_criteria_for_case(case=case).potential_escalation
    assert MaracReferralDue.objects.filter(case=case, criterion="potential_escalation").count() == 1


def test_incidents_outside_the_window_do_not_count(case, caseworker):
    """Three incidents, one of them 13 months ago: not escalation under 3 in 12."""
    incident(case, caseworker, months_ago=13)
    incident(case, caseworker, months_ago=5)
    incident(case, caseworker, days_ago=1)
    assert not marac_criteria_for_case(case=case).potential_escalation


def test_potential_escalation_with_a_local_threshold(world, case, caseworker):
    """Kent and Medway style 3 in 6 months: incidents 8, 4 and 1 months ago no longer qualify."""
    for months in (8, 4, 1):
        incident(case, caseworker, months_ago=months)
    assert marac_criteria_for_case(case=case).potential_escalation  # default 3 in 12
    settings = RiskSettings.objects.create(
        organisation=world.provider, escalation_incidents=3, escalation_months=6
    )
    assert not marac_criteria_for_case(case=case).potential_escalation
    settings.escalation_incidents = 2
    settings.save()
    assert marac_criteria_for_case(case=case).potential_escalation


def test_repeat_within_twelve_months_of_the_last_referral(case, caseworker):
    """A new incident 3 months after a referral is a repeat: flagged, and "refer back" is due."""
    refer(case=case, by=caseworker, days_ago=120)
    new = incident(case, caseworker, days_ago=30)
    assert new.is_repeat
    assert marac_criteria_for_case(case=case).repeat
    due = MaracReferralDue.objects.get(case=case, resolved_at__isnull=True)
    assert due.criterion == "repeat"
    assert due.is_refer_back
    assert due.incident == new


def test_not_a_repeat_more_than_twelve_months_after_the_referral(case, caseworker):
    """13 months after the last referral the incident is a new matter, not a repeat."""
    refer(case=case, by=caseworker, days_ago=400)
    new = incident(case, caseworker, days_ago=1)
    assert not new.is_repeat
    assert not marac_criteria_for_case(case=case).repeat
    assert not MaracReferralDue.objects.filter(criterion="repeat").exists()


def test_repeat_needs_the_same_perpetrator(case, caseworker):
    """An incident with a different perpetrator is not a repeat of the referral."""
    refer(case=case, by=caseworker, days_ago=30)
    assert not incident(case, caseworker, days_ago=1, same_perpetrator=False).is_repeat


def test_repeat_follows_the_person_across_cases(world, case, caseworker):
    """A referral on an earlier case of the same person makes an incident on a new case a repeat."""
    refer(case=case, by=caseworker, days_ago=60)
    later = make_case(service=world.service, team=world.team, person=case.person)
    assert incident(later, caseworker, days_ago=2).is_repeat
    other_person = make_case(service=world.service, team=world.team)
    assert not incident(other_person, caseworker, days_ago=2).is_repeat


def test_referral_prefills_detected_criteria_and_resolves_due_items(case, caseworker):
    """No criteria given: the detected ones are used; open due items are resolved by it."""
    assessment = submit_assessment(case=case, by=caseworker, yes=15)
    assert selectors.marac_referrals_due(user=caseworker).count() == 1
    referral = services.marac_referral_create(
        case=case, by=caseworker, marac_area="Test MARAC", consent="not_given", victim_informed="not_safe"
    )
    assert referral.visible_high_risk
    assert not referral.professional_judgement
    assert referral.risk_assessment == assessment
    assert referral.criteria == ["Visible high risk"]
    assert selectors.marac_referrals_due(user=caseworker).count() == 0
    assert MaracReferralDue.objects.get(case=case).resolved_by_referral == referral


def test_referral_needs_a_criterion_and_concerns_for_judgement(case, caseworker):
    """Bad input is refused with the field named, and nothing is saved."""
    with pytest.raises(ValidationError) as error:
        services.marac_referral_create(
            case=case, by=caseworker, marac_area="Test MARAC", consent="given", victim_informed="yes"
        )
    assert "criteria" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.marac_referral_create(
            case=case,
            by=caseworker,
            criteria=["professional_judgement"],
            marac_area="",
            consent="given",
            victim_informed="yes",
        )
    assert {"concerns", "marac_area"} <= set(error.value.message_dict)
    assert not case.marac_referrals.exists()


def test_reviews_due_lists_the_current_assessment_of_open_cases_in_scope(world, case, caseworker):
    """Due or overdue, once per case; not after a newer assessment; never another provider's."""
    submit_assessment(case=case, by=caseworker, yes=2, assessed_at=timezone.now() - timedelta(days=50))
    recent_case = make_case(service=world.service, team=world.team)
    submit_assessment(case=recent_case, by=caseworker, yes=2, assessed_at=timezone.now() - timedelta(days=10))
    due = list(selectors.risk_reviews_due(user=caseworker))
    assert [a.case for a in due] == [case]
    assert list(selectors.risk_reviews_due(user=world.member("caseworker_other"))) == []
    assert list(selectors.risk_reviews_due(user=world.member("opcc_analyst"))) == []
    submit_assessment(case=case, by=caseworker, yes=2, context="review")
    assert list(selectors.risk_reviews_due(user=caseworker)) == []


def test_reviews_due_skip_closed_cases(world, caseworker):
    """A closed case needs no review."""
    closed = make_case(service=world.service, team=world.team)
    submit_assessment(case=closed, by=caseworker, assessed_at=timezone.now() - timedelta(days=60))
    type(closed).objects.filter(pk=closed.pk).update(status="closed")
    assert not selectors.risk_reviews_due(user=caseworker).exists()


def test_marac_referrals_due_are_scoped(world, case, caseworker):
    """Due items show to the home provider's staff only."""
    submit_assessment(case=case, by=caseworker, yes=20)
    assert selectors.marac_referrals_due(user=world.member("provider_manager")).count() == 1
    for role in (
        "caseworker_other",
        "provider_manager_other",
        "opcc_admin",
        "board_member",
        "force_code_lead",
    ):
        assert selectors.marac_referrals_due(user=world.member(role)).count() == 0


def test_home_panel_for_casework_roles_only(world, case, caseworker):
    """Counts for caseworkers and managers; nothing for the OPCC, board or force."""
    submit_assessment(case=case, by=caseworker, yes=20, assessed_at=timezone.now() - timedelta(days=45))
    [panel] = selectors.home_panels_for_user(user=caseworker)
    assert dict(panel.rows) == {"Risk reviews due": "1", "MARAC referrals due": "1"}
    for role in ("opcc_analyst", "board_member", "force_code_lead", "auditor"):
        assert selectors.home_panels_for_user(user=world.member(role)) == []
    [other] = selectors.home_panels_for_user(user=world.member("caseworker_other"))
    assert dict(other.rows) == {"Risk reviews due": "0", "MARAC referrals due": "0"}
