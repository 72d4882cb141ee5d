"""VAWG volumes against a small hand-built extract whose answers are worked out here.

The extract (`extract` fixture), West Midlands, financial year 2023/24:

| crimes | recorded   | local authority | offence | bases                     | victims                |
|--------|------------|-----------------|---------|---------------------------|------------------------|
| 6      | 2023-04-10 | Birmingham      | 8Q      | stalking_harassment       | F 18-24                |
| 2      | 2023-05-10 | Coventry        | 19C     | sexual_offence + da_flag  | F 25-34                |
| 1      | 2023-05-20 | Coventry        | 8N (DA) | da_flag                   | F 35-44 and M 35-44    |
| 1      | 2024-01-05 | (none)          | 19C     | sexual_offence            | (none recorded)        |

Left out: a VAWG crime cancelled (April 2023), one recorded on 2023-03-31 (the year before),
and a theft that is not VAWG (April 2023).

So 10 VAWG crimes. By local authority: Birmingham 6, Coventry 3, not recorded 1, the other
five West Midlands authorities 0. By basis: stalking and harassment 6, sexual offence 3,
domestic abuse flag 3 (12 > 10: the two 19C crimes count under both). By month: April 6, May
3, January 1, the other nine months 0. By offence group: the groups of 8Q, 19C and 8N in the
reference data (8Q 6, 19C 3, 8N 1, added up by group). By victim: F 18-24 6, F 25-34 2, F 35-44
1, M 35-44 1 (the crime with two victims is in both cells), not recorded 1.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from waymark.crime.metrics import (
    NOT_RECORDED,
    CrimeFilters,
    FigureTable,
    HiddenFigure,
    vawg_volumes,
    volumes_csv_rows,
)
from waymark.crime.models import Crime, OffenceCode

from .metric_fixtures import BIRMINGHAM, COVENTRY, make_crime

pytestmark = pytest.mark.django_db

FY = CrimeFilters.for_financial_year("2023/24")


@pytest.fixture
def extract(world: Any) -> None:
    """The extract in the module docstring."""
    for index in range(6):
        make_crime(
            f"S{index}",
            recorded=date(2023, 4, 10),
            code="8Q",
            bases=("stalking_harassment",),
            victims=[("F", "18-24")],
            adult_rape=False,
        )
    for index in range(2):
        make_crime(
            f"R{index}",
            recorded=date(2023, 5, 10),
            code="19C",
            local_authority=COVENTRY,
            bases=("sexual_offence", "da_flag"),
            domestic_abuse=True,
        )
    make_crime(
        "D1",
        recorded=date(2023, 5, 20),
        code="8N",
        local_authority=COVENTRY,
        bases=("da_flag",),
        domestic_abuse=True,
        victims=[("F", "35-44"), ("M", "35-44")],
        adult_rape=False,
    )
    make_crime("U1", recorded=date(2024, 1, 5), local_authority=None, victims=[])
    make_crime("X1", recorded=date(2023, 4, 11), status=Crime.RecordStatus.CANCELLED)
    make_crime("X2", recorded=date(2023, 3, 31))
    make_crime("X3", recorded=date(2023, 4, 12), code="49", vawg=False, adult_rape=False)


def exact(world: Any, filters: CrimeFilters = FY) -> Any:
    return vawg_volumes(user=world.member("opcc_analyst"), filters=filters, threshold=1)


def figures(table: FigureTable) -> dict[str, int | None]:
    """Row label -> the figure of a one-column table."""
    return {label: cells[0] for _, label, cells in table.rows()}


def test_by_local_authority(world, extract):
    table = exact(world).table("local_authority")
    assert figures(table) == {
        "Birmingham": 6,
        "Coventry": 3,
        "Dudley": 0,
        "Sandwell": 0,
        "Solihull": 0,
        "Walsall": 0,
        "Wolverhampton": 0,
        NOT_RECORDED: 1,
    }
    assert table.total == 10
    assert table.row_keys[0] == BIRMINGHAM


def test_a_local_authority_filter_leaves_only_its_row(world, extract):
    """Filtered to Coventry, the table has Coventry's row alone: the others, and "Not recorded",
    could only read 0."""
    table = exact(world, CrimeFilters.for_financial_year("2023/24", local_authority=COVENTRY)).table(
        "local_authority"
    )
    assert figures(table) == {"Coventry": 3}
    assert table.total == 3


def test_by_basis_counts_a_crime_under_each_basis_and_once_in_the_total(world, extract):
    table = exact(world).table("basis")
    shown = {key: cells[0] for key, _, cells in table.rows()}
    assert shown["stalking_harassment"] == 6
    assert shown["sexual_offence"] == 3
    assert shown["da_flag"] == 3
    assert sum(value or 0 for value in shown.values()) == 12
    assert table.total == 10
    assert not table.additive
    assert "counted under each basis, and once in the total" in table.note


def test_by_month_lists_every_month_of_the_period(world, extract):
    table = exact(world).table("month")
    assert len(table.row_keys) == 12
    shown = {key: cells[0] for key, _, cells in table.rows()}
    assert (shown["2023-04"], shown["2023-05"], shown["2024-01"]) == (6, 3, 1)
    assert sum(value or 0 for value in shown.values()) == 10
    assert table.row_labels[0] == "April 2023"


def test_by_offence_group(world, extract):
    groups = {code: OffenceCode.objects.get(code=code).group for code in ("8Q", "19C", "8N")}
    expected = Counter({groups["8Q"]: 6}) + Counter({groups["19C"]: 3}) + Counter({groups["8N"]: 1})
    table = exact(world).table("offence_group")
    assert figures(table) == dict(expected)
    assert table.total == 10


def test_by_victim_sex_and_age_band(world, extract):
    table = exact(world).table("victim")
    cells = {
        (label, column): value
        for _, label, row in table.rows()
        for column, value in zip(table.column_labels, row, strict=True)
        if value
    }
    assert cells == {
        ("18-24", "Female"): 6,
        ("25-34", "Female"): 2,
        ("35-44", "Female"): 1,
        ("35-44", "Male"): 1,
        (NOT_RECORDED, NOT_RECORDED): 1,
    }
    assert table.total == 10
    assert not table.additive


@pytest.mark.parametrize(
    ("filters", "total"),
    [
        pytest.param(
            CrimeFilters.for_financial_year("2023/24", local_authority=COVENTRY), 3, id="local authority"
        ),
        pytest.param(CrimeFilters.for_financial_year("2023/24", victim_sex="M"), 1, id="victim sex"),
        pytest.param(CrimeFilters.for_financial_year("2023/24", victim_age_band="18-24"), 6, id="age band"),
        pytest.param(CrimeFilters.for_financial_year("2023/24", vawg_basis="da_flag"), 3, id="basis"),
        pytest.param(
            CrimeFilters.for_financial_year("2023/24", offence_group="Sexual offences"), 3, id="offence group"
        ),
        pytest.param(
            CrimeFilters.for_financial_year("2023/24", police_force_area="E23000014"), 10, id="force"
        ),
        pytest.param(CrimeFilters.for_month("2023-05"), 3, id="a month"),
        pytest.param(CrimeFilters.for_quarter("2023/24 Q4"), 1, id="a quarter"),
        pytest.param(CrimeFilters.for_financial_year("2022/23"), 1, id="the year before: X2 only"),
    ],
)
def test_filters(world, extract, filters, total):
    volumes = exact(world, filters)
    assert volumes.total == total
    assert all(table.total == total for table in volumes.tables)


def test_the_basis_filter_keeps_every_basis_of_the_crimes_it_selects(world, extract):
    """The DA basis selects R0, R1 and D1; R0 and R1 are sexual offences too."""
    table = exact(world, CrimeFilters.for_financial_year("2023/24", vawg_basis="da_flag")).table("basis")
    shown = {key: cells[0] for key, _, cells in table.rows()}
    assert (shown["da_flag"], shown["sexual_offence"], shown["stalking_harassment"]) == (3, 2, 0)


def test_small_counts_are_hidden_with_a_log(world, extract):
    """Operational threshold 5: Coventry's 3 and the 1 with no local authority are hidden (two
    hidden figures protect each other); Birmingham's 6, the zeros and the total 10 are shown."""
    volumes = vawg_volumes(user=world.member("opcc_analyst"), filters=FY)
    shown = figures(volumes.table("local_authority"))
    assert (shown["Birmingham"], shown["Coventry"], shown[NOT_RECORDED], shown["Dudley"]) == (
        6,
        None,
        None,
        0,
    )
    assert volumes.table("local_authority").total == 10
    assert (
        HiddenFigure(
            "VAWG crimes by local authority",
            "Coventry",
            "VAWG crimes",
            "under 5, or hidden so that one under 5 cannot be worked out",
        )
        in volumes.hidden
    )
    basis = {key: cells[0] for key, _, cells in volumes.table("basis").rows()}
    assert (basis["stalking_harassment"], basis["sexual_offence"], basis["da_flag"]) == (6, None, None)
    for table in volumes.tables:
        for row in table.cells:
            assert all(value is None or value == 0 or value >= 5 for value in row), table.key


def test_a_single_hidden_figure_is_protected_by_a_second(world, extract):
    """In 2023/24 Q1 by month: April 6, May 3, June 0, total 9. May's 3 is the only small figure,
    and 9 - 6 would give it away, so the smallest other figure (June's 0) is hidden too: May
    and June together are 3, and neither can be told. The log gives both the same reason: had
    it said which was under 5, June would be 0 (a protecting figure is 0 or at least 5) and May
    3."""
    volumes = vawg_volumes(user=world.member("opcc_analyst"), filters=CrimeFilters.for_quarter("2023/24 Q1"))
    shown = {key: cells[0] for key, _, cells in volumes.table("month").rows()}
    assert shown == {"2023-04": 6, "2023-05": None, "2023-06": None}
    assert volumes.table("month").total == 9
    reasons = {
        entry.row: entry.reason for entry in volumes.hidden if entry.table == "VAWG crimes by month recorded"
    }
    assert reasons == {
        "May 2023": "under 5, or hidden so that one under 5 cannot be worked out",
        "June 2023": "under 5, or hidden so that one under 5 cannot be worked out",
    }


def test_a_period_the_extract_was_taken_in_shows_only_its_months_so_far(world, extract):
    """The extract is as at 30 June 2024, three months into 2024/25: the month table lists April
    to June only (a July to March of zeros would read as no crimes), and says why; the CSV
    says the period had not ended instead of a negative lag."""
    make_crime("J1", recorded=date(2024, 5, 2), code="8Q", bases=("stalking_harassment",), adult_rape=False)
    volumes = exact(world, CrimeFilters.for_financial_year("2024/25"))
    table = volumes.table("month")
    assert table.row_keys == ("2024-04", "2024-05", "2024-06")
    assert [cells[0] for _, _, cells in table.rows()] == [0, 1, 0]
    assert "had not ended when the extract was taken (30 June 2024)" in table.note
    rows = list(volumes_csv_rows(volumes, table="month"))
    assert [
        "Coverage",
        "The period had not ended when the extract was taken: the figures cover it up to 2024-06-30",
    ] in rows
    assert not any(row and row[0] == "Days from the end of the period to the extraction" for row in rows)
    finished = list(volumes_csv_rows(exact(world), table="month"))
    assert ["Days from the end of the period to the extraction", 91] in finished


def test_the_extraction_date_is_carried(world, extract):
    assert exact(world).extracted_on == date(2024, 6, 30)


def test_csv_rows_carry_the_tables_the_note_and_the_log(world, extract):
    volumes = vawg_volumes(user=world.member("opcc_analyst"), filters=FY)
    rows = list(volumes_csv_rows(volumes, table="local_authority"))
    assert ["VAWG crimes by local authority"] in rows
    assert ["Birmingham", 6] in rows
    assert ["Coventry", "[c]"] in rows
    assert ["Total", 10] in rows
    assert [
        "VAWG crimes by local authority",
        "Coventry",
        "VAWG crimes",
        "under 5, or hidden so that one under 5 cannot be worked out",
    ] in rows
    assert ["Extraction date", "2024-06-30"] in rows
    everything = list(volumes_csv_rows(volumes))
    assert ["VAWG crimes by basis"] in everything
    assert any(row and "counted under each basis" in str(row[0]) for row in everything)


@pytest.mark.parametrize("role", ["caseworker", "board_member", "provider_manager", "partner_caseworker"])
def test_people_without_crime_data_access_are_refused(world, extract, role):
    with pytest.raises(PermissionDenied):
        vawg_volumes(user=world.member(role), filters=FY)


@pytest.mark.parametrize("role", ["opcc_analyst", "force_code_lead"])
def test_crime_data_roles_see_the_volumes(world, extract, role):
    assert vawg_volumes(user=world.member(role), filters=FY).total == 10


def test_the_victim_table_says_why_a_victim_filter_leaves_other_victims_in_it(world, extract):
    """Filtered to male victims, the crime with victims F 35-44 and M 35-44 is in: its female
    victim is in the table too, and the note says why."""
    male = exact(world, CrimeFilters.for_financial_year("2023/24", victim_sex="M")).table("victim")
    assert "other victims of the same crimes appear in other cells" in male.note
    assert "other victims" not in exact(world).table("victim").note


def test_the_pages_say_when_the_period_had_not_ended(client, world, extract):
    make_crime("J1", recorded=date(2024, 5, 2))
    client.force_login(world.member("opcc_analyst"))
    for name in ("crime:vawg", "crime:rasso"):
        unfinished = client.get(reverse(name), {"period": "fy:2024/25"}).content.decode()
        assert "the period had not ended, so the figures cover it up to that date" in unfinished, name
        finished = client.get(reverse(name), {"period": "fy:2023/24"}).content.decode()
        assert "the period had not ended" not in finished, name
