"""Signing in through the real pages, as every browser test starts."""

from typing import Any

from playwright.sync_api import expect

from waymark.core.testing.factories import TEST_PASSWORD, TEST_TOTP_SECRET, totp_code


def sign_in(
    page: Any,
    base_url: str,
    email: str,
    *,
    password: str = TEST_PASSWORD,
    totp_secret: str = TEST_TOTP_SECRET,
    axe: Any = None,
) -> None:
    """Sign in with the password and the authenticator code and land on Home; with `axe`, the
    two sign-in pages and Home are checked on the way."""
    page.goto(f"{base_url}/account/login/")
    if axe is not None:
        axe.check(page)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Enter your security code")).to_be_visible()
    if axe is not None:
        axe.check(page)
    page.get_by_label("Code from your authenticator app").fill(totp_code(totp_secret))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Home", exact=True)).to_be_visible()
    if axe is not None:
        axe.check(page)


def sign_in_demo(page: Any, base_url: str, email: str, *, axe: Any = None) -> None:
    """`sign_in` as a demo user (`waymark demo`: one password and authenticator secret for all)."""
    from waymark.accounts.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET

    sign_in(page, base_url, email, password=DEMO_PASSWORD, totp_secret=DEMO_TOTP_SECRET, axe=axe)
