"""Every demo role signs in and visits each page its navigation offers, each section's page and
every page listed there, plus the first record of each list: every page renders and passes axe
(WCAG 2.2 AA) with the demo data loaded."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from waymark.accounts.models import User
from waymark.core.navigation import nav_items_for

from .signing_in import sign_in_demo

pytestmark = pytest.mark.django_db(transaction=True)

ROLES = [
    "opcc.admin@demo.waymark.test",
    "opcc.analyst@demo.waymark.test",
    "board.member@demo.waymark.test",
    "force.lead@demo.waymark.test",
    "provider.manager@demo.waymark.test",
    "caseworker@demo.waymark.test",
    "auditor@demo.waymark.test",
    "idva@demo.waymark.test",
]

# Lists whose first record is opened too: a link to `<list><uuid>/`.
RECORD_LISTS = ("/referrals/", "/cases/", "/referrals/events/", "/cases/disclosures/")
FIRST_RECORD_JS = """(prefix) => {
  const pattern = new RegExp("^" + prefix + "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/$");
  const link = [...document.querySelectorAll("main a")].find((a) => pattern.test(a.pathname));
  return link ? link.pathname : null;
}"""


@pytest.mark.parametrize("email", ROLES)
def test_each_role_walks_its_sections(page, live_server, axe, console_errors, email):
    call_command("demo", quiet=True)
    sign_in_demo(page, live_server.url, email)
    axe.check(page)
    paths = page.locator(".govuk-service-navigation__link").evaluate_all(
        "links => links.map(a => a.pathname)"
    )
    assert paths, "every role has at least its home page"
    visited = []
    while paths:
        path = paths.pop(0)
        visited.append(path)
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None
        assert response.status == 200, path
        axe.check(page)
        if path.startswith("/sections/"):
            # The section's pages, each visited in turn, then the rest of the navigation.
            listed = page.locator("main .govuk-list a").evaluate_all("links => links.map(a => a.pathname)")
            assert len(listed) > 1, path
            paths[:0] = listed
        record = page.evaluate(FIRST_RECORD_JS, path) if path in RECORD_LISTS else None
        if record:
            assert page.goto(f"{live_server.url}{record}").status == 200, record
            expect(page.locator("main h1")).to_be_visible()
            axe.check(page)
            if path == "/cases/":
                # The case's risk page and the DASH checklist form.
                case_id = record.strip("/").split("/")[-1]
                for risk_page in (f"/risk/cases/{case_id}/", f"/risk/cases/{case_id}/assessments/new/"):
                    assert page.goto(f"{live_server.url}{risk_page}").status == 200, risk_page
                    axe.check(page)
    # Through its sections, the walk reached every page the role may use.
    user = User.objects.get(email=email)
    assert {reverse(item.url_name) for item in nav_items_for(user)} <= set(visited)
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors


def test_public_self_referral_page_passes_axe_and_has_exit_this_page(page, live_server, axe):
    call_command("demo", quiet=True)
    page.goto(f"{live_server.url}/get-support/")
    axe.check(page)
    expect(page.get_by_role("button", name="Exit this page").first).to_be_visible()
    assert page.locator("form").first.get_attribute("autocomplete") == "off"


def test_compliance_pages_beyond_the_navigation_pass_axe(page, live_server, axe, console_errors):
    """The Victims' Code pages an OPCC admin reaches from the sections: a metric, a breakdown,
    the equity view, the quarterly return, the survey links, the forms and a record of each
    register, the imports and the correction of the duties file's date, with the demo data
    loaded."""
    from django.urls import reverse

    from waymark.crime.models import ForceExtractImport
    from waymark.victims_code.models import ComplianceAction, Entitlement, ReviewMeeting

    call_command("demo", quiet=True)
    sign_in_demo(page, live_server.url, "opcc.admin@demo.waymark.test")
    duties = ForceExtractImport.objects.filter(kind=ForceExtractImport.Kind.CODE_DUTIES).latest("created_at")
    meeting = ReviewMeeting.objects.first()
    action = ComplianceAction.objects.first()
    assert meeting is not None
    assert action is not None
    paths = [
        reverse("victims_code:metrics"),
        reverse("victims_code:metric", args=["M05"]),
        reverse("victims_code:metric", args=["M07"]) + "?breakdown=enhanced",
        reverse("victims_code:metric", args=["M22"]),
        reverse("victims_code:equity"),
        reverse("victims_code:quarterly_return"),
        reverse("victims_code:voice") + "?breakdown=sex",
        reverse("victims_code:survey_invitations"),
        reverse("victims_code:complaint_add"),
        reverse("victims_code:review_add"),
        reverse("victims_code:review_detail", args=[meeting.public_id]),
        reverse("victims_code:action_add", args=[meeting.public_id]),
        reverse("victims_code:action_update", args=[action.public_id]),
        reverse("victims_code:audit_add"),
        reverse("victims_code:upload"),
        reverse("victims_code:upload_aggregate_return"),
        reverse("victims_code:imports"),
        reverse("crime:redate", args=[duties.public_id]),
        reverse("victims_code:code_version", args=["VCOP-DRAFT-2026"]),
        reverse("victims_code:entitlement_edit", args=[Entitlement.objects.get(code="R6.ARREST_UPDATE").pk]),
    ]
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None
        assert response.status == 200, path
        axe.check(page)
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors


def test_crime_upload_pages_pass_axe_and_say_what_is_missing(page, live_server, axe, console_errors):
    """The two upload forms of Crime data imports, as an OPCC analyst, before and after sending
    one with nothing chosen."""
    call_command("demo", quiet=True)
    sign_in_demo(page, live_server.url, "opcc.analyst@demo.waymark.test")
    for path, button in (
        ("/crime/imports/upload/", "Upload and import"),
        ("/crime/imports/police-uk/upload/", "Upload and import"),
    ):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None
        assert response.status == 200, path
        axe.check(page)
        page.get_by_role("button", name=button).click()
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        axe.check(page)
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose the police.uk file to upload.")
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors


def test_the_extraction_date_is_typed_in_a_govuk_date_input(page, live_server, axe, console_errors):
    """The extraction date is three boxes: a date that is not real is refused with the Design
    System's message, the summary's link takes the person to the day box, and a month typed as a
    word is accepted."""
    from django_tasks_db.models import DBTaskResult

    from waymark.crime.tests.force_extract_support import SAMPLE_CRIMES

    call_command("demo", quiet=True)
    sign_in_demo(page, live_server.url, "opcc.analyst@demo.waymark.test")
    page.goto(f"{live_server.url}/crime/imports/upload/")
    date = page.get_by_role("group", name="Date the force extracted the data")
    date.get_by_label("Day").fill("31")
    date.get_by_label("Month").fill("4")
    date.get_by_label("Year").fill("2025")
    page.get_by_label("Crimes").check()
    page.get_by_label("CSV file").set_input_files(SAMPLE_CRIMES)
    page.get_by_role("button", name="Upload and import").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Date the force extracted the data must be a real date")
    axe.check(page)
    date = page.get_by_role("group", name="Date the force extracted the data")
    expect(date.get_by_label("Day")).to_have_value("31")  # kept, to be corrected
    summary.get_by_role("link").click()
    expect(date.get_by_label("Day")).to_be_focused()
    date.get_by_label("Day").fill("1")
    date.get_by_label("Month").fill("April")
    page.get_by_label("CSV file").set_input_files(SAMPLE_CRIMES)
    page.get_by_role("button", name="Upload and import").click()
    expect(page).to_have_url(re.compile(r"/jobs/"))
    queued = DBTaskResult.objects.get(task_path="waymark.crime.tasks.force_extract_import")
    assert queued.args_kwargs["kwargs"]["extracted_on"] == "2025-04-01"
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors


def test_the_extraction_date_correction_page_passes_axe(page, live_server, axe, console_errors):
    """From the imports page's "Correct" link to the correction page, before and after a date
    with no month."""
    call_command("demo", quiet=True)
    sign_in_demo(page, live_server.url, "opcc.analyst@demo.waymark.test")
    page.goto(f"{live_server.url}/crime/imports/")
    page.get_by_role("link", name=re.compile(r"^Correct the extraction date of .*crimes")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Correct the extraction date")
    axe.check(page)
    date = page.get_by_role("group", name="Date the force extracted the data")
    date.get_by_label("Month").fill("")
    page.get_by_role("button", name="Correct the date").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Date the force extracted the data must include a month"
    )
    axe.check(page)
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors


def test_the_public_survey_passes_axe_and_its_link_works_once(page, live_server, axe):
    from waymark.accounts.models import User
    from waymark.crime.models import CrimeVictim
    from waymark.victims_code.models import SurveyInvitation
    from waymark.victims_code.voice import survey_invitations_create

    call_command("demo", quiet=True)
    invited = set(SurveyInvitation.objects.values_list("crime_id", "victim_ref"))
    victim = next(
        v
        for v in CrimeVictim.objects.order_by("pk").values_list("crime_id", "victim_ref")
        if v not in invited
    )
    analyst = User.objects.get(email="opcc.analyst@demo.waymark.test")
    link = survey_invitations_create(pairs=[victim], by=analyst).links[0]
    page.goto(f"{live_server.url}{link.path}")
    axe.check(page)
    expect(page.get_by_role("button", name="Exit this page").first).to_be_visible()
    page.get_by_role(
        "group", name="Overall, how satisfied were you with your whole experience of the police?"
    ).get_by_label("Fairly satisfied").check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.locator("main h1")).to_be_visible()
    axe.check(page)
    again = page.goto(f"{live_server.url}{link.path}")
    assert again is not None
    assert again.status == 404
    axe.check(page)


def test_funding_pages_beyond_the_navigation_pass_axe(page, live_server, axe, console_errors):
    """The funding pages an OPCC analyst reaches from the funding plan, with the seed paper's
    funding loaded: sources, awards, posts and Table 1, match funding, returns, scenarios,
    downloads and the forms."""
    from django.urls import reverse

    from waymark.funding.models import Award, FundedPost, FundingSource

    call_command("demo", quiet=True)
    sign_in_demo(page, live_server.url, "opcc.analyst@demo.waymark.test")
    award = Award.objects.order_by("reference").first()
    post = FundedPost.objects.order_by("pk").first()
    source = FundingSource.objects.order_by("pk").first()
    assert award is not None
    assert post is not None
    assert source is not None
    paths = [
        reverse("funding:sources"),
        reverse("funding:source_detail", args=[source.public_id]),
        reverse("funding:awards"),
        reverse("funding:award_detail", args=[award.public_id]),
        reverse("funding:award_edit", args=[award.public_id]),
        reverse("funding:award_vary", args=[award.public_id]),
        reverse("funding:posts"),
        reverse("funding:posts_table"),
        reverse("funding:post_detail", args=[post.public_id]),
        reverse("funding:match"),
        reverse("funding:award_match", args=[award.public_id]),
        reverse("funding:funder_returns"),
        reverse("funding:scenario") + "?cut_percent=10&pay_rise_percent=3",
        reverse("funding:export"),
        reverse("funding:import"),
        reverse("funding:giving360"),
        reverse("funding:allocation_add", args=[source.public_id]),
    ]
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None
        assert response.status == 200, path
        axe.check(page)
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors
