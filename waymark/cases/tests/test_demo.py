"""Demo casework: clearly fake, spread across services and states, and idempotent."""

from __future__ import annotations

from collections import Counter

import pytest
from django.core.management import call_command

from waymark.cases.demo import CODE_PREFIX, PEOPLE_PER_SERVICE, demo_cases_load
from waymark.cases.models import Case, HateCrimeDetail, OutcomeReading, SupportActivity
from waymark.referrals.models import ContactAttempt, Person, Referral

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent_and_spread_out():
    created = demo_cases_load()
    total = sum(count for _, count in PEOPLE_PER_SERVICE)
    assert created["people"] == total
    assert Person.objects.filter(code__startswith=CODE_PREFIX).count() == total
    assert Referral.objects.filter(reference__startswith=CODE_PREFIX).count() == total
    counts = {
        model: model.objects.count()
        for model in (
            Person,
            Referral,
            Case,
            ContactAttempt,
            SupportActivity,
            OutcomeReading,
            HateCrimeDetail,
        )
    }

    again = demo_cases_load()
    assert set(again.values()) == {0}
    assert {model: model.objects.count() for model in counts} == counts

    # Every service gets people; referrals in every route and every outcome; cases in many states.
    per_service = Counter(Referral.objects.values_list("service__name", flat=True))
    assert per_service == dict(PEOPLE_PER_SERVICE)
    assert set(Referral.objects.values_list("route", flat=True)) == set(Referral.Route.values)
    assert set(Referral.objects.values_list("status", flat=True)) == set(Referral.Status.values)
    statuses = set(Case.objects.values_list("status", flat=True))
    assert Case.Status.CLOSED in statuses
    assert len(statuses) >= 7
    assert set(Case.objects.exclude(closure_reason="").values_list("closure_reason", flat=True)) >= {
        "goals_met",
        "victim_ended",
        "unable_to_contact",
    }
    assert Person.objects.values("area").distinct().count() == 7
    strands = {strand for detail in HateCrimeDetail.objects.all() for strand in detail.strands}
    assert len(strands) == 5
    assert OutcomeReading.objects.filter(timepoint="exit").exists()
    assert counts[Case] > 200


def test_every_demo_person_is_clearly_fake():
    demo_cases_load()
    people = list(Person.objects.filter(code__startswith=CODE_PREFIX))
    assert people
    for person in people:
        assert person.full_name.startswith("Demo")
        assert person.preferred_name.startswith("Demo")
        for method in person.contact_methods.all():
            assert method.value.startswith("07700 900")


def test_demo_cases_command(capsys):
    call_command("demo_cases")
    assert "Demo casework loaded" in capsys.readouterr().out


def test_demo_feeds_last_quarters_provider_return():
    from waymark.accounts.models import Service, User
    from waymark.cases.returns import default_quarter, provider_return_for_opcc, provider_return_for_staff

    demo_cases_load()
    service = Service.objects.get(name="West Midlands Hate Crime Victim Service")
    manager = User.objects.get(email="provider.manager@demo.waymark.test")
    exact = provider_return_for_staff(user=manager, service=service, quarter=default_quarter())
    summary = dict(next(s for s in exact.sections if s.key == "summary").table_rows())
    received = summary["Referrals received"][0]
    assert received is not None
    assert received > 10
    analyst = User.objects.get(email="opcc.analyst@demo.waymark.test")
    suppressed = provider_return_for_opcc(user=analyst, service=service, quarter=default_quarter())
    assert suppressed.suppressed  # some strands are rare enough to be hidden
