"""A provider's manager submits a monitoring return and the OPCC accepts it, in a real browser,
with the seed paper's funding loaded: the IDVA award's last return (January to March 2023) is
the demo's one still due. Then the OPCC builds a return to the funder from accepted returns.
axe (WCAG 2.2 AA) passes on every page visited."""

import re

import pytest
from playwright.sync_api import expect

from .signing_in import sign_in_demo

pytestmark = pytest.mark.django_db(transaction=True)

DUE_RETURN = "DEMO-MOJ-IDVA-2021 return for 1 January 2023 to 31 March 2023"


def _sign_out(page, base_url):
    page.goto(f"{base_url}/account/logout/")
    page.get_by_role("button", name="Sign out").click()


def test_a_provider_submits_a_return_and_the_opcc_accepts_it(page, live_server, axe, console_errors):
    from waymark.funding.demo import demo_funding_load
    from waymark.funding.models import MonitoringReturn

    demo_funding_load()
    due = MonitoringReturn.objects.get(
        award__reference="DEMO-MOJ-IDVA-2021", status=MonitoringReturn.Status.DUE
    )

    # The IDVA provider's manager finds the due return among their own.
    sign_in_demo(page, live_server.url, "idva.manager@demo.waymark.test", axe=axe)
    page.locator(".govuk-service-navigation__link", has_text="Funding").click()
    expect(page.get_by_role("heading", name="Funding", exact=True)).to_be_visible()
    axe.check(page)
    page.locator("main").get_by_role("link", name="Monitoring returns", exact=True).click()
    expect(page.get_by_role("heading", name="Monitoring returns", exact=True)).to_be_visible()
    axe.check(page)
    expect(page.locator("#returns")).not_to_contain_text("DEMO-MOJ-ISVA-2021")  # another provider's
    page.get_by_role("link", name=DUE_RETURN).click()
    expect(page.locator("#return-summary")).to_contain_text("Late: was due 30 April 2023")
    axe.check(page)

    # The form refuses a return with no spend, saying which line is missing.
    page.get_by_role("button", name="Submit the return").click()
    expect(page.get_by_role("heading", name="Submit the monitoring return")).to_be_visible()
    axe.check(page)
    page.get_by_role("button", name="Submit the return").click()
    expect(page.get_by_role("alert").get_by_text("There is a problem")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text(
        "Enter the spend on IDVAs' salaries (illustrative); enter 0 if none."
    )
    axe.check(page)
    due.refresh_from_db()
    assert due.status == MonitoringReturn.Status.DUE

    spend = {
        "IDVAs' salaries": "221034.17",
        "Employer's National Insurance and pension": "49440.00",
        "Travel, training and equipment": "11632.40",
        "Management and overheads": "8724.30",
    }
    for line, amount in spend.items():
        page.get_by_label(re.compile(rf"Spend on {re.escape(line)} \(")).fill(amount)
    page.get_by_label("Referrals received", exact=True).fill("612")
    page.get_by_label("Cases open at the end of the period", exact=True).fill("845")
    page.get_by_label("Narrative", exact=True).fill("The IDVAs supported high-risk victims all quarter.")
    page.get_by_role("button", name="Submit the return").click()
    expect(page.get_by_text("Return submitted. The OPCC will review it.")).to_be_visible()
    expect(page.locator("#return-summary")).to_contain_text("awaiting review")
    expect(page.locator("#spend")).to_contain_text("£290,830.87")
    axe.check(page)
    due.refresh_from_db()
    assert due.status == MonitoringReturn.Status.SUBMITTED
    _sign_out(page, live_server.url)

    # The OPCC's analyst sees it submitted, and accepts it.
    sign_in_demo(page, live_server.url, "opcc.analyst@demo.waymark.test", axe=axe)
    page.goto(f"{live_server.url}/funding/returns/?status=submitted")
    axe.check(page)
    row = page.locator("#returns tr", has=page.get_by_role("link", name=DUE_RETURN))
    expect(row).to_contain_text("Submitted")
    expect(row).to_contain_text("awaiting review")
    row.get_by_role("link", name=DUE_RETURN).click()
    expect(page.locator("#return-summary")).to_contain_text("Demo IDVA service manager")
    axe.check(page)
    page.get_by_role("button", name="Review the return").click()
    expect(page.get_by_role("heading", name="Review the monitoring return")).to_be_visible()
    axe.check(page)
    page.get_by_label("Decision").select_option("accept")
    page.get_by_role("button", name="Save the decision").click()
    expect(page.get_by_text("Return accepted.")).to_be_visible()
    expect(page.locator("#return-summary")).to_contain_text("Accepted")
    axe.check(page)
    due.refresh_from_db()
    assert due.status == MonitoringReturn.Status.ACCEPTED

    # The plan and a scenario, each table with its CSV and XLSX downloads. The demo's posts
    # have no annual cost, so the planning tests' small case (whose posts do) is added for the
    # scenario to leave some unfunded.
    from waymark.accounts.models import Organisation
    from waymark.funding.tests.planning_builders import build_case

    build_case(Organisation.objects.get(name="Domestic abuse advocacy provider (demo)"))
    for path, table in (
        ("/funding/", "Money by source and financial year"),
        ("/funding/scenario/?cut_percent=10&pay_rise_percent=3", "Posts that go unfunded"),
    ):
        page.goto(f"{live_server.url}{path}")
        expect(
            page.get_by_role("link", name=f"Download this table as an Excel workbook (XLSX) ({table})")
        ).to_be_visible()
        axe.check(page)

    # The accepted returns roll up into the return to the MoJ fund, with its two downloads.
    page.goto(f"{live_server.url}/funding/funder-returns/build/")
    axe.check(page)
    page.get_by_label("Funding source").select_option(label="National ISVA and IDVA Fund")
    for legend, (day, month, year) in (
        ("Start of the period", ("1", "4", "2021")),
        ("End of the period", ("30", "6", "2021")),
    ):
        period = page.get_by_role("group", name=legend)
        period.get_by_label("Day").fill(day)
        period.get_by_label("Month").fill(month)
        period.get_by_label("Year").fill(year)
    page.get_by_role("button", name="Build the return").click()
    expect(page.get_by_role("heading", name="Return for 1 April 2021 to 30 June 2021")).to_be_visible()
    expect(page.locator("#included")).to_contain_text("DEMO-MOJ-IDVA-2021")
    expect(page.locator("#included")).to_contain_text("DEMO-MOJ-ISVA-2021")
    expect(page.get_by_role("link", name="Download this return as an Excel workbook (XLSX)")).to_be_visible()
    axe.check(page)
    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors
