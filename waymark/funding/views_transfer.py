"""Funding import and export pages: check a workbook and preview it, commit it; download any
table; the 360Giving file of awards. Imports are for the OPCC's admins and analysts; downloads
for the OPCC's funding roles and providers' managers (their own rows); the 360Giving file for
the OPCC's funding roles."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record_many
from waymark.core.csv_download import csv_text
from waymark.core.http import AuthenticatedHttpRequest
from waymark.core.imports import ImportRefusedError

from . import exports
from . import giving360 as g360
from .forms_transfer import TransferCommitForm, TransferUploadForm
from .money_format import pounds
from .transfer import IMPORT_PERMISSION, SHEET_LABELS, Plan, transfer_check, transfer_commit, transfer_store

# The first rows of each sheet shown in a preview.
PREVIEW_ROWS = 10

manage_funding = permission_required(IMPORT_PERMISSION, raise_exception=True)
view_funding = permission_required("funding.view_funding", raise_exception=True)


def may_export(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The OPCC's funding roles and providers' managers; 403 for anyone else."""

    @wraps(view)
    def wrapped(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not exports.may_export(request.user):
            raise PermissionDenied("Not allowed: funding exports")
        return view(request, *args, **kwargs)

    return wrapped


def _preview_tables(plan: Plan) -> list[dict[str, Any]]:
    """Per sheet read: its label, counts and first rows as text, for the preview page."""
    tables = []
    for sheet, label, created, updated in plan.counts():
        rows = plan.rows_of(sheet)[:PREVIEW_ROWS]
        if sheet == "awards":
            header = ["Line", "Reference", "Title", "Provider", "Dates", "Action"]
            cells = [
                [
                    r.line,
                    r.reference,
                    r.title,
                    r.organisation.name,
                    f"{r.start_on:%d/%m/%Y} to {r.end_on:%d/%m/%Y}",
                ]
                for r in rows
            ]
        elif sheet == "funding_lines":
            header = ["Line", "Award", "Funding source", "Year", "Amount", "Status", "Action"]
            cells = [
                [r.line, r.award_reference, r.source.name, r.financial_year, pounds(r.amount), r.status]
                for r in rows
            ]
        elif sheet == "posts":
            header = ["Line", "Award", "Title", "Role", "FTE", "Local authorities", "Action"]
            cells = [
                [
                    r.line,
                    r.award_reference,
                    r.title,
                    r.role,
                    r.fte,
                    ", ".join(a.name for a in r.local_authorities),
                ]
                for r in rows
            ]
        else:
            header = ["Line", "Award", "Post", "Funding source", "Year", "FTE share", "Action"]
            cells = [
                [r.line, r.award_reference, r.post_title, r.source.name, r.financial_year, r.fte_share]
                for r in rows
            ]
        for row, cell_row in zip(rows, cells, strict=True):
            cell_row.append("Create" if row.existing is None else "Update")
        tables.append(
            {
                "sheet": sheet,
                "label": label,
                "created": created,
                "updated": updated,
                "total": created + updated,
                "header": header,
                "rows": cells,
            }
        )
    return tables


@login_required
@manage_funding
@require_http_methods(["GET", "POST"])
def import_upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload a workbook: every row is checked and the preview shown; nothing is written yet."""
    form = TransferUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        plan = transfer_check(by=request.user, file_name=upload.name, data=data)
        token = "" if plan.errors else transfer_store(by=request.user, file_name=upload.name, data=data)
        return render(
            request,
            "funding/transfer/preview.html",
            {
                "plan": plan,
                "tables": _preview_tables(plan),
                "commit_form": TransferCommitForm(initial={"token": token}) if token else None,
                "sheet_labels": SHEET_LABELS,
            },
            status=400 if plan.errors else 200,
        )
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "funding/transfer/upload.html", {"form": form}, status=status)


@login_required
@manage_funding
@require_POST
def import_commit(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Import a checked file: all of it in one transaction, or nothing. Only the person who
    checked it may commit it (403 for anyone else)."""
    form = TransferCommitForm(request.POST)
    if not form.is_valid():
        return render(
            request, "funding/transfer/refused.html", {"reason": "No checked file was named."}, status=400
        )
    try:
        plan = transfer_commit(by=request.user, token=form.cleaned_data["token"])
    except ImportRefusedError as refused:
        return render(
            request,
            "funding/transfer/refused.html",
            {"reason": "Waymark has changed since the file was checked.", "errors": refused.errors},
            status=400,
        )
    except ValidationError as error:
        return render(
            request, "funding/transfer/refused.html", {"reason": " ".join(error.messages)}, status=400
        )
    return render(request, "funding/transfer/done.html", {"plan": plan, "counts": plan.counts()})


@login_required
@may_export
@require_GET
def export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The tables this person may download, in each format."""
    tables = exports.tables_for(request.user)
    return render(
        request,
        "funding/transfer/export.html",
        {
            "tables": tables,
            "formats": exports.FORMATS,
            "workbook": exports.WORKBOOK,
            "may_import": request.user.has_perm(IMPORT_PERMISSION),
            "may_publish": request.user.has_perm("funding.view_funding"),
        },
    )


@login_required
@may_export
@require_GET
def export_download(request: AuthenticatedHttpRequest, table: str, file_format: str) -> HttpResponse:
    """One table (or the import workbook) as a file; the rows are access-logged as exported."""
    try:
        name, content_type, data = exports.export_file(
            user=request.user, table=table, file_format=file_format, request=request
        )
    except (KeyError, ValueError) as unknown:
        raise Http404("No such table or format.") from unknown
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@view_funding
@require_GET
def giving360(request: AuthenticatedHttpRequest) -> HttpResponse:
    """What the 360Giving file holds: the grants, and the awards left out and why."""
    found = g360.giving360_grants(user=request.user)
    return render(
        request,
        "funding/transfer/giving360.html",
        {"grants": found.grants, "left_out": found.left_out, "prefix": g360.prefix(), "pounds": pounds},
    )


@login_required
@view_funding
@require_GET
def giving360_download(request: AuthenticatedHttpRequest, file_format: str) -> HttpResponse:
    """The 360Giving file, JSON or CSV; the awards in it are access-logged as exported."""
    if file_format not in ("json", "csv"):
        raise Http404("No such format.")
    found = g360.giving360_grants(user=request.user)
    grants = found.grants
    if file_format == "json":
        response = HttpResponse(
            g360.giving360_json(grants=grants), content_type="application/json; charset=utf-8"
        )
    else:
        text = csv_text(g360.giving360_csv_rows(grants=grants), header=g360.CSV_COLUMNS, none_as="")
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="360giving-grants.{file_format}"'
    access_log_record_many(
        actor=request.user,
        action=AccessLog.Action.EXPORT,
        objects=list(found.awards),
        request=request,
        detail=f"360Giving ({file_format})",
    )
    return response
