"""The service navigation groups related pages in sections, each with a page of its own, and the
pages of a section link their siblings (waymark/core/navigation.py)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from waymark.core.navigation import NAV_ITEMS, SECTIONS, nav_groups_for
from waymark.core.testing.world import ROLE_KEYS, World

pytestmark = pytest.mark.django_db


def service_navigation(page: str) -> list[tuple[str, str, bool]]:
    """(text, href, active) of each link in the service navigation of a rendered page."""
    block = page.split('class="govuk-service-navigation__list"', 1)[1].split("</ul>", 1)[0]
    items = re.findall(r'<li class="govuk-service-navigation__item([^"]*)">(.*?)</li>', block, re.S)
    links = []
    for classes, item in items:
        href = re.search(r'href="([^"]+)"', item)
        text = html.unescape(re.sub(r"<[^>]+>", "", item).strip())
        assert href is not None
        links.append((text, href.group(1), "--active" in classes))
    return links


def sub_navigation(page: str) -> tuple[str, list[tuple[str, str, str]]] | None:
    """(label, [(text, href, aria-current or "")]) of the page's section sub-navigation, if any."""
    found = re.search(r'<nav class="waymark-sub-navigation" aria-label="([^"]+)">(.*?)</nav>', page, re.S)
    if found is None:
        return None
    links = re.findall(r'<a [^>]*href="([^"]+)"([^>]*)>([^<]+)</a>', found.group(2))
    return html.unescape(found.group(1)), [
        (html.unescape(text), href, "".join(re.findall(r'aria-current="([^"]+)"', rest)))
        for href, rest, text in links
    ]


def test_every_section_named_by_a_page_exists_and_has_pages() -> None:
    used = {item.section for item in NAV_ITEMS if item.section}
    assert used == set(SECTIONS)


def test_the_analyst_sees_sections_not_every_page(client: Client, login_as: Callable[[str], Any]) -> None:
    """The OPCC analyst may use 16 pages; the navigation shows six links, three of them sections."""
    login_as("opcc_analyst")

    links = service_navigation(client.get("/").content.decode())

    assert [(text, href) for text, href, _ in links] == [
        ("Home", "/"),
        ("Directory", "/directory/"),
        ("Crime data", "/sections/crime-data/"),
        ("Victims' Code", "/sections/victims-code/"),
        ("Funding", "/sections/funding/"),
        ("Jobs", "/jobs/"),
    ]
    assert [text for text, _, active in links if active] == ["Home"]


def test_a_section_page_lists_the_pages_the_person_may_use(
    client: Client, login_as: Callable[[str], Any]
) -> None:
    login_as("opcc_analyst")

    page = client.get("/sections/crime-data/").content.decode()

    assert '<h1 class="govuk-heading-l">Crime data</h1>' in page
    main = page.split('id="main-content"', 1)[1]
    for href, label in (
        ("/crime/vawg/", "VAWG crimes"),
        ("/crime/rasso/", "Adult rape progression"),
        ("/crime/imports/", "Crime data imports"),
    ):
        assert f'href="{href}">{label}</a>' in main
    assert [text for text, _, active in service_navigation(page) if active] == ["Crime data"]


def test_a_page_in_a_section_shows_its_siblings_and_marks_itself(
    client: Client, login_as: Callable[[str], Any]
) -> None:
    login_as("opcc_analyst")

    page = client.get("/crime/rasso/").content.decode()

    assert sub_navigation(page) == (
        "Crime data",
        [
            ("VAWG crimes", "/crime/vawg/", ""),
            ("Adult rape progression", "/crime/rasso/", "page"),
            ("Crime data imports", "/crime/imports/", ""),
        ],
    )
    assert [text for text, _, active in service_navigation(page) if active] == ["Crime data"]
    # A page below one of the section's is in it, but is not that page itself.
    found = sub_navigation(client.get("/crime/imports/upload/").content.decode())
    assert found is not None
    assert [(text, current) for text, _, current in found[1] if current] == [("Crime data imports", "true")]
    # A page outside any section has no sub-navigation.
    assert sub_navigation(client.get("/jobs/").content.decode()) is None


def test_the_deepest_page_a_path_is_in_is_the_current_one(
    client: Client, login_as: Callable[[str], Any]
) -> None:
    """/jobs/maintenance/ begins with /jobs/ too: the administrator is in Administration's
    Maintenance page, not in Jobs."""
    login_as("opcc_admin")

    page = client.get("/jobs/maintenance/").content.decode()

    assert [text for text, _, active in service_navigation(page) if active] == ["Administration"]
    found = sub_navigation(page)
    assert found is not None
    assert [(text, current) for text, _, current in found[1] if current] == [("Maintenance", "page")]


def test_a_section_of_one_page_is_that_page(world: World) -> None:
    """The force lead may upload police referrals, the only page of Cases they may use: the
    navigation links it by its own name, and there is no Cases page for them."""
    groups = nav_groups_for(world.member("force_code_lead"))

    upload = next(group for group in groups if group.items[0].url_name == "referrals:police_upload")
    assert not upload.is_section
    assert upload.section == SECTIONS["cases"]


@pytest.mark.parametrize("role", sorted(ROLE_KEYS))
def test_a_section_page_is_there_only_for_who_may_use_two_of_its_pages(
    client: Client, login_as: Callable[[str], Any], world: World, role: str
) -> None:
    login_as(role)
    shown = {
        group.section.slug
        for group in nav_groups_for(world.member(role))
        if group.is_section and group.section
    }

    for slug in SECTIONS:
        response = client.get(f"/sections/{slug}/")
        assert response.status_code == (200 if slug in shown else 404), (role, slug)
    assert client.get("/sections/no-such-section/").status_code == 404


def test_signing_in_comes_before_any_section_page(client: Client) -> None:
    response = client.get("/sections/crime-data/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")


def test_home_lists_each_section_s_pages_under_its_name(
    client: Client, login_as: Callable[[str], Any]
) -> None:
    login_as("opcc_analyst")

    page = client.get("/").content.decode()

    after = page.split('href="/sections/crime-data/">Crime data</a></h3>', 1)[1]
    crime_list = after.split("</ul>", 1)[0]
    assert 'href="/crime/vawg/">VAWG crimes</a>' in crime_list
    assert 'href="/crime/rasso/">Adult rape progression</a>' in crime_list
    assert "Funding" not in crime_list
