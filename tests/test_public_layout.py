"""Pages a victim or member of the public may reach carry Exit this page."""

from django.template.loader import render_to_string
from django.test import RequestFactory


def test_public_layout_has_exit_this_page():
    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    page = render_to_string("layouts/public.html", request=request)
    assert "govuk-exit-this-page" in page
    assert "Exit this page" in page


def test_staff_layout_has_no_exit_this_page():
    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert "govuk-exit-this-page" not in render_to_string("layouts/base.html", request=request)
