"""A person signs in with password and authenticator code, and the pages they use are accessible."""

import re

import pytest
from playwright.sync_api import expect

from waymark.core.testing.world import build_world

from .signing_in import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_admin_signs_in_with_mfa_and_the_pages_pass_axe(page, live_server, axe, console_errors):
    world = build_world()
    admin = world.member("opcc_admin")
    sign_in(page, live_server.url, admin.email, axe=axe)
    axe.check(page)
    # GOV.UK Frontend's JavaScript ran (from our own static file, under the CSP).
    expect(page.locator("body")).to_have_class(re.compile("govuk-frontend-supported"))

    page.get_by_role("link", name="Organisations", exact=True).first.click()
    expect(page.get_by_role("heading", name="Organisations")).to_be_visible()
    axe.check(page)

    page.get_by_role("link", name="Home Provider").click()
    expect(page.get_by_role("heading", name="Home Provider")).to_be_visible()
    axe.check(page)

    # A form with an error shows the GOV.UK error summary, which is focused and accessible.
    page.goto(f"{live_server.url}/organisations/new/")
    page.get_by_role("button", name="Add organisation").click()
    expect(page.get_by_role("alert").get_by_text("There is a problem")).to_be_visible()
    axe.check(page)

    page.get_by_role("link", name="People", exact=True).first.click()
    expect(page.get_by_role("heading", name="People")).to_be_visible()
    axe.check(page)

    page.goto(f"{live_server.url}/account/2fa/")
    expect(page.get_by_role("heading", name="Account security")).to_be_visible()
    axe.check(page)

    # API tokens, from the Administration section's page: make one; the secret is shown once.
    page.locator(".govuk-service-navigation__link", has_text="Administration").click()
    expect(page.get_by_role("heading", name="Administration", exact=True)).to_be_visible()
    axe.check(page)
    page.locator("main").get_by_role("link", name="API tokens", exact=True).click()
    axe.check(page)
    page.get_by_role("button", name="Make an API token").click()
    axe.check(page)
    page.get_by_label("Name", exact=True).fill("Force referral feed")
    page.get_by_label("Organisation", exact=True).select_option(label="Test Police")
    page.get_by_role("button", name=re.compile("Make")).click()
    expect(page.get_by_label("Your new API token")).to_have_value(re.compile(r"^wm_[0-9a-f]{8}_"))
    axe.check(page)

    # Maintenance and the job list.
    page.goto(f"{live_server.url}/jobs/maintenance/")
    axe.check(page)
    page.goto(f"{live_server.url}/jobs/")
    axe.check(page)
    # The API documentation page and Swagger UI's files come from our own origin.
    docs = page.goto(f"{live_server.url}/api/v1/docs")
    assert docs is not None
    assert docs.status == 200
    # Swagger UI fetches its files and the schema on its own. Let those requests end before
    # making more: the live server shares one SQLite connection between its threads, and two
    # requests at once (or one still writing its session when the test ends) break it.
    page.wait_for_load_state("networkidle")
    for asset in ("swagger-ui-bundle.js", "swagger-ui-init.js"):
        response = page.request.get(f"{live_server.url}/api/v1/docs/assets/{asset}")
        assert response.status == 200
    page.wait_for_load_state("networkidle")

    assert not [e for e in console_errors if "Content Security Policy" in e], console_errors


def test_auditor_and_caseworker_pages_pass_axe(page, live_server, axe):
    world = build_world()
    auditor = world.member("auditor")
    sign_in(page, live_server.url, auditor.email, axe=axe)
    page.get_by_role("link", name="Access log").first.click()
    expect(page.get_by_role("heading", name="Access log")).to_be_visible()
    axe.check(page)
    page.goto(f"{live_server.url}/directory/")
    axe.check(page)
    # The caseworker's navigation has no admin sections.
    page.goto(f"{live_server.url}/account/logout/")
    page.get_by_role("button", name="Sign out").click()
    caseworker = world.member("caseworker")
    sign_in(page, live_server.url, caseworker.email, axe=axe)
    axe.check(page)
    expect(page.get_by_role("link", name="Organisations", exact=True)).to_have_count(0)


def test_the_axe_check_fails_on_an_inaccessible_page(page, axe):
    """The checker itself: a page with an unlabelled input and no language must fail."""
    page.set_content("<html><body><input type='text'><img src='x.png'></body></html>")
    with pytest.raises(AssertionError, match="axe found violations"):
        axe.check(page)


def test_the_axe_check_fails_on_content_outside_landmarks_and_a_skipped_heading(page, axe):
    """The checker runs axe's landmark and heading rules too, not only the WCAG ones, which this
    page passes."""
    page.set_content(
        "<html lang='en'><head><title>Page</title></head><body><p>Outside</p>"
        "<main><h2>No h1</h2><h4>Skips h3</h4></main></body></html>"
    )
    with pytest.raises(AssertionError, match="axe found violations") as failure:
        axe.check(page)
    for rule in ("region", "page-has-heading-one", "heading-order"):
        assert rule in str(failure.value)
