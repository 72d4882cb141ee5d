"""Victims' Code API: uploading the force's Code duties and agencies' aggregate returns.

Documented for integrators in docs/formats/code-duties.md and docs/formats/aggregate-returns.md
("API"). The file is the request body (`Content-Type: text/csv`) or the multipart field `file`;
it is imported at once, by the same code as the command line and the upload page, for the force
area Waymark serves. A bad file is a 422 listing every problem by line and column, and nothing
is written. Every import is access-logged.

No `from __future__ import annotations` here: ninja reads the operations' annotations at
import time to build their parameters.
"""

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from waymark.accounts.models import User
from waymark.accounts.roles import OrganisationType
from waymark.audit.models import AccessLog
from waymark.audit.services import access_log_record
from waymark.core.imports import ImportRefusedError
from waymark.crime.force_extract import police_force_area_default
from waymark.crime.models import ForceExtractImport
from waymark.victims_code.aggregate_returns import aggregate_return_import
from waymark.victims_code.duties import import_code_duties
from waymark.victims_code.import_services import IMPORT_PERMISSION, UPLOADS
from waymark.victims_code.models import AggregateReturn
from waymark.victims_code.tasks import compliance_rollup

from ..errors import ERROR_RESPONSES, ApiError
from ..models import ApiToken
from ..security import caller_token, ensure_caller_may

router = Router(tags=["Victims' Code"])

# The scope a token needs to send compliance evidence.
UPLOAD_SCOPE: ApiToken.Scope = ApiToken.Scope.COMPLIANCE_WRITE
# Which organisations' tokens may send each kind: the force (or the OPCC for it) sends duties;
# a return may also come from a partner agency (CPS, witness care, courts, probation).
DUTY_SENDERS = frozenset({OrganisationType.POLICE_FORCE, OrganisationType.OPCC})
RETURN_SENDERS = frozenset(
    {OrganisationType.POLICE_FORCE, OrganisationType.OPCC, OrganisationType.PARTNER_AGENCY}
)
CSV_TYPES = frozenset({"text/csv", "application/csv"})
CHUNK = 1 << 20
# The body, documented by hand: the operations read it themselves, streaming, so ninja does not.
CSV_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string", "description": "The CSV file, UTF-8."}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}


class DutiesQuery(Schema):
    """The extraction date (not in the file) and, optionally, the file's name to record."""

    extracted_on: date = Field(description="The date the force extracted the data, YYYY-MM-DD.")
    file_name: str = Field("", max_length=255, description="The name recorded for the file.")


class ReturnQuery(Schema):
    """Optionally, the file's name to record."""

    file_name: str = Field("", max_length=255, description="The name recorded for the file.")


class DutiesUploadOut(Schema):
    """What the file did. `already_imported`: the same file was sent before; nothing changed."""

    file_name: str
    extracted_on: date
    rows: int
    new: int
    changed: int
    unchanged: int
    kept_newer: int = Field(description="Duties kept because a newer extract had written them.")
    not_applicable: int = Field(description="Rows documented as not applicable (kept and counted).")
    already_imported: bool
    summary: str


class AggregateReturnUploadOut(Schema):
    """The return written. `replaced`: an earlier file's lines for the agency and quarter were
    replaced. `already_imported`: the same file was sent before; nothing changed."""

    id: UUID
    agency_name: str
    quarter: str
    lines: int
    replaced: bool
    already_imported: bool
    summary: str


def _ensure_sender(request: HttpRequest, senders: frozenset[str], what: str) -> ApiToken | None:
    """A token with the scope, of an organisation that sends `what`; or a person who may import."""
    ensure_caller_may(request, scope=UPLOAD_SCOPE, permission=IMPORT_PERMISSION)
    token = caller_token(request)
    if token is not None and token.organisation.type not in senders:
        raise ApiError(403, f"This organisation's token may not send {what}.")
    return token


def _person(request: HttpRequest, token: ApiToken | None) -> User | None:
    """Who imports, for the file's record: the signed-in person, or nobody for a token (the
    access log names the token)."""
    user = request.user
    return None if token is not None or not isinstance(user, User) else user


def _body_chunks(request: HttpRequest) -> tuple[Iterator[bytes], str]:
    """The CSV's bytes, in chunks, and its uploaded name: the multipart field `file`, or the body."""
    content_type = request.content_type or ""
    if content_type == "multipart/form-data":
        upload = request.FILES.get("file")
        if upload is None:
            raise ApiError(400, "Send the CSV file in the multipart field 'file'.")
        return iter(upload.chunks()), Path(upload.name or "").name
    if content_type not in CSV_TYPES:
        raise ApiError(
            400,
            "Send the CSV file as the request body with 'Content-Type: text/csv', "
            "or as the multipart field 'file'.",
        )
    return iter(lambda: request.read(CHUNK), b""), ""


def _refused(refusal: ImportRefusedError) -> ApiError:
    problems, total = refusal.problems, refusal.total
    return ApiError(
        422,
        f"The file was refused with {total:,} problem{'' if total == 1 else 's'}; nothing was imported. "
        "Correct every problem listed and send the whole file again.",
        code="file_refused",
        # A problem of the file as a whole (line 0: an extraction date after today) has no line.
        details=[
            {
                "field": problem.column or None,
                "message": f"Line {problem.line}: {problem.message}" if problem.line else problem.message,
                "type": "row_error" if problem.line else "file_error",
                "line": problem.line or None,
            }
            for problem in problems
        ],
    )


def _log(request: HttpRequest, token: ApiToken | None, obj: Any, detail: str) -> None:
    access_log_record(
        actor=None if token else request.user,
        action=AccessLog.Action.CREATE,
        obj=obj,
        request=request,
        actor_label=f"API token {token.name}" if token else "",
        detail=f"{detail} (API)",
    )


@router.post(
    "/victims-code/duties",
    response={200: DutiesUploadOut, 201: DutiesUploadOut, **ERROR_RESPONSES},
    summary="Send the force's Victims' Code duties (CSV)",
    openapi_extra=CSV_BODY,
)
def code_duties_upload(request: HttpRequest, query: Query[DutiesQuery]) -> Any:
    """Import a Code duties file (docs/formats/code-duties.md), all or nothing.

    Needs a police force's or the OPCC's token with the upload scope, or a signed-in person who
    may import compliance data. 201 when the file was imported, 200 when the same file had
    been; 422 with every problem (line, column, message; no line for a problem of the whole
    file, such as an extraction date after today) when it is refused.
    """
    token = _ensure_sender(request, DUTY_SENDERS, "Victims' Code duties")
    chunks, uploaded_name = _body_chunks(request)
    upload_id = UPLOADS.save(chunks)
    name = query.file_name or uploaded_name or f"code-duties-{query.extracted_on:%Y-%m-%d}.csv"
    try:
        result = import_code_duties(
            UPLOADS.path(upload_id),
            police_force_area=police_force_area_default(),
            extracted_on=query.extracted_on,
            by=_person(request, token),
            file_name=name,
        )
    except ImportRefusedError as refusal:
        raise _refused(refusal) from None
    finally:
        UPLOADS.path(upload_id).unlink(missing_ok=True)
    _log(request, token, ForceExtractImport.objects.get(pk=result.extract_id), result.summary())
    if not result.already_imported:
        # The rollup runs in the background: the caller should not wait for it (pages count live
        # until it is done).
        compliance_rollup.enqueue(police_force_area_id=police_force_area_default().pk)
    body = {
        "file_name": result.file_name,
        "extracted_on": result.extracted_on,
        "rows": result.rows,
        "new": result.new,
        "changed": result.changed,
        "unchanged": result.unchanged,
        "kept_newer": result.kept_newer,
        "not_applicable": result.not_applicable,
        "already_imported": result.already_imported,
        "summary": result.summary(),
    }
    return Status(200 if result.already_imported else 201, body)


@router.post(
    "/victims-code/aggregate-returns",
    response={200: AggregateReturnUploadOut, 201: AggregateReturnUploadOut, **ERROR_RESPONSES},
    summary="Send an agency's aggregate return for a quarter (CSV)",
    openapi_extra=CSV_BODY,
)
def aggregate_return_upload(request: HttpRequest, query: Query[ReturnQuery]) -> Any:
    """Import one agency's aggregate return for one quarter (docs/formats/aggregate-returns.md).

    A return already held for the agency and quarter has its lines replaced. Needs a police
    force's, the OPCC's or a partner agency's token with the upload scope, or a signed-in person
    who may import compliance data. 201 when imported, 200 when the same file had been; 422 with
    every problem when refused, and nothing written.
    """
    token = _ensure_sender(request, RETURN_SENDERS, "aggregate returns")
    chunks, uploaded_name = _body_chunks(request)
    upload_id = UPLOADS.save(chunks)
    try:
        result = aggregate_return_import(
            UPLOADS.path(upload_id),
            police_force_area=police_force_area_default(),
            by=_person(request, token),
            file_name=query.file_name or uploaded_name or "aggregate-return.csv",
        )
    except ImportRefusedError as refusal:
        raise _refused(refusal) from None
    finally:
        UPLOADS.path(upload_id).unlink(missing_ok=True)
    held = AggregateReturn.objects.get(pk=result.return_id)
    _log(request, token, held, result.summary())
    body = {
        "id": held.public_id,
        "agency_name": result.agency_name,
        "quarter": result.quarter,
        "lines": result.lines,
        "replaced": result.replaced,
        "already_imported": result.already_imported,
        "summary": result.summary(),
    }
    return Status(200 if result.already_imported else 201, body)
