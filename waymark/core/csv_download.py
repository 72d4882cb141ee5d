"""CSV and XLSX downloads of the tables Waymark shows: one way to write them, safe to open in a
spreadsheet.

Every table a page shows can be downloaded with the same figures: a header row and the rows,
hidden figures (None after `waymark.core.disclosure`) written as `[c]`, never as a blank or a
zero. Text that a spreadsheet would run as a formula (CSV injection: a cell starting with `=`,
`+`, `-`, `@`, a tab or a carriage return) is prefixed with an apostrophe, which spreadsheets
show as text. Numbers are written as numbers, so a negative count stays a number.

    return csv_response(filename=csv_filename("vawg-crimes", "2024/25"), header=[...], rows=rows)

The same table as an Excel workbook: `xlsx_response` (one sheet), or `table_download` for either
format by name; `workbook_bytes` writes several tables as sheets of one workbook. Numbers stay
numbers (a Decimal keeps its pence) and formula-like text is made safe as in the CSV.

Recording the download in the access log (an export) is the view's job, as for any other read.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import HttpResponse
from django.utils.text import slugify

from .disclosure import HIDDEN_MARKER

__all__ = [
    "CSV_CONTENT_TYPE",
    "XLSX_CONTENT_TYPE",
    "csv_filename",
    "csv_response",
    "csv_text",
    "spreadsheet_safe",
    "table_download",
    "workbook_bytes",
    "xlsx_response",
]

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The characters that make Excel, LibreOffice or Google Sheets treat a cell as a formula (OWASP,
# "CSV Injection"); a tab or carriage return first can hide one from a reviewer.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Long enough for a table's name and its period; browsers and file systems accept it everywhere.
_MAX_STEM_LENGTH = 100


def spreadsheet_safe(value: str) -> str:
    """Text that a spreadsheet will show rather than run as a formula (CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _cell(value: object, none_as: str) -> object:
    if value is None:
        return none_as
    if isinstance(value, str):
        return spreadsheet_safe(value)
    if isinstance(value, bool):
        # A bool is an int to Python; a spreadsheet should read a word.
        return "Yes" if value else "No"
    if isinstance(value, int | float | Decimal):
        # A number is never a formula, negative or not: only text needs the guard.
        return value
    return spreadsheet_safe(str(value))


def csv_text(
    rows: Iterable[Sequence[object]],
    *,
    header: Sequence[str] | None = None,
    none_as: str = HIDDEN_MARKER,
) -> str:
    """The rows (after an optional header row) as CSV text.

    None is written as `none_as` (`[c]`, a hidden figure, unless told otherwise); text is made
    spreadsheet-safe; numbers stay numbers; anything else is written as its text.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if header is not None:
        writer.writerow([_cell(value, none_as) for value in header])
    for row in rows:
        writer.writerow([_cell(value, none_as) for value in row])
    return buffer.getvalue()


def csv_filename(*parts: str) -> str:
    """A file name safe in any browser and file system: the parts slugified, joined, `.csv`.

    `csv_filename("VAWG crimes by local authority", "2024/25")` is
    `vawg-crimes-by-local-authority-2024-25.csv`. Empty parts are dropped; with nothing left the
    name is `download.csv`.
    """
    # A slash separates words ("2024/25"), so it becomes a hyphen rather than vanishing.
    slugs = [slugify(re.sub(r"[/\\]+", " ", part)) for part in parts]
    stem = "-".join(slug for slug in slugs if slug)[:_MAX_STEM_LENGTH].strip("-_")
    return f"{stem or 'download'}.csv"


def csv_response(
    *,
    filename: str,
    rows: Iterable[Sequence[object]],
    header: Sequence[str] | None = None,
    none_as: str = HIDDEN_MARKER,
) -> HttpResponse:
    """A CSV file download of the rows (see `csv_text`), named by `filename` made safe.

    `filename` is passed through `csv_filename`, so a name from user input cannot break the
    Content-Disposition header or escape a download folder.
    """
    name = csv_filename(filename.removesuffix(".csv"))
    response = HttpResponse(csv_text(rows, header=header, none_as=none_as), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def workbook_bytes(tables: dict[str, tuple[list[str], Iterable[Iterable[object]]]]) -> bytes:
    """An XLSX workbook with one sheet per table (header, rows). Text a spreadsheet would run as
    a formula is written as text; Decimals are numbers to the penny."""
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    for name, (header, rows) in tables.items():
        sheet = workbook.create_sheet(title=name[:31])
        sheet.append(list(header))
        for row in rows:
            sheet.append([spreadsheet_safe(value) if isinstance(value, str) else value for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(
    *, filename: str, sheet: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> HttpResponse:
    """One table as an XLSX download on one sheet, named by `filename` made safe as
    `csv_filename` makes it."""
    name = csv_filename(filename.removesuffix(".xlsx").removesuffix(".csv")).removesuffix(".csv") + ".xlsx"
    response = HttpResponse(
        workbook_bytes({sheet: (list(header), [list(row) for row in rows])}), content_type=XLSX_CONTENT_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def table_download(
    file_format: str, *, filename: str, sheet: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> HttpResponse:
    """The table as CSV or XLSX (`file_format`), with the same rows either way."""
    if file_format == "xlsx":
        return xlsx_response(filename=filename, sheet=sheet, header=header, rows=rows)
    if file_format != "csv":
        raise ValueError(f"Unknown download format {file_format!r}")
    return csv_response(filename=filename, header=header, rows=rows)
