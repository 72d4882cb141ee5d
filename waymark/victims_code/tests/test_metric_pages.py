"""The compliance pages: who may see them, that they show the selectors' figures with ratings
in words, and that each view is access-logged. Today is frozen at 20 July 2025, so the default
quarter is 2025/26 Q1 (1 April to 30 June 2025).

The data: twelve M05 referral duties reported Tue 1 April 2025 (due Thu 3 April): 3 enhanced
(on time), 9 standard (7 on time, 2 late). So M05 is 10 of 12 (83.3%, amber against 90/75),
and the enhanced 3 and the standard 7 of 9 are hidden at the threshold of 5.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from waymark.accounts.models import Organisation
from waymark.accounts.roles import Role
from waymark.audit.models import AccessLog
from waymark.core.testing.factories import OrganisationFactory, make_member
from waymark.core.testing.matrix import permission_matrix

from .metric_support import duty, recompute, referral

pytestmark = pytest.mark.django_db

COMPLIANCE_VIEWERS = {"opcc_admin": 200, "opcc_analyst": 200, "force_code_lead": 200, "anonymous": 302}
PAGES = [
    ("victims_code:overview", {}),
    ("victims_code:metrics", {}),
    ("victims_code:metric", {"code": "M05"}),
    ("victims_code:equity", {}),
    ("victims_code:quarterly_return", {}),
]


@pytest.fixture(autouse=True)
def _today() -> Any:
    with time_machine.travel(datetime(2025, 7, 20, 12), tick=False):
        yield


@pytest.fixture
def duties(world: Any) -> None:
    for _ in range(3):
        duty("R4.SUPPORT_REFERRAL", triggered=date(2025, 4, 1), delivered=date(2025, 4, 3), enhanced=True)
    for index in range(9):
        delivered = date(2025, 4, 3) if index < 7 else date(2025, 4, 4)
        duty("R4.SUPPORT_REFERRAL", triggered=date(2025, 4, 1), delivered=delivered)
    recompute()


@permission_matrix(COMPLIANCE_VIEWERS, default=403)
@pytest.mark.parametrize(("name", "kwargs"), PAGES)
def test_who_may_see_the_compliance_pages(client, login_as, duties, role, expected, name, kwargs):
    """The OPCC's admins and analysts and the force's Code leads; not providers' managers or
    caseworkers, board members, auditors or partners; anyone signed out is sent to sign in."""
    login_as(role)
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == expected
    if expected == 403:
        assert b"83.3%" not in response.content


@permission_matrix(COMPLIANCE_VIEWERS, default=403)
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_who_may_download_the_quarterly_return(client, login_as, duties, role, expected, file_format):
    login_as(role)
    url = reverse("victims_code:quarterly_return_download", kwargs={"file_format": file_format})
    assert client.get(url, {"quarter": "2025/26 Q1"}).status_code == expected


def test_the_overview_shows_each_metric_with_its_rating_in_words(client, login_as, duties):
    login_as("opcc_analyst")
    response = client.get(reverse("victims_code:overview"))
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        "Victims&#39; Code compliance, 2025/26 Q1" in page or "Victims' Code compliance, 2025/26 Q1" in page
    )
    assert "Right 4: To be referred to services that support victims" in page
    row = page[page.index("M05 Referral within 2 working days") :]
    row = row[: row.index("</tr>")]
    assert "83.3%" in row
    assert ">Amber<" in row  # the rating in words, not colour alone
    assert "10 of 12" in row
    assert 'id="trend-m05"' in page  # the trend chart, with its table
    assert 'id="trend-m05-table"' in page


def test_the_overview_filters_by_agency(client, login_as, duties):
    login_as("opcc_analyst")
    page = client.get(reverse("victims_code:overview"), {"agency": "witness_care"}).content.decode()
    assert "M14 Hearing details notified on time" in page
    assert "M05 Referral within 2 working days" not in page


def test_a_bad_quarter_is_named_in_an_error_summary(client, login_as, duties):
    login_as("opcc_analyst")
    response = client.get(reverse("victims_code:overview"), {"quarter": "2025/26 Q7"})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()


def test_the_metric_page_explains_the_definition_and_breaks_the_figure_down(client, login_as, duties):
    login_as("force_code_lead")
    response = client.get(reverse("victims_code:metric", kwargs={"code": "M05"}), {"period": "2025/26 Q1"})
    page = response.content.decode()
    assert "R4.SUPPORT_REFERRAL" in page
    assert "2 working days" in page
    assert "Numerator" in page
    assert "Denominator" in page
    for breakdown in (
        "enhanced",
        "crime_group",
        "local_authority",
        "age_band",
        "sex",
        "ethnicity",
        "disability",
    ):
        assert f'id="table-{breakdown}"' in page
    enhanced = page[page.index('id="table-enhanced"') :]
    enhanced = enhanced[: enhanced.index("</table>")]
    assert "[c]" in enhanced  # 3 of 3 and 7 of 9: hidden
    assert "Not yet due" in page


def test_the_evidence_date_is_given_only_for_figures_judged_at_it(client, login_as, duties):
    """The duties file's date judges duties; M22 counts crime outcomes, which are not judged at
    it, so its page does not claim it."""
    login_as("opcc_analyst")
    on_time = client.get(reverse("victims_code:metric", kwargs={"code": "M05"}), {"period": "2025/26 Q1"})
    attrition = client.get(reverse("victims_code:metric", kwargs={"code": "M22"}), {"period": "2025/26 Q1"})
    assert "Evidence as of" in on_time.content.decode()
    assert "Evidence as of" not in attrition.content.decode()


def test_an_unknown_metric_is_404(client, login_as):
    login_as("opcc_analyst")
    assert client.get(reverse("victims_code:metric", kwargs={"code": "M99"})).status_code == 404


def test_the_list_names_every_seeded_metric(client, login_as):
    login_as("opcc_admin")
    page = client.get(reverse("victims_code:metrics")).content.decode()
    for code in (
        "M01",
        "M04",
        "M05",
        "M07",
        "M08",
        "M12",
        "M14",
        "M15",
        "M17",
        "M18",
        "M19",
        "M20",
        "M22",
        "M28",
    ):
        assert f">{code} " in page


def test_the_equity_view_shows_gaps_with_their_interval(client, login_as, world):
    """M04 by enhanced rights: enhanced 10 of 10 referred, standard 5 of 10: a gap of +50.0
    points for the enhanced and -50.0 for the standard, with Newcombe's 95% interval."""
    for index in range(10):
        duty("R4.SUPPORT_REFERRAL", triggered=date(2025, 4, 1), delivered=date(2025, 4, 2), enhanced=True)
        duty(
            "R4.SUPPORT_REFERRAL",
            triggered=date(2025, 4, 1),
            delivered=date(2025, 4, 2) if index < 5 else None,
        )
    recompute()
    from waymark.victims_code.metrics import gap_interval

    _gap, low, high = gap_interval((10, 10), (5, 10)) or (0, 0, 0)
    login_as("opcc_analyst")
    page = client.get(
        reverse("victims_code:equity"), {"period": "2025/26 Q1", "breakdown": "enhanced"}
    ).content.decode()
    table = page[page.index('id="equity-m04"') :]
    table = table[: table.index("</table>")]
    assert "+50.0 points" in table
    assert f"{low * 100:+.1f} to {high * 100:+.1f} points" in table
    assert "-50.0 points" in table


def test_pages_are_access_logged(client, login_as, duties):
    user = login_as("opcc_analyst")
    client.get(reverse("victims_code:metric", kwargs={"code": "M05"}), {"period": "2025/26 Q1"})
    entry = AccessLog.objects.filter(actor=user).latest("pk")
    assert entry.record_label == "Victims' Code metric M05"
    assert "2025/26 Q1" in entry.detail
    client.get(
        reverse("victims_code:quarterly_return_download", kwargs={"file_format": "csv"}),
        {"quarter": "2025/26 Q1"},
    )
    entry = AccessLog.objects.filter(actor=user).latest("pk")
    assert entry.action == AccessLog.Action.EXPORT


# --- providers ------------------------------------------------------------------------------------


@pytest.fixture
def referrals(world: Any) -> None:
    """Ten referrals to each service in 2025/26 Q1 (due Tue 6 May), first contact on time for
    eight of the home service's (two on Fri 9 May: late) and all ten of the other's."""
    by = world.member("caseworker")
    for index in range(10):
        contact = datetime(2025, 5, 2 if index < 8 else 9, 10)
        referral(
            service=world.service,
            received=datetime(2025, 5, 1, 9),
            due=date(2025, 5, 6),
            contact=contact,
            by=by,
        )
        referral(
            service=world.other_service,
            received=datetime(2025, 5, 1, 9),
            due=date(2025, 5, 6),
            contact=datetime(2025, 5, 2, 10),
            by=by,
        )


@permission_matrix({"provider_manager": 200, "provider_manager_other": 200, "anonymous": 302}, default=403)
def test_who_may_see_the_provider_page(client, login_as, referrals, role, expected):
    login_as(role)
    assert client.get(reverse("victims_code:provider_metrics")).status_code == expected


def test_a_provider_manager_sees_only_their_own_services_first_contact(client, login_as, referrals, duties):
    login_as("provider_manager")
    page = client.get(reverse("victims_code:provider_metrics"), {"period": "2025/26 Q1"}).content.decode()
    assert "Home Service (Home Provider)" in page
    assert "80.0%" in page  # 8 of 10
    assert "Other Service" not in page
    assert "Other Provider" not in page
    assert "M05" not in page
    assert "Referral within 2 working days" not in page
    assert "M28 " in page


def test_the_metric_page_lists_the_actions_that_address_it(client, login_as, world):
    """An action agreed at a review meeting and linked to M07 shows on M07's page, overdue when
    its due date has passed; an action linked only to M12 does not."""
    from datetime import date as day

    from waymark.victims_code.models import MetricDefinition
    from waymark.victims_code.reviews import compliance_action_add, review_meeting_record

    lead = world.member("force_code_lead")
    meeting = review_meeting_record(
        by=lead, forum="victims_witnesses", held_on=day(2025, 4, 2), title="Q4 review"
    )
    compliance_action_add(
        by=lead,
        meeting=meeting,
        description="Brief officers on the 1 working-day update for enhanced victims",
        owner_agency="police",
        owner_role="Head of Public Protection",
        due_on=day(2025, 5, 30),
        metrics=[MetricDefinition.objects.get(code="M07")],
    )
    compliance_action_add(
        by=lead,
        meeting=meeting,
        description="Offer the VPS at the witness statement",
        owner_agency="police",
        owner_role="Victims' Code lead",
        due_on=day(2025, 5, 30),
        metrics=[MetricDefinition.objects.get(code="M12")],
    )
    login_as("opcc_analyst")
    page = client.get(reverse("victims_code:metric", kwargs={"code": "M07"})).content.decode()
    actions = page[page.index('id="metric-actions"') :]
    assert "Brief officers on the 1 working-day update" in actions
    assert "(overdue)" in actions
    assert "Offer the VPS" not in actions


@pytest.mark.parametrize(
    "name", ["victims_code:overview", "victims_code:equity", "victims_code:quarterly_return"]
)
def test_an_opcc_with_no_force_area_sees_pages_with_nothing_in_them(
    client: Any, world: Any, name: str
) -> None:
    """Its analyst holds a compliance role but sees no force area's evidence: the pages show no
    figures, not a server error (the counting query was built from nothing)."""
    duty("R3.WRITTEN_CONFIRMATION", triggered=date(2024, 5, 1), delivered=date(2024, 5, 2))
    recompute()
    unplaced = OrganisationFactory.create(name="Unplaced OPCC", type=Organisation.Type.OPCC)
    client.force_login(make_member(role=Role.OPCC_ANALYST, organisation=unplaced))
    response = client.get(reverse(name))
    assert response.status_code == 200
