"""Agencies' aggregate returns: the sample file, each kind of bad line, and a return sent again.

The sample (docs/formats/samples/aggregate-return.csv) is West Midlands Witness Care Unit's
2025/26 Q1 return: 12 lines for M14, M15, M17 and M18, e.g. M14 overall 412 of 450 with 6 not
applicable.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from waymark.core.imports import ImportRefusedError
from waymark.core.models import PoliceForceArea
from waymark.victims_code.aggregate_returns import AGGREGATE_COLUMNS, aggregate_return_import
from waymark.victims_code.models import AggregateReturn, AggregateReturnLine, MetricDefinition

from .duties_support import SAMPLE_RETURN, west_midlands

pytestmark = pytest.mark.django_db


def line(metric: str = "M14", dimension: str = "all", value: str = "", **values: str) -> dict[str, str]:
    """A valid line of the witness care unit's 2025/26 Q1 return."""
    row = {
        "agency_type": "witness_care",
        "agency_name": "West Midlands Witness Care Unit",
        "quarter": "2025/26 Q1",
        "metric": metric,
        "dimension": dimension,
        "value": value,
        "numerator": "40",
        "denominator": "50",
        "not_applicable": "2",
    }
    row.update(values)
    return row


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(AGGREGATE_COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    return path


def refused(path: Path) -> list[tuple[int, str, str]]:
    with pytest.raises(ImportRefusedError) as caught:
        aggregate_return_import(path, police_force_area=west_midlands())
    assert not AggregateReturn.objects.exists()
    assert not AggregateReturnLine.objects.exists()
    problems = caught.value.problems
    return [(error.line, error.column, error.message) for error in problems]


def lines() -> list[tuple[str, str, str, int, int, int]]:
    return list(
        AggregateReturnLine.objects.order_by("metric__code", "dimension", "value").values_list(
            "metric__code", "dimension", "value", "numerator", "denominator", "not_applicable"
        )
    )


def test_the_sample_return_imports() -> None:
    result = aggregate_return_import(SAMPLE_RETURN, police_force_area=west_midlands())
    assert result.summary() == "aggregate-return.csv: West Midlands Witness Care Unit, 2025/26 Q1: 12 lines."
    held = AggregateReturn.objects.get()
    assert (held.agency_type, held.data_source, held.status) == ("witness_care", "witness_care", "submitted")
    assert (str(held.period_start), str(held.period_end)) == ("2025-04-01", "2025-06-30")
    assert len(held.sha256) == 64
    assert ("M14", "all", "", 412, 450, 6) in lines()
    assert ("M14", "local_authority", "E08000025", 188, 205, 3) in lines()
    # An empty not_applicable is 0.
    assert ("M17", "all", "", 388, 415, 0) in lines()
    assert len(lines()) == 12


def test_the_same_file_twice_changes_nothing() -> None:
    aggregate_return_import(SAMPLE_RETURN, police_force_area=west_midlands())
    before = (lines(), list(AggregateReturn.objects.values_list("pk", "updated_at")))
    again = aggregate_return_import(SAMPLE_RETURN, police_force_area=west_midlands())
    assert again.already_imported
    assert "was imported before" in again.summary()
    assert (lines(), list(AggregateReturn.objects.values_list("pk", "updated_at"))) == before


def test_a_return_sent_again_for_the_quarter_replaces_its_lines(tmp_path: Path) -> None:
    """The corrected return has two lines where the first had twelve: those two are what is held."""
    first = aggregate_return_import(SAMPLE_RETURN, police_force_area=west_midlands())
    corrected = write(
        tmp_path / "corrected.csv",
        [
            line(numerator="420", denominator="450"),
            line("M15", numerator="300", denominator="322", not_applicable=""),
        ],
    )
    result = aggregate_return_import(corrected, police_force_area=west_midlands())
    assert (result.replaced, result.replaced_lines, result.lines, result.return_id) == (
        True,
        12,
        2,
        first.return_id,
    )
    assert "replacing the 12 lines of the return sent before" in result.summary()
    assert lines() == [("M14", "all", "", 420, 450, 2), ("M15", "all", "", 300, 322, 0)]
    assert AggregateReturn.objects.count() == 1
    # Another quarter is another return.
    aggregate_return_import(
        write(tmp_path / "q2.csv", [line(quarter="2025/26 Q2")]), police_force_area=west_midlands()
    )
    assert AggregateReturn.objects.count() == 2


@pytest.mark.parametrize(
    ("values", "column", "message"),
    [
        ({"metric": "M99"}, "metric", "'M99' is not a metric of the Code in force"),
        ({"metric": "M01"}, "metric", "Metric M01 is reported by the Police, not by the Witness Care Unit."),
        ({"numerator": "51"}, "numerator", "The numerator (51) must not be more than the denominator (50)."),
        ({"numerator": "-1"}, "numerator", "'-1' is not a count: write a whole number, 0 or more."),
        ({"denominator": ""}, "denominator", "The denominator column must not be empty"),
        ({"not_applicable": "1.5"}, "not_applicable", "'1.5' is not a count"),
        ({"dimension": "religion", "value": "x"}, "dimension", "'religion' is not a dimension"),
        ({"dimension": "sex", "value": "Q"}, "value", "'Q' is not a value of sex"),
        ({"dimension": "enhanced", "value": ""}, "value", "Give the enhanced this line is for."),
        ({"value": "F"}, "value", "Leave value empty on a line for the dimension all"),
        ({"dimension": "local_authority", "value": "E08999999"}, "value", "not a local authority code"),
        ({"quarter": "2025/26 Q2"}, "quarter", "differs from line 2's '2025/26 Q1'"),
        ({"agency_name": "Another unit"}, "agency_name", "a file is one agency's return for one quarter"),
    ],
)
def test_each_kind_of_bad_line_is_refused(
    tmp_path: Path, values: dict[str, str], column: str, message: str
) -> None:
    path = write(tmp_path / "bad.csv", [line(), line(**{"metric": "M15", **values})])
    problems = refused(path)
    assert [(number, col) for number, col, _ in problems] == [(3, column)]
    assert message in problems[0][2]


@pytest.mark.parametrize(
    ("values", "column", "message"),
    [
        ({"agency_type": "police_scotland"}, "agency_type", "'police_scotland' is not an agency type"),
        ({"agency_type": "all"}, "agency_type", "'all' is not an agency type"),
        ({"quarter": "2025 Q5"}, "quarter", "'2025 Q5' is not a financial quarter: write e.g. 2025/26 Q1"),
        ({"agency_name": ""}, "agency_name", "The agency_name column must not be empty."),
    ],
)
def test_the_first_line_names_the_agency_and_quarter(
    tmp_path: Path, values: dict[str, str], column: str, message: str
) -> None:
    problems = refused(write(tmp_path / "bad.csv", [line(**values)]))
    assert (problems[0][0], problems[0][1]) == (2, column)
    assert message in problems[0][2]


def test_an_inactive_metric_is_refused(tmp_path: Path) -> None:
    MetricDefinition.objects.filter(code="M15", code_version__code="VCOP-2020").update(active=False)
    problems = refused(write(tmp_path / "bad.csv", [line("M15")]))
    assert problems == [(2, "metric", "Metric M15 is not active: it is no longer reported.")]


def test_a_figure_twice_is_refused_and_every_problem_listed(tmp_path: Path) -> None:
    rows = [line(), line("M14", "enhanced", "Y"), line(), line("M14", "enhanced", "Y", numerator="99")]
    assert refused(write(tmp_path / "dup.csv", rows)) == [
        (4, "metric", "Metric M14 for all is also on line 2: give each figure once."),
        (5, "numerator", "The numerator (99) must not be more than the denominator (50)."),
        (5, "metric", "Metric M14 for enhanced = Y is also on line 3: give each figure once."),
    ]


def test_a_file_with_no_lines_is_refused(tmp_path: Path) -> None:
    assert refused(write(tmp_path / "empty.csv", [])) == [
        (2, "", "The file has no lines: give at least one figure.")
    ]


def test_the_command_line_imports_a_return(tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("import", "aggregate-return", str(SAMPLE_RETURN), stdout=out, stderr=io.StringIO())
    assert "West Midlands Witness Care Unit, 2025/26 Q1: 12 lines." in out.getvalue()
    with pytest.raises(CommandError):
        call_command(
            "import",
            "aggregate-return",
            str(write(tmp_path / "bad.csv", [line(numerator="60")])),
            stdout=out,
            stderr=io.StringIO(),
        )


def test_the_areas_are_kept_apart() -> None:
    """A return belongs to the force area it was imported for."""
    aggregate_return_import(SAMPLE_RETURN, police_force_area=west_midlands())
    assert AggregateReturn.objects.get().police_force_area == PoliceForceArea.objects.get(code="E23000014")
