"""The police batch upload: a CSV file of referrals, all or nothing.

The format is in docs/formats/police-referrals-csv.md. The file is read twice, streaming, with
the csv module: the first pass checks every row and reports every problem (line, column,
message); only if there is none does the second pass create every referral, in one
transaction. A row whose external reference the force already sent, with the same content, is
counted as already received and changes nothing, so uploading the same file twice is harmless.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from waymark.accounts.models import Organisation, Service
from waymark.core.imports import RowError, first_value_not_text

from .models import ContactMethod, Person, Referral
from .services import (
    ContactDetails,
    PersonDetails,
    ReferralDetails,
    referral_create,
    referral_validate,
    service_for_referral,
)

REQUIRED_COLUMNS = ("external_reference", "service", "consent", "full_name")
OPTIONAL_COLUMNS = (
    "preferred_name",
    "date_of_birth",
    "age_band",
    "sex",
    "crime_reference",
    "reason",
    "phone",
    "phone_type",
    "phone_safe_to_call",
    "phone_safe_voicemail",
    "phone_safe_text",
    "email",
    "email_safe",
    "address",
    "address_safe_post",
    "safe_times",
    "code_word",
    "officer_name",
    "officer_contact",
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
MAX_ROWS = 10_000
_TRUE = {"yes", "y", "true", "1"}
_FALSE = {"no", "n", "false", "0", ""}
# Service errors are keyed by the service's field names; the file's columns are named differently.
_COLUMN_OF_FIELD = {"contact_methods": "phone", "__all__": ""}


@dataclass
class BatchResult:
    """What an upload did: nothing at all if there are errors."""

    created: int = 0
    already_received: int = 0
    errors: list[RowError] = field(default_factory=list)


class _RowParser:
    """Turns one CSV row into ReferralDetails, noting every problem."""

    def __init__(self, force: Organisation) -> None:
        self.force = force
        self._services: dict[str, Service | ValidationError] = {}

    def service(self, identifier: str) -> Service:
        if identifier not in self._services:
            try:
                self._services[identifier] = service_for_referral(identifier)
            except ValidationError as error:
                self._services[identifier] = error
        found = self._services[identifier]
        if isinstance(found, ValidationError):
            raise found
        return found

    def parse(self, row: dict[str, Any], line: int) -> tuple[ReferralDetails | None, list[RowError]]:
        errors: list[RowError] = []
        value = {name: (row.get(name) or "").strip() for name in COLUMNS}

        def flag(column: str) -> bool:
            text = value[column].lower()
            if text in _TRUE:
                return True
            if text not in _FALSE:
                errors.append(RowError(line, column, f"Write yes or no, not '{value[column]}'."))
            return False

        for column in REQUIRED_COLUMNS:
            if not value[column]:
                errors.append(RowError(line, column, f"The {column} column must not be empty."))
        service: Service | None = None
        if value["service"]:
            try:
                service = self.service(value["service"])
            except ValidationError as error:
                errors.extend(RowError(line, "service", m) for m in error.messages)
        born: date | None = None
        if value["date_of_birth"]:
            try:
                born = date.fromisoformat(value["date_of_birth"])
            except ValueError:
                errors.append(
                    RowError(
                        line, "date_of_birth", f"'{value['date_of_birth']}' is not a date: write YYYY-MM-DD."
                    )
                )
        consent = value["consent"].lower()
        if consent and consent not in Referral.Consent.values:
            errors.append(RowError(line, "consent", f"Write one of {', '.join(Referral.Consent.values)}."))
        phone_type = value["phone_type"].lower() or ContactMethod.Kind.MOBILE
        if phone_type not in (ContactMethod.Kind.MOBILE, ContactMethod.Kind.LANDLINE):
            errors.append(RowError(line, "phone_type", "Write mobile or landline."))
        for column, choices in (("age_band", Person.AgeBand.values), ("sex", Person.Sex.values)):
            if value[column] and value[column] not in choices:
                errors.append(RowError(line, column, f"Write one of {', '.join(choices)}."))

        common: dict[str, Any] = {"safe_times": value["safe_times"], "code_word": value["code_word"]}
        methods: list[ContactDetails] = []
        call, voicemail, text = (
            flag("phone_safe_to_call"),
            flag("phone_safe_voicemail"),
            flag("phone_safe_text"),
        )
        if value["phone"]:
            methods.append(
                ContactDetails(
                    kind=phone_type,
                    value=value["phone"],
                    is_preferred=True,
                    safe_to_call=call,
                    safe_voicemail=voicemail,
                    safe_text=text and phone_type == ContactMethod.Kind.MOBILE,
                    **common,
                )
            )
        email_safe = flag("email_safe")
        if value["email"]:
            methods.append(
                ContactDetails(
                    kind=ContactMethod.Kind.EMAIL, value=value["email"], safe_email=email_safe, **common
                )
            )
        post_safe = flag("address_safe_post")
        if value["address"]:
            methods.append(
                ContactDetails(
                    kind=ContactMethod.Kind.POST, value=value["address"], safe_post=post_safe, **common
                )
            )
        details = ReferralDetails(
            service=service,
            source=Referral.Source.POLICE_UPLOAD,
            consent=consent,
            person=PersonDetails(
                full_name=value["full_name"],
                preferred_name=value["preferred_name"],
                date_of_birth=born,
                age_band=value["age_band"] or Person.AgeBand.NOT_KNOWN,
                sex=value["sex"] or Person.Sex.NOT_KNOWN,
            ),
            contact_methods=tuple(methods),
            reason=value["reason"],
            crime_reference=value["crime_reference"],
            external_reference=value["external_reference"],
            referrer_organisation=self.force,
            referrer_name=value["officer_name"],
            referrer_contact=value["officer_contact"],
        )
        # Also every problem the service would find, except in columns already reported.
        reported = {e.column for e in errors}
        for name, messages in referral_validate(details).items():
            column = _COLUMN_OF_FIELD.get(name, name)
            if column not in reported:
                errors.extend(RowError(line, column, message) for message in messages)
        return (None if errors else details), errors


def _rows(file: IO[bytes]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, row) for each data row, streaming; the header is line 1."""
    file.seek(0)
    text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
    try:
        reader = csv.DictReader(text)
        for row in reader:
            yield reader.line_num, row
    finally:
        text.detach()


def _header_errors(file: IO[bytes]) -> list[RowError]:
    file.seek(0)
    text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
    try:
        header = next(csv.reader(text), None)
    finally:
        text.detach()
    if not header:
        return [RowError(1, "", "The file is empty: the first line must name the columns.")]
    names = [h.strip() for h in header]
    errors = [RowError(1, c, f"The {c} column is missing.") for c in REQUIRED_COLUMNS if c not in names]
    errors += [
        RowError(1, c, f"Unknown column {c}: see the format's list of columns.")
        for c in names
        if c not in COLUMNS
    ]
    return errors


def police_batch_check(*, force: Organisation, file: IO[bytes]) -> list[RowError]:
    """Every problem in the file; empty if every row can be imported (first pass, writes nothing)."""
    try:
        errors = _header_errors(file)
        if errors:
            return errors
        parser = _RowParser(force)
        seen: dict[str, int] = {}
        count = 0
        for line, row in _rows(file):
            count += 1
            if count > MAX_ROWS:
                return [*errors, RowError(line, "", f"The file has more than {MAX_ROWS} rows: split it.")]
            if None in row:
                errors.append(RowError(line, "", "This row has more values than the header has columns."))
                continue
            # A zero byte is not text: PostgreSQL cannot store it, and the import failed on it.
            if (not_text := first_value_not_text([value or "" for value in row.values()])) is not None:
                errors.append(RowError(line, list(row)[not_text[0]].strip(), not_text[1]))
                continue
            _, row_errors = parser.parse(row, line)
            errors.extend(row_errors)
            reference = (row.get("external_reference") or "").strip()
            if reference:
                if reference in seen:
                    errors.append(
                        RowError(
                            line,
                            "external_reference",
                            f"Reference {reference} is also on line {seen[reference]}.",
                        )
                    )
                else:
                    seen[reference] = line
        if count == 0:
            errors.append(RowError(2, "", "The file has no referrals in it."))
        return errors
    except UnicodeDecodeError:
        return [RowError(0, "", "The file is not UTF-8 text: save it from your spreadsheet as CSV UTF-8.")]
    except csv.Error as error:
        return [RowError(0, "", f"The file is not valid CSV: {error}.")]


@transaction.atomic
def police_batch_import(
    *, by: Any, force: Organisation, file: IO[bytes], request: HttpRequest | None = None
) -> BatchResult:
    """Check the whole file, then create every referral in one transaction; nothing if any row is bad."""
    errors = police_batch_check(force=force, file=file)
    if errors:
        return BatchResult(errors=errors)
    result = BatchResult()
    parser = _RowParser(force)
    for line, row in _rows(file):
        details, row_errors = parser.parse(row, line)
        if details is None:  # changed since the check (another upload at the same time)
            transaction.set_rollback(True)
            return BatchResult(errors=row_errors)
        try:
            _, created = referral_create(by=by, details=details, request=request)
        except ValidationError as error:
            transaction.set_rollback(True)
            return BatchResult(
                errors=[
                    RowError(line, _COLUMN_OF_FIELD.get(name, name), message)
                    for name, messages in error.message_dict.items()
                    for message in messages
                ]
            )
        if created:
            result.created += 1
        else:
            result.already_received += 1
    return result
