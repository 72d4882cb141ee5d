"""The staff pages of the victim's voice: who may see the gap page and make survey links, what
they show and download, and that every view is in the access log."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date

import pytest
from django.urls import reverse

from waymark.audit.models import AccessLog
from waymark.core.testing.forms import date_parts
from waymark.core.testing.matrix import permission_matrix
from waymark.victims_code.models import SurveyInvitation
from waymark.victims_code.voice import PairCriteria, survey_invitations_create, survey_pairs_select

from .voice_fixtures import answered, duty, pair

pytestmark = pytest.mark.django_db

COMPLIANCE = {"opcc_admin": 200, "opcc_analyst": 200, "force_code_lead": 200, "anonymous": 302}
PERIOD = {"period": "q:2024/25 Q1"}


@pytest.fixture
def survey(db):
    """Six respondents in 2024/25 Q1 with a delivered written confirmation: four recall it, two
    do not (recorded 100%, recalled 66.7%, gap +33.3 points); three of them women, three men."""
    for n in range(6):
        crime, ref = pair(f"P{n}", sex="F" if n < 3 else "M")
        duty(crime, ref, "R3.WRITTEN_CONFIRMATION", delivered=True)
        answered(crime, ref, recall_written_confirmation="yes" if n < 4 else "no")


@permission_matrix(COMPLIANCE, default=403)
def test_the_gap_page(client, login_as, role, expected, survey):
    """OPCC admins and analysts and force Code leads see it; providers, caseworkers, board
    members, auditors and people with no membership are refused; the signed-out go to sign in."""
    login_as(role)
    response = client.get(reverse("victims_code:voice"), PERIOD)
    assert response.status_code == expected
    if expected == 200:
        page = response.content.decode()
        assert "100.0%" in page
        assert "66.7%" in page
        assert "+33.3" in page
        assert "P0" not in page  # no crime reference on an aggregate page


@permission_matrix(COMPLIANCE, default=403)
def test_the_gap_download(client, login_as, role, expected, survey):
    login_as(role)
    response = client.get(reverse("victims_code:voice_download"), PERIOD)
    assert response.status_code == expected
    if expected == 200:
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0][:4] == ["metric", "right", "group", "respondents"]
        m01 = next(row for row in rows if row[0].startswith("M01"))
        assert m01[3:7] == ["6", "100.0", "66.7", "33.3"]


@permission_matrix(COMPLIANCE, default=403)
def test_the_survey_links_page(client, login_as, role, expected, survey):
    login_as(role)
    response = client.get(reverse("victims_code:survey_invitations"))
    assert response.status_code == expected
    if expected == 200:
        assert "Expired without an answer" in response.content.decode()


@permission_matrix({**COMPLIANCE, "opcc_admin": 200}, default=403)
def test_making_links(client, login_as, role, expected, survey):
    """Only the compliance roles may make links; nobody else makes any."""
    login_as(role)
    pair("NEW-1")
    response = client.post(
        reverse("victims_code:survey_invitations"),
        {
            **date_parts("reported_from", "2024-04-01"),
            **date_parts("reported_to", "2024-06-30"),
            "limit": "5000",
            "valid_days": "28",
            "action": "make",
        },
    )
    assert response.status_code == expected
    made = SurveyInvitation.objects.filter(crime__crime_reference="NEW-1").count()
    assert made == (1 if expected == 200 else 0)


def test_the_breakdown_hides_small_groups_on_the_page(client, login_as, survey):
    """Three women and three men: each group is under 5, so both show [c] and no rates."""
    login_as("opcc_analyst")
    page = client.get(reverse("victims_code:voice"), {**PERIOD, "breakdown": "sex"}).content.decode()
    assert "Victim sex" in page
    table = page[page.index('id="gap-m01"') :]
    table = table[: table.index("</table>")]
    assert table.count("[c]") >= 2 * 7
    assert "+33.3" in table  # the overall row is still shown


def test_a_batch_of_links_is_downloaded_once_and_works(client, login_as, world):
    """Check first (nothing made), then make: the CSV holds crime_reference, victim_id and an
    absolute link for each new pair; the link opens the survey; only the hash is stored; a
    second batch leaves the invited pairs out."""
    crimes = [pair(f"B{n}") for n in range(3)]
    pair("OUTSIDE", reported=date(2024, 8, 1))
    login_as("force_code_lead")
    form = {
        **date_parts("reported_from", "2024-04-01"),
        **date_parts("reported_to", "2024-06-30"),
        "limit": "2",
        "valid_days": "14",
    }
    check = client.post(reverse("victims_code:survey_invitations"), {**form, "action": "check"})
    assert check.status_code == 200
    assert "2 links will be made" in check.content.decode()
    assert not SurveyInvitation.objects.exists()

    made = client.post(reverse("victims_code:survey_invitations"), {**form, "action": "make"})
    assert made.status_code == 200
    assert made["Content-Type"].startswith("text/csv")
    assert made["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(made.content.decode())))
    assert rows[0] == ["crime_reference", "victim_id", "link"]
    assert [row[:2] for row in rows[1:]] == [["B0", crimes[0][1]], ["B1", crimes[1][1]]]
    for _, _, link in rows[1:]:
        assert link.startswith("http://testserver/feedback/")
        token = link.rstrip("/").rsplit("/", 1)[1]
        assert SurveyInvitation.objects.filter(
            token_sha256=hashlib.sha256(token.encode()).hexdigest()
        ).exists()
        assert client.get(link.removeprefix("http://testserver")).status_code == 200
    assert (
        AccessLog.objects.filter(
            action=AccessLog.Action.CREATE, record_label="Survey invitation links"
        ).count()
        == 1
    )
    assert (
        AccessLog.objects.filter(
            action=AccessLog.Action.EXPORT, record_label="Survey invitation links"
        ).count()
        == 1
    )

    again = client.post(reverse("victims_code:survey_invitations"), {**form, "action": "check"})
    assert "1 link will be made" in again.content.decode()
    assert "2 victims of these crimes already have a link" in again.content.decode()


def test_a_bad_batch_form_is_explained_and_nothing_is_made(client, login_as):
    pair("B0")
    login_as("opcc_admin")
    response = client.post(
        reverse("victims_code:survey_invitations"),
        {
            **date_parts("reported_from", "2024-06-30"),
            **date_parts("reported_to", "2024-04-01"),
            "limit": "9000",
            "valid_days": "0",
            "action": "make",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert "The last reported date must be the same as or after the first" in page
    assert (
        '<a href="#id_reported_to-day">The last reported date must be the same as or after the first</a>'
        in page
    )
    assert "A batch can make at most 5,000 links" in page
    assert "Links must work for at least 1 day" in page
    assert not SurveyInvitation.objects.exists()


@pytest.mark.parametrize(
    ("boxes", "message", "box"),
    [
        (date_parts("reported_from", ""), "Enter the first reported date", "reported_from-day"),
        (
            {"reported_from-day": "31", "reported_from-month": "6", "reported_from-year": "2024"},
            "First reported date must be a real date",
            "reported_from-day",
        ),
        (
            {"reported_from-day": "1", "reported_from-month": "", "reported_from-year": "2024"},
            "First reported date must include a month",
            "reported_from-month",
        ),
        (
            {"reported_from-day": "1", "reported_from-month": "4", "reported_from-year": "24"},
            "The year of the first reported date must include 4 numbers",
            "reported_from-year",
        ),
    ],
)
def test_a_reported_date_that_is_missing_or_not_real_is_explained(client, login_as, boxes, message, box):
    """The dates are GOV.UK date inputs: the Design System's message, linked to the box to put
    right, what was typed kept, and nothing made."""
    pair("B0")
    login_as("opcc_admin")
    response = client.post(
        reverse("victims_code:survey_invitations"),
        {
            **boxes,
            **date_parts("reported_to", "2024-06-30"),
            "limit": "5",
            "valid_days": "28",
            "action": "make",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert f'<a href="#id_{box}">{message}</a>' in page
    for name, typed in boxes.items():
        assert f'name="{name}" type="text" value="{typed}"' in page
    assert not SurveyInvitation.objects.exists()


def test_a_batch_can_be_chosen_with_a_month_typed_as_a_word(client, login_as):
    pair("B0")
    login_as("opcc_admin")
    boxes = {"reported_from-day": "1", "reported_from-month": "Apr", "reported_from-year": "2024"}
    response = client.post(
        reverse("victims_code:survey_invitations"),
        {
            **boxes,
            **date_parts("reported_to", "2024-06-30"),
            "limit": "5",
            "valid_days": "28",
            "action": "check",
        },
    )
    assert response.status_code == 200
    assert "1 link will be made" in response.content.decode()


def test_the_service_skips_and_reports_invited_and_unknown_pairs(world):
    crime, ref = pair("SK1")
    by = world.member("opcc_analyst")
    survey_invitations_create(pairs=[(crime.pk, ref)], by=by)
    batch = survey_invitations_create(pairs=[(crime.pk, ref), (crime.pk, "NOBODY")], by=by)
    assert batch.links == ()
    assert batch.skipped_already_invited == (("SK1", ref),)
    assert batch.skipped_unknown == ((crime.pk, "NOBODY"),)
    assert SurveyInvitation.objects.count() == 1


def test_pages_are_in_the_access_log(client, login_as, survey):
    person = login_as("opcc_analyst")
    client.get(reverse("victims_code:voice"), PERIOD)
    client.get(reverse("victims_code:voice_download"), PERIOD)
    client.get(reverse("victims_code:survey_invitations"))
    entries = AccessLog.objects.filter(actor=person)
    assert (
        entries.filter(action=AccessLog.Action.VIEW, record_label__startswith="Victims' voice").count() == 1
    )
    assert (
        entries.filter(action=AccessLog.Action.EXPORT, record_label__startswith="Victims' voice").count() == 1
    )
    assert entries.filter(action=AccessLog.Action.VIEW, record_label="Survey invitation links").count() == 1
    assert (
        "2024/25 Q1"
        in entries.get(action=AccessLog.Action.VIEW, record_label__startswith="Victims' voice").detail
    )


def test_choosing_victims_by_duty_and_enhanced_rights(world):
    """Four victims in Q1: one with a duty, one enhanced, one both, one neither; one outside Q1
    with a duty. Only with duties: 2; only enhanced: 2; both: 1; no filter: 4, oldest first."""
    with_duty, _ = pair("D1", reported=date(2024, 4, 2))
    duty(with_duty, f"{with_duty.crime_reference}-V0", "R3.WRITTEN_CONFIRMATION", delivered=True)
    pair("E1", reported=date(2024, 4, 3), enhanced_rights="domestic_abuse")
    both, _ = pair("DE1", reported=date(2024, 4, 4), enhanced_rights="hate_crime")
    duty(both, f"{both.crime_reference}-V0", "R3.WRITTEN_CONFIRMATION", delivered=False)
    pair("N1", reported=date(2024, 4, 5))
    outside, _ = pair("OUT", reported=date(2024, 7, 5))
    duty(outside, f"{outside.crime_reference}-V0", "R3.WRITTEN_CONFIRMATION", delivered=True)
    user = world.member("force_code_lead")

    def chosen(**narrowing):
        criteria = PairCriteria(reported_from=date(2024, 4, 1), reported_to=date(2024, 6, 30), **narrowing)
        return [ref.split("-")[0] for _, ref in survey_pairs_select(user=user, criteria=criteria).pairs]

    assert chosen() == ["D1", "E1", "DE1", "N1"]
    assert chosen(only_with_duties=True) == ["D1", "DE1"]
    assert chosen(only_enhanced=True) == ["E1", "DE1"]
    assert chosen(only_with_duties=True, only_enhanced=True) == ["DE1"]
    limited = survey_pairs_select(
        user=user,
        criteria=PairCriteria(reported_from=date(2024, 4, 1), reported_to=date(2024, 6, 30), limit=3),
    )
    assert len(limited.pairs) == 3
    assert limited.over_limit == 1
    assert (
        survey_pairs_select(
            user=world.member("caseworker"), criteria=PairCriteria(date(2024, 4, 1), date(2024, 6, 30))
        ).pairs
        == ()
    )
