"""Keyset pagination of the caseworker queues: every case once, in order, in constant queries."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from waymark.audit.models import AccessLog
from waymark.cases import selectors
from waymark.cases.models import Case

from .factories import make_case

pytestmark = pytest.mark.django_db

LINK = re.compile(
    r'href="\?([^"]*(?:after|before)=[^"]*)"[^>]*>\s*(?:<svg.*?</svg>\s*)?<span[^>]*>\s*(\w+)', re.S
)


def _links(html: str) -> dict[str, str]:
    """The pagination's "Previous" / "Next" hrefs (query strings) by label."""
    return {label: href.replace("&amp;", "&") for href, label in LINK.findall(html)}


def _refs(html: str) -> list[str]:
    return re.findall(r">(C-[A-Z0-9]+)<span class=\"govuk-visually-hidden\"> case page", html)


@pytest.fixture
def many(world: Any) -> list[Case]:
    """60 open team cases with due dates in ties (and some without any), opened at varied times."""
    today = timezone.localdate()
    cases = []
    for i in range(60):
        case = make_case(service=world.service, team=world.team, with_referral=False)
        Case.objects.filter(pk=case.pk).update(
            first_contact_due=None if i % 7 == 0 else today + timedelta(days=i % 4),
            opened_at=timezone.now() - timedelta(hours=i % 5),
            status=Case.Status.ON_HOLD if i % 3 == 0 else Case.Status.ACTIVE_SUPPORT,
        )
        cases.append(case)
    return cases


@pytest.mark.parametrize("sort", ["first_contact_due", "newest", "oldest", "reference", "status"])
def test_next_then_previous_walks_every_case_once_in_the_sort_order(client, world, login_as, many, sort):
    login_as("caseworker")
    filters = selectors.CaseFilters(sort=sort)
    expected = list(
        selectors.case_list_for_user(user=world.member("caseworker"), filters=filters).values_list(
            "reference", flat=True
        )
    )
    assert len(expected) == 60
    if sort == "first_contact_due":  # an empty due date sorts after every date, then by id
        by_ref = {c.reference: c for c in Case.objects.all()}
        keys = [
            (by_ref[r].first_contact_due is None, by_ref[r].first_contact_due, by_ref[r].pk) for r in expected
        ]
        assert keys == sorted(keys, key=lambda k: (k[0], k[1] or timezone.localdate(), k[2]))
    pages, query = [], f"sort={sort}"
    html = client.get(f"/cases/team/?{query}").content.decode()
    while True:
        pages.append(_refs(html))
        links = _links(html)
        if "Next" not in links:
            break
        html = client.get(f"/cases/team/?{links['Next']}").content.decode()
    assert [len(p) for p in pages] == [25, 25, 10]
    assert [ref for page in pages for ref in page] == expected
    # And back again: "Previous" from the last page gives the same pages in reverse.
    back = [_refs(html)]
    while "Previous" in (links := _links(html)):
        html = client.get(f"/cases/team/?{links['Previous']}").content.decode()
        back.append(_refs(html))
    assert back == pages[::-1]


def test_filters_stay_on_the_page_links(client, login_as, many):
    login_as("caseworker")
    html = client.get("/cases/team/", {"status": "on_hold", "sort": "first_contact_due"}).content.decode()
    assert len(_refs(html)) == 20
    assert _links(html) == {}
    html = client.get("/cases/team/", {"status": "all", "sort": "first_contact_due"}).content.decode()
    following = _links(html)["Next"]
    assert "status=all" in following
    assert "sort=first_contact_due" in following
    assert "page=" not in following


def test_a_bad_cursor_shows_the_first_page(client, login_as, many):
    login_as("caseworker")
    first = _refs(client.get("/cases/team/").content.decode())
    for cursor in ("nonsense", "W10", "WyJ4Il0", "x" * 1000, "WyJub3QgYSBkYXRlIiwgMV0"):
        response = client.get("/cases/team/", {"after": cursor})
        assert response.status_code == 200
        assert _refs(response.content.decode()) == first
        assert _refs(client.get("/cases/team/", {"before": cursor}).content.decode()) == first


def test_a_cursor_cannot_reach_outside_the_readers_scope(client, world, login_as, many, other_case):
    login_as("caseworker")
    html = client.get("/cases/team/", {"status": "all"}).content.decode()
    seen = set(_refs(html))
    while "Next" in (links := _links(html)):
        html = client.get(f"/cases/team/?{links['Next']}").content.decode()
        seen |= set(_refs(html))
    assert len(seen) == 60
    assert other_case.reference not in seen


def test_each_page_writes_one_list_entry(client, login_as, many):
    login_as("caseworker")
    AccessLog.objects.all().delete()
    html = client.get("/cases/team/").content.decode()
    client.get(f"/cases/team/?{_links(html)['Next']}")
    entries = list(AccessLog.objects.filter(action="list").order_by("pk"))
    assert len(entries) == 2
    assert "first page" in entries[0].detail
    assert "next page" in entries[1].detail
    assert all(
        ref in entries[1].detail
        for ref in _refs(client.get(f"/cases/team/?{_links(html)['Next']}").content.decode())
    )


@pytest.mark.parametrize("url", ["/cases/", "/cases/team/"])
def test_queue_pages_run_a_constant_number_of_queries(
    client, world, login_as, url, django_assert_max_num_queries
):
    login_as("caseworker")
    client.get(url)  # warm the session and permission caches
    caseworker = world.member("caseworker")
    counts = []
    for total in (5, 80):
        while Case.objects.count() < total:
            make_case(service=world.service, team=world.team, owner=caseworker)
        with CaptureQueriesContext(connection) as first:
            html = client.get(url, {"sort": "first_contact_due"}).content.decode()
        with CaptureQueriesContext(connection) as following:
            links = _links(html)
            if links:
                client.get(f"{url}?{links['Next']}")
        counts.append(len(first))
        assert not any(
            "COUNT(" in q["sql"].upper() for q in first.captured_queries + following.captured_queries
        )
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(min(counts[1], 20)):
        client.get(f"{url}?{_links(html)['Next']}")
    with django_assert_max_num_queries(20):
        client.get(url, {"sort": "reference", "status": "all"})


def test_the_pagination_is_previous_and_next_only(client, login_as, many):
    login_as("caseworker")
    html = client.get("/cases/team/").content.decode()
    assert "govuk-pagination--block" in html
    assert "govuk-pagination__list" not in html
