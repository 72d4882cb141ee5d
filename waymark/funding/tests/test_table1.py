"""Table 1 and the post counts, computed from the demo's posts by the selectors the page uses."""

from __future__ import annotations

import html
from typing import Any

import pytest

from waymark.funding.demo import demo_funding_load
from waymark.funding.models import FundedPost
from waymark.funding.posts import SEVERAL_AREAS, number_words, post_counts, posts_by_area_and_specialism

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst(world: Any) -> Any:
    demo_funding_load()
    return world.member("opcc_analyst")


def cells(table: Any) -> dict[str, dict[str, list[str]]]:
    return {
        row.area: {col: [item.text for item in items] for col, items in row.cells.items()}
        for row in table.rows
    }


def test_the_counts_of_paragraphs_36_and_37(analyst: Any) -> None:
    """33 IDVA posts (nine for female and male victims, one male only, twenty-three female only)
    and 8 ISVA posts; the sentence's number words come from the counts."""
    counts = post_counts(user=analyst)
    assert (counts.idva, counts.idva_all, counts.idva_male, counts.idva_female, counts.isva) == (
        33,
        9,
        1,
        23,
        8,
    )
    assert counts.idva_sentence() == (
        "33 IDVA posts: nine supporting female and male victims, one exclusively male victims and "
        "twenty-three exclusively female victims."
    )
    assert counts.isva_sentence() == "8 ISVA posts."


def test_counts_follow_the_data(analyst: Any) -> None:
    """End one female-only IDVA post: the counts become 32 and twenty-two."""
    FundedPost.objects.filter(title="CJ IDVA").update(status=FundedPost.Status.ENDED)
    counts = post_counts(user=analyst)
    assert (counts.idva, counts.idva_female) == (32, 22)
    assert "twenty-two exclusively female" in counts.idva_sentence()


def test_table_1_rows_and_cells(analyst: Any) -> None:
    """The paper's areas in its order, then posts covering several areas; each cell "count x title"."""
    table = posts_by_area_and_specialism(user=analyst)
    assert [row.area for row in table.rows] == [
        "Birmingham and Solihull",
        "Coventry",
        "Wolverhampton",
        "Black Country (Sandwell, Dudley)",
        "Walsall",
        SEVERAL_AREAS,
    ]
    assert table.totals == {"IDVAs": 33, "ISVAs": 8}
    got = cells(table)
    assert got["Birmingham and Solihull"]["IDVAs"] == [
        "12 x MARAC IDVA (6 with specialism: Language)",
        "1 x BAME MARAC IDVA for African Caribbean women",
        "1 x Older women's MARAC IDVA (over 55s)",
        "3 x Courts IDVA (1 with specialism: Black and minoritised)",
        "2 x DAPO IDVA (pilot across Birmingham)",
    ]
    assert got["Birmingham and Solihull"]["ISVAs"] == ["2 x ISVA", "1 x CYP ISVA"]
    assert got["Coventry"] == {
        "IDVAs": ["1 x IDVA with a Polish/Eastern European language specialism"],
        "ISVAs": ["1 x ISVA"],
    }
    assert got["Wolverhampton"] == {"IDVAs": ["1 x BAME IDVA", "1 x CJ IDVA"], "ISVAs": []}
    assert got["Walsall"]["IDVAs"] == [
        "1 x YP IDVA covering Walsall",
        "1 x IDVA for victims with disabilities",
    ]
    assert got[SEVERAL_AREAS]["IDVAs"] == [
        "2 x LGBT IDVA, covering Sandwell, Dudley, Walsall, Wolverhampton and Coventry",
        "1 x IDVA for male victims, covering Sandwell, Dudley and Walsall",
        "1 x IDVA for women in the criminal justice system, covering the West Midlands",
    ]
    assert "1 x CYP ISVA, covering Walsall and Wolverhampton" in got[SEVERAL_AREAS]["ISVAs"]
    assert [row.counts for row in table.rows] == [
        {"IDVAs": 19, "ISVAs": 3},
        {"IDVAs": 1, "ISVAs": 1},
        {"IDVAs": 2, "ISVAs": 0},
        {"IDVAs": 5, "ISVAs": 1},
        {"IDVAs": 2, "ISVAs": 0},
        {"IDVAs": 4, "ISVAs": 3},
    ]


def test_a_year_with_no_shares_has_no_posts(analyst: Any) -> None:
    """Table 1 for 2023/24, when no source pays for any post, is empty; 2022/23 has all 41."""
    assert posts_by_area_and_specialism(user=analyst, financial_year="2023/24").rows == []
    assert posts_by_area_and_specialism(user=analyst, financial_year="2022/23").totals == {
        "IDVAs": 33,
        "ISVAs": 8,
    }


def test_a_provider_manager_counts_only_their_own_posts(world: Any) -> None:
    """The ISVA provider's manager sees the 8 ISVA posts and no IDVA posts; another provider's
    manager sees none."""
    demo_funding_load()
    from waymark.accounts.models import Organisation
    from waymark.accounts.roles import Role
    from waymark.core.testing.factories import make_member

    isva = make_member(
        role=Role.PROVIDER_MANAGER, organisation=Organisation.objects.get(name__startswith="Sexual violence")
    )
    counts = post_counts(user=isva)
    assert (counts.idva, counts.isva) == (0, 8)
    other = post_counts(user=world.member("provider_manager_other"))
    assert (other.idva, other.isva) == (0, 0)


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "zero"),
        (1, "one"),
        (9, "nine"),
        (23, "twenty-three"),
        (40, "forty"),
        (105, "one hundred and five"),
    ],
)
def test_number_words(number: int, words: str) -> None:
    assert number_words(number) == words


def test_the_table_1_page_shows_the_counts_and_cells(client: Any, analyst: Any) -> None:
    """The page reads the same selectors: the sentence with its number words, and the cells."""
    from django.urls import reverse

    client.force_login(analyst)
    body = html.unescape(client.get(reverse("funding:posts_table")).content.decode())
    assert (
        "33 IDVA posts: nine supporting female and male victims, one exclusively male victims and "
        "twenty-three exclusively female victims." in body
    )
    assert "8 ISVA posts." in body
    assert "12 x MARAC IDVA (6 with specialism: Language)" in body
    assert "Table 1: IDVA and ISVA posts by area" in body
    empty = html.unescape(client.get(reverse("funding:posts_table"), {"year": "2022/23"}).content.decode())
    assert "Table 1: IDVA and ISVA posts by area, 2022/23" in empty
