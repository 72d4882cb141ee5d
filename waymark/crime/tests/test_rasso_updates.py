"""M13b: victims of adult rape updated within the Victims' Code time limits, from the force's
Victims' Code duties, against a small hand-built set whose answer is worked out here.

The period is 2023/24, the crimes' extraction date 2024-06-30; the duties are written with the
extraction date 2025-07-15 (later, so the crimes' date is the one they are judged at). Each crime
is adult rape (19C) recorded in the year with one victim (F 25-34) unless said otherwise; every
update is a Right 6 duty with the 2020 Code's limit of 5 working days (not enhanced).

- A: arrest update triggered 2023-05-10, given 05-11; interview update triggered 05-12, given
  05-15. Every update in time: counted, in time.
- B: arrest update triggered 2023-06-01, given 06-30. Late.
- C: bail update triggered 2024-06-28, not given; due after the extraction date: not yet due,
  so C is not counted.
- D: arrest update triggered 2023-07-01, never given, long overdue. Late.
- E: arrest update documented as not applicable: not counted.
- F: a support referral (Right 4), given: not an update, not counted.
- G: recorded 2022-12-01, before the year; arrest update in time: not in the cohort.
- H: 8N, not adult rape; arrest update in time: not counted.
- I: two victims: I-V0 (F 25-34) given the arrest update in time, I-V1 (M 35-44) given it
  late. Two victims counted: one in time, one late.
- J: arrest update triggered 2024-06-20 (due 2024-06-27), given 2024-07-02, after the
  extraction date: as at that date it was overdue. Late.
- K: arrest update triggered 2024-06-27 (due 2024-07-04), given 2024-07-03: as at the
  extraction date neither given nor due, so K is not counted.
- L: recorded 2023-10-01, its victim has A's victim id ("A-V0"); arrest update triggered
  2023-10-02, never given. Late, and counted apart from A, which stays in time.
- M: arrest update triggered 2023-09-01, given 09-04, in time; bail update triggered 09-05,
  given 10-30, late. One late update makes the victim late.

Victims owed an update that had fallen due: A, B, D, I-V0, I-V1, J, L, M = 8; every update in
time: A and I-V0 = 2. M13b = 2/8. With victim sex F: I-V1 leaves, 2/7. With age band 35-44:
I-V1 alone (not I-V0, the other victim of the same crime), 0/1.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import override_settings
from django.urls import reverse

from waymark.accounts.models import Organisation
from waymark.accounts.roles import Role
from waymark.core.testing.factories import OrganisationFactory, make_member
from waymark.crime.metrics import CrimeFilters, metrics_csv_rows, rasso_metrics
from waymark.crime.models import Crime, CrimeVictim
from waymark.victims_code.models import CodeDuty
from waymark.victims_code.tests.metric_support import duty, recompute

from .metric_fixtures import WEST_MIDLANDS, make_crime, other_force

pytestmark = pytest.mark.django_db

FY = CrimeFilters.for_financial_year("2023/24")
EXTRACTED = date(2024, 6, 30)
ARREST = "R6.ARREST_UPDATE"
BAIL = "R6.BAIL_RUI_UPDATE"


def crime(reference: str, recorded: date, **options: Any) -> Crime:
    return make_crime(reference, recorded=recorded, extracted_on=EXTRACTED, **options)


def update(on: Crime, triggered: date, delivered: date | None = None, **options: Any) -> CodeDuty:
    return duty(
        options.pop("entitlement", ARREST),
        crime=on,
        victim_ref=options.pop("victim_ref", f"{on.crime_reference}-V0"),
        triggered=triggered,
        delivered=delivered,
        **options,
    )


@pytest.fixture
def duties(world: Any) -> None:
    """The duties in the module docstring."""
    a = crime("A", date(2023, 5, 1))
    update(a, date(2023, 5, 10), date(2023, 5, 11))
    update(a, date(2023, 5, 12), date(2023, 5, 15), entitlement="R6.INTERVIEW_UPDATE")
    update(crime("B", date(2023, 5, 20)), date(2023, 6, 1), date(2023, 6, 30))
    update(crime("C", date(2024, 1, 1)), date(2024, 6, 28), entitlement=BAIL)
    update(crime("D", date(2023, 6, 1)), date(2023, 7, 1))
    update(crime("E", date(2023, 6, 2)), date(2023, 7, 1), not_applicable="victim_declined")
    update(
        crime("F", date(2023, 6, 3)), date(2023, 6, 4), date(2023, 6, 5), entitlement="R4.SUPPORT_REFERRAL"
    )
    update(crime("G", date(2022, 12, 1)), date(2023, 5, 10), date(2023, 5, 11))
    update(crime("H", date(2023, 6, 4), code="8N", adult_rape=False), date(2023, 7, 1), date(2023, 7, 2))
    i = crime("I", date(2023, 8, 1), victims=[("F", "25-34"), ("M", "35-44")])
    update(i, date(2023, 8, 2), date(2023, 8, 3))
    update(i, date(2023, 8, 2), date(2023, 9, 1), victim_ref="I-V1")
    update(crime("J", date(2024, 3, 1)), date(2024, 6, 20), date(2024, 7, 2))
    update(crime("K", date(2024, 3, 2)), date(2024, 6, 27), date(2024, 7, 3))
    l_crime = crime("L", date(2023, 10, 1))
    CrimeVictim.objects.filter(crime=l_crime).update(victim_ref="A-V0")
    update(l_crime, date(2023, 10, 2), victim_ref="A-V0")
    m = crime("M", date(2023, 8, 20))
    update(m, date(2023, 9, 1), date(2023, 9, 4))
    update(m, date(2023, 9, 5), date(2023, 10, 30), entitlement=BAIL)
    recompute()


def m13b(user: Any, filters: CrimeFilters = FY) -> Any:
    return rasso_metrics(user=user, filters=filters, extracted_on=EXTRACTED, threshold=1).metric("M13b")


def test_m13b_counts_victims_given_every_update_in_time(world, duties):
    result = m13b(world.member("opcc_analyst"))

    assert result.available
    assert (result.numerator, result.denominator) == (2, 8)
    assert result.display_value == "25.0%"
    assert result.basis == "cohort"
    assert result.not_yet_assigned is not None
    assert result.note == ""


@pytest.mark.parametrize(
    ("dimensions", "expected"),
    [({"victim_sex": "F"}, (2, 7)), ({"victim_age_band": "35-44"}, (0, 1))],
)
def test_m13b_narrowed_to_victims_counts_only_the_victims_it_names(world, duties, dimensions, expected):
    narrowed = CrimeFilters.for_financial_year("2023/24", **dimensions)

    result = m13b(world.member("opcc_analyst"), narrowed)

    assert (result.numerator, result.denominator) == expected


def test_an_update_with_no_due_date_is_in_time_when_given_at_all(world, duties):
    """B's update, given 29 days on, has no due date (as when the working-day calendar has a
    gap): judged as given at all, B is in time: 3/8."""
    CodeDuty.objects.filter(crime__crime_reference="B").update(due_on=None)

    result = m13b(world.member("opcc_analyst"))

    assert (result.numerator, result.denominator) == (3, 8)


def test_an_older_duties_file_sets_the_date_updates_are_judged_at(world, duties):
    """The duties file was taken on 2024-06-01, before the crimes file (2024-06-30). P's update,
    triggered 2024-05-28 (due 2024-06-04) and not given in that file, was not yet due when the
    file was taken: not counted, where judging at the crimes' date would count it late. J and
    K's updates came after the file: not counted. So A, B, D, I-V0, I-V1, L, M: 2/7."""
    update(crime("P", date(2024, 3, 5)), date(2024, 5, 28))
    recompute()
    CodeDuty.objects.update(extracted_on=date(2024, 6, 1))

    result = m13b(world.member("opcc_analyst"))

    assert (result.numerator, result.denominator) == (2, 7)
    assert "Judged at 1 June 2024" in result.note


def test_a_duties_file_older_than_the_period_gives_no_figure(world, duties):
    CodeDuty.objects.update(extracted_on=date(2023, 3, 31))

    result = m13b(world.member("opcc_analyst"))

    assert not result.available
    assert "31 March 2023, before the period" in result.note


def test_m13b_is_the_same_for_the_force_code_lead_and_is_in_the_csv(world, duties):
    lead_user = world.member("force_code_lead")
    lead = rasso_metrics(user=lead_user, filters=FY, extracted_on=EXTRACTED, threshold=1)

    row = next(row for row in metrics_csv_rows(lead, table="metrics") if row and row[0] == "M13b")
    assert (lead.metric("M13b").numerator, lead.metric("M13b").denominator) == (2, 8)
    assert row[2:4] == ["25.0%", 2]
    assert row[5] == 8


def test_m13b_hides_small_counts_like_every_other_figure(world, duties):
    """At the operational threshold (5 unless configured), 2 is hidden, and so is the rate."""
    result = rasso_metrics(user=world.member("opcc_analyst"), filters=FY, extracted_on=EXTRACTED)
    metric = result.metric("M13b")

    assert metric.numerator is None
    assert metric.value is None
    assert metric.display_value == "[c]"
    assert any(hidden.row.startswith("M13b") for hidden in result.hidden)


def test_without_code_duties_m13b_says_none_are_loaded(world):
    crime("A", date(2023, 5, 1))

    result = m13b(world.member("opcc_analyst"))

    assert not result.available
    assert "No Victims' Code duties file has been loaded" in result.note


def test_a_user_who_does_not_see_the_forces_code_evidence_gets_no_figure(world, duties):
    """An analyst of an OPCC with no force area sees neither the force's crimes nor its duties:
    no figure, and why."""
    unplaced = OrganisationFactory.create(name="Unplaced OPCC", type=Organisation.Type.OPCC)

    result = m13b(make_member(role=Role.OPCC_ANALYST, organisation=unplaced))

    assert not result.available
    assert result.numerator is None
    assert result.denominator is None
    assert "Victims' Code evidence" in result.note


def test_another_forces_analyst_gets_no_figure_for_these_offences(world, duties):
    """Crime data and duties are each seen in the user's own force area only. The other force
    has adult rape offences and duties of its own; its analyst sees none of the West Midlands'
    offences (no M1, no M13b for them), and all forces together is their own force: X, late."""
    elsewhere = OrganisationFactory.create(
        name="Other OPCC", type=Organisation.Type.OPCC, police_force_area=other_force()
    )
    theirs = make_crime("X", recorded=date(2023, 6, 1), extracted_on=EXTRACTED, area=other_force())
    CodeDuty.objects.create(
        police_force_area=other_force(),
        crime=theirs,
        victim_ref="X-V0",
        entitlement=CodeDuty.objects.first().entitlement,  # type: ignore[union-attr]
        triggered_on=date(2023, 6, 2),
        enhanced=False,
        extracted_on=date(2025, 7, 15),
    )
    recompute()
    analyst = make_member(role=Role.OPCC_ANALYST, organisation=elsewhere)

    home = CrimeFilters.for_financial_year("2023/24", police_force_area=WEST_MIDLANDS)
    theirs_seen = rasso_metrics(user=analyst, filters=home, extracted_on=EXTRACTED, threshold=1)
    assert theirs_seen.metric("M1").value == 0
    refused = theirs_seen.metric("M13b")
    assert not refused.available
    assert (refused.numerator, refused.denominator) == (None, None)
    own = m13b(analyst, CrimeFilters.for_financial_year("2023/24", police_force_area=other_force().code))
    assert (own.numerator, own.denominator) == (0, 1)
    assert (m13b(analyst, FY).numerator, m13b(analyst, FY).denominator) == (0, 1)
    west_midlands = m13b(world.member("opcc_analyst"), home)
    assert (west_midlands.numerator, west_midlands.denominator) == (2, 8)


@override_settings(DISCLOSURE_THRESHOLD_OPERATIONAL=1)
def test_the_page_and_the_api_give_m13b_and_say_why_when_there_is_none(client, world, duties):
    client.force_login(world.member("opcc_analyst"))
    page = client.get(reverse("crime:rasso"), {"period": "fy:2023/24"}).content.decode()
    body = client.get("/api/v1/crime/rasso-metrics", {"financial_year": "2023/24"}).json()

    assert "victims given every update within its time limit: 2" in page
    assert "owed an update by the extraction date: 8" in page
    api = next(metric for metric in body["metrics"] if metric["id"] == "M13b")
    assert (api["available"], api["numerator"], api["denominator"]) == (True, 2, 8)

    unplaced = OrganisationFactory.create(name="Unplaced OPCC", type=Organisation.Type.OPCC)
    client.force_login(make_member(role=Role.OPCC_ANALYST, organisation=unplaced))
    page = client.get(reverse("crime:rasso"), {"period": "fy:2023/24"}).content.decode()
    assert "No force extract has been loaded for your force area yet" in page
    assert "victims given every update within its time limit" not in page
