"""Downloads of the funding tables as CSV or XLSX, with the rows each person may see.

Awards, their funding lines, posts and posts' FTE shares are written in the import layout
(`transfer.COLUMNS`), so a download can be corrected and imported again; allocations are
written with their whole history (each row's id, the row it supersedes, and whether it is the
current one). A provider manager gets their own organisation's awards and posts only
(`visible_to`) and no allocations; every row downloaded is recorded in the access log as an
export (allocations, which belong to no organisation, as one entry per row too).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record_many
from waymark.core.csv_download import XLSX_CONTENT_TYPE, spreadsheet_safe, workbook_bytes

from .models import Allocation, Award, AwardFunding, FundedPost, PostFundingShare
from .transfer import COLUMNS, LIST_SEPARATOR, SHEETS

FORMATS: tuple[str, ...] = ("csv", "xlsx")
VIEW_PERMISSION = "funding.view_funding"
PROVIDER_PERMISSION = "funding.submit_returns"


def may_export(user: Any) -> bool:
    """The OPCC's funding roles, and providers' managers (their own rows)."""
    return bool(user.has_perm(VIEW_PERMISSION) or user.has_perm(PROVIDER_PERMISSION))


def _awards(user: Any) -> QuerySet[Award]:
    return Award.objects.visible_to(user).select_related("organisation").order_by("reference")


def _award_rows(user: Any) -> tuple[list[list[object]], list[Any]]:
    awards = list(_awards(user))
    rows: list[list[object]] = [
        [
            a.reference,
            a.title,
            a.organisation.name,
            a.start_on,
            a.end_on,
            a.status,
            a.stated_total,
            a.decision_reference,
            a.awarded_on,
            a.description,
        ]
        for a in awards
    ]
    return rows, list(awards)


def _line_rows(user: Any) -> tuple[list[list[object]], list[Any]]:
    lines = AwardFunding.objects.filter(award__in=_awards(user)).select_related("award", "funding_source")
    lines = lines.order_by("award__reference", "financial_year", "funding_source__name")
    rows: list[list[object]] = []
    awards: dict[int, Award] = {}
    for line in lines:
        rows.append(
            [line.award.reference, line.funding_source.name, line.financial_year, line.amount, line.status]
        )
        awards[line.award_id] = line.award
    return rows, list(awards.values())


def _posts(user: Any) -> QuerySet[FundedPost]:
    return (
        FundedPost.objects.visible_to(user)
        .select_related("award", "organisation")
        .prefetch_related("specialisms", "local_authorities")
        .order_by("award__reference", "title", "id")
    )


def _post_rows(user: Any) -> tuple[list[list[object]], list[Any]]:
    posts = list(_posts(user))
    rows: list[list[object]] = [
        [
            p.award.reference if p.award else "",
            p.title,
            p.role,
            f"{LIST_SEPARATOR} ".join(
                area.code for area in sorted(p.local_authorities.all(), key=lambda a: a.code)
            ),
            p.fte,
            p.organisation.name,
            f"{LIST_SEPARATOR} ".join(sorted(s.code for s in p.specialisms.all())),
            p.supports,
            p.area_label,
            p.status,
            p.annual_cost,
            p.notes,
        ]
        for p in posts
    ]
    return rows, posts


def _share_rows(user: Any) -> tuple[list[list[object]], list[Any]]:
    shares = (
        PostFundingShare.objects.filter(post__in=FundedPost.objects.visible_to(user))
        .select_related("post__award", "funding_source")
        .order_by("post__award__reference", "post__title", "financial_year", "funding_source__name")
    )
    rows: list[list[object]] = []
    posts: dict[int, FundedPost] = {}
    for share in shares:
        post = share.post
        rows.append(
            [
                post.award.reference if post.award else "",
                post.title,
                share.funding_source.name,
                share.financial_year,
                share.fte_share,
            ]
        )
        posts[post.pk] = post
    return rows, list(posts.values())


ALLOCATION_COLUMNS: tuple[str, ...] = (
    "id",
    "funder",
    "funding_source",
    "financial_year",
    "amount",
    "status",
    "notified_on",
    "reference",
    "supersedes",
    "current",
    "notes",
)


def _allocation_rows(user: Any) -> tuple[list[list[object]], list[Any]]:
    if not user.has_perm(VIEW_PERMISSION):
        return [], []
    allocations = list(
        Allocation.objects.select_related("funding_source__funder", "supersedes", "superseded_by").order_by(
            "funding_source__funder__name", "funding_source__name", "financial_year", "notified_on", "id"
        )
    )
    rows: list[list[object]] = []
    for a in allocations:
        current = not hasattr(a, "superseded_by") or a.superseded_by is None
        rows.append(
            [
                str(a.public_id),
                a.funding_source.funder.name,
                a.funding_source.name,
                a.financial_year,
                a.amount,
                a.status,
                a.notified_on,
                a.reference,
                str(a.supersedes.public_id) if a.supersedes else "",
                "yes" if current else "no",
                a.notes,
            ]
        )
    return rows, allocations


@dataclass(frozen=True)
class ExportTable:
    """One table that can be downloaded: its name, label, header, rows and who may have it."""

    name: str
    label: str
    description: str
    header: tuple[str, ...]
    rows: Callable[[Any], tuple[list[list[object]], list[Any]]]
    opcc_only: bool = False


TABLES: dict[str, ExportTable] = {
    table.name: table
    for table in (
        ExportTable("awards", "Awards", "One row per award to a provider.", COLUMNS["awards"], _award_rows),
        ExportTable(
            "funding_lines",
            "Award funding lines",
            "One row per award, funding source and financial year.",
            COLUMNS["funding_lines"],
            _line_rows,
        ),
        ExportTable(
            "posts",
            "Funded posts",
            "One row per post, with its local authorities and specialisms.",
            COLUMNS["posts"],
            _post_rows,
        ),
        ExportTable(
            "post_shares",
            "Post FTE shares",
            "One row per post, funding source and financial year.",
            COLUMNS["post_shares"],
            _share_rows,
        ),
        ExportTable(
            "allocations",
            "Allocations, with their history",
            "Every allocation notified, including those later confirmed or varied.",
            ALLOCATION_COLUMNS,
            _allocation_rows,
            opcc_only=True,
        ),
    )
}
# The workbook of the four importable tables, one sheet each: the import layout.
WORKBOOK = "workbook"


def tables_for(user: Any) -> list[ExportTable]:
    """The tables this person may download."""
    opcc = user.has_perm(VIEW_PERMISSION)
    return [table for table in TABLES.values() if opcc or not table.opcc_only]


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, str):
        return spreadsheet_safe(value)
    return str(value)


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """CSV (UTF-8 with a byte order mark, for spreadsheets): blanks for empty cells, money as
    pounds and pence (a negative amount stays a number), text made spreadsheet-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_file(*, user: Any, table: str, file_format: str, request: Any = None) -> tuple[str, str, bytes]:
    """(file name, content type, bytes) of one table, or of the import workbook, for this person;
    the rows are recorded in the access log as exported. KeyError for an unknown table or one
    this person may not have; ValueError for an unknown format."""
    if file_format not in FORMATS:
        raise ValueError(f"Unknown format {file_format!r}")
    allowed = {t.name: t for t in tables_for(user)}
    if table == WORKBOOK:
        if file_format != "xlsx":
            raise ValueError("The workbook is XLSX only")
        sheets: dict[str, tuple[list[str], Iterable[Iterable[object]]]] = {}
        logged: list[Any] = []
        for name in SHEETS:
            rows, objects = allowed[name].rows(user)
            sheets[name] = (list(allowed[name].header), [[_xlsx(v) for v in row] for row in rows])
            logged.extend(objects)
        _log(user, logged, request, "funding workbook (xlsx)")
        return "funding-awards-posts.xlsx", XLSX_CONTENT_TYPE, workbook_bytes(sheets)
    chosen = allowed[table]
    rows, objects = chosen.rows(user)
    _log(user, objects, request, f"funding {table} ({file_format})")
    stem = f"funding-{table.replace('_', '-')}"
    if file_format == "csv":
        return f"{stem}.csv", "text/csv; charset=utf-8", csv_bytes(chosen.header, rows)
    data = workbook_bytes({table: (list(chosen.header), [[_xlsx(v) for v in row] for row in rows])})
    return f"{stem}.xlsx", XLSX_CONTENT_TYPE, data


def _xlsx(value: object) -> object:
    """A cell for openpyxl: money stays a Decimal (a number to the penny), None a blank."""
    return "" if value is None else value


def _log(user: Any, objects: list[Any], request: Any, detail: str) -> None:
    unique = list({(type(obj), obj.pk): obj for obj in objects}.values())
    access_log_record_many(
        actor=user, action=AccessLog.Action.EXPORT, objects=unique, request=request, detail=detail
    )
