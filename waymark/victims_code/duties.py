# ruff: noqa: S608 -- the SQL here names only our own tables and columns; file values are parameters
"""The force's Victims' Code duties, from CSV (docs/formats/code-duties.md): an extension of the
force extract, one row per entitlement owed to one victim of one crime.

The file is read as the extract's files are (`waymark.crime.force_extract`, whose reader,
problem list, value checks and set-based helpers this module imports): streaming, every row
checked, staged in chunks into a temporary table (`COPY` on PostgreSQL), then set-based SQL
finds what row checks cannot (crimes or victims Waymark does not have, a duty twice in the
file). A file with any problem is refused with every problem and nothing is written. Only then,
in one transaction, is each duty's due date computed on the staging table
(`deadlines.duties_due_recompute`), each row compared with the duty Waymark holds, `CodeDuty`
upserted, and the file recorded.

A duty is matched on (crime, victim, entitlement, trigger date). A later file updates it (for
example, fills in its delivery); a duty last written from a newer extract keeps its content; the
same file twice (its SHA-256) changes nothing. A duty absent from a later file is not removed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction

from waymark.accounts.models import User
from waymark.core.imports import (
    ProgressCallback,
    RowError,
    file_sha256,
    refuse_future_extraction,
    statistics_refresh,
)
from waymark.core.models import PoliceForceArea
from waymark.core.staging import StagingTable, staging_table

# The extract's reading and checking machinery is shared, private names and all: one reader,
# one problem list and one set of value messages for every file the force sends.
from waymark.crime.force_extract import (
    MAX_ERRORS,
    _Bar,
    _columns,
    _no_progress,
    _Problems,
    _Reader,
    _Sql,
    _Step,
    _stream_into,
    _table,
    _Values,
    take_turns,
)
from waymark.crime.models import Crime, CrimeVictim, ForceExtractImport

from .deadlines import duties_due_recompute
from .models import Channel, CodeDuty, CodeVersion, DataSource, Entitlement, NotApplicableReason

# The `ForceExtractImport.kind` of a Code duties file: its files are recorded beside the crimes'.
CODE_DUTIES_KIND: str = ForceExtractImport.Kind.CODE_DUTIES

DUTY_COLUMNS: tuple[str, ...] = (
    "crime_reference",
    "victim_id",
    "entitlement",
    "triggered_on",
    "received_on",
    "enhanced",
    "delivered_on",
    "channel",
    "not_applicable_reason",
    "not_applicable_detail",
)
CHANNELS: tuple[str, ...] = tuple(Channel.values)
NOT_APPLICABLE_REASONS: tuple[str, ...] = tuple(NotApplicableReason.values)

# The progress bar: reading and checking rows fill the first seventh of it (by bytes read), the
# rest is the whole-file checks and the transaction, each step from where it starts. Measured on
# 371,804 duties (of 100,000 synthetic crimes, PostgreSQL, the 2-core machine): reading 1.8 s,
# the whole-file checks 3.3 s, due dates 1.4 s, comparing and writing 4.0 s, the commit 3.2 s.
DUTIES_WRITE_SHARE = 6
DUTIES_STEPS: dict[str, float] = {"checked": 0.28, "due": 0.3, "write": 0.42, "commit": 0.73}

_VICTIM_LENGTH = CodeDuty._meta.get_field("victim_ref").max_length or 64
_DETAIL_LENGTH = CodeDuty._meta.get_field("not_applicable_detail").max_length or 200

_STAGE_DUTY = (
    ("line", "int"),
    ("crime_reference", "text"),
    ("victim_ref", "text"),
    ("entitlement_code", "text"),
    ("entitlement_id", "int"),
    ("triggered_on", "date"),
    ("received_on", "date"),
    ("enhanced", "bool"),
    ("delivered_on", "date"),
    ("channel", "text"),
    ("not_applicable_reason", "text"),
    ("not_applicable_detail", "text"),
    ("crime_id", "int"),
    ("due_on", "date"),
    ("duty_id", "int"),
    ("status", "text"),
)
# What the file says about a duty beyond its key: compared with the stored duty, and written.
_CONTENT = (
    "received_on",
    "enhanced",
    "delivered_on",
    "channel",
    "not_applicable_reason",
    "not_applicable_detail",
)


@dataclass(frozen=True)
class DutiesImportResult:
    """What one Code duties file did.

    `new` duties were new to Waymark, `changed` ones updated a duty (e.g. its delivery filled
    in), `unchanged` ones matched it exactly and were not rewritten, and `kept_newer` ones were
    skipped because a file with a later extraction date had written the duty. `not_applicable`
    counts the file's rows documented as not applicable (kept, and counted apart by every
    metric). `already_imported`: this very file was imported before and nothing was done.
    """

    file_name: str
    extracted_on: date
    rows: int
    new: int
    changed: int
    unchanged: int
    kept_newer: int
    not_applicable: int
    extract_id: int
    already_imported: bool = False

    def summary(self) -> str:
        """One line for a terminal, a job's page or an API answer."""
        if self.already_imported:
            return (
                f"{self.file_name} was imported before (extract of {self.extracted_on:%Y-%m-%d}, "
                f"{self.rows:,} duty rows): nothing changed."
            )
        text = (
            f"{self.file_name}: {self.rows:,} Code duty rows from the extract of "
            f"{self.extracted_on:%Y-%m-%d}: {self.new:,} new, {self.changed:,} changed, "
            f"{self.unchanged:,} unchanged"
        )
        if self.kept_newer:
            text += f", {self.kept_newer:,} kept as a newer extract had them"
        return text + f"; {self.not_applicable:,} documented as not applicable."


def check_header(reader: _Reader, expected: Sequence[str], *, format_doc: str) -> dict[str, int] | None:
    """The position of each expected column, or None with every header problem noted: columns
    missing, unknown or named twice. `format_doc` is the document that lists the columns."""
    header = reader.read_header()
    if header is None:
        return None
    names = [name.strip() for name in header]
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name in names:
        if name in seen:
            problems.append((name, f"The column {name} appears more than once."))
        seen.add(name)
    problems += [(name, f"The column {name} is missing.") for name in expected if name not in seen]
    problems += [
        (name, f"Unknown column {name or '(no name)'}: the columns are listed in {format_doc}.")
        for name in names
        if name not in expected
    ]
    for column, message in problems:
        reader.problems.add(1, column, message)
    if problems:
        return None
    return {name: index for index, name in enumerate(names)}


def entitlements_in_force() -> tuple[dict[str, int], str]:
    """The entitlement codes of the Code version(s) in force, with their ids, and the versions'
    codes (for messages)."""
    rows = Entitlement.objects.filter(right__code_version__status=CodeVersion.Status.IN_FORCE).values_list(
        "code", "pk", "right__code_version__code"
    )
    codes = {code: pk for code, pk, _ in rows}
    versions = sorted({version for _, _, version in rows})
    return codes, ", ".join(versions) or "none"


class _DutyRows:
    """Turns rows of a duties file into staging rows, noting every problem."""

    def __init__(self, columns: dict[str, int], problems: _Problems, *, extracted_on: date) -> None:
        self.positions = tuple(columns[name] for name in DUTY_COLUMNS)
        self.width = len(columns)
        self.values = _Values(problems)
        self.extracted_on = extracted_on
        self.entitlements, self.versions = entitlements_in_force()

    def parse(
        self, line: int, row: list[str]
    ) -> tuple[tuple[Any, ...] | None, list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """(staged row, [], []); the row is staged, whatever else is wrong with it, while its key
        (crime, victim, entitlement, trigger date) can be read, so that a duty given twice and
        duties of unknown crimes are found too."""
        v = self.values
        v.start(line)
        if len(row) != self.width:
            v.bad(
                "",
                f"This row has {len(row)} values but the header names {self.width} columns: "
                + ("is the file cut short?" if len(row) < self.width else "is a comma missing its quotes?"),
            )
            return None, [], []
        (
            reference,
            victim,
            code,
            triggered_text,
            received_text,
            enhanced_text,
            delivered_text,
            channel,
            reason,
            detail,
        ) = [row[position].strip() for position in self.positions]
        v.text("crime_reference", reference, required=True)
        key_ok = v.ok
        if not victim:
            v.bad("victim_id", "The victim_id column must not be empty.")
        elif len(victim) > _VICTIM_LENGTH:
            v.bad("victim_id", f"'{victim[:20]}…' is longer than {_VICTIM_LENGTH} characters.")
        entitlement_id = self.entitlements.get(code)
        if entitlement_id is None:
            shown = f"'{code}' is" if code else "An empty value is"
            v.bad(
                "entitlement",
                f"{shown} not an entitlement of the Code in force ({self.versions}): write its code, "
                "e.g. R6.ARREST_UPDATE.",
            )
        triggered = v.date("triggered_on", triggered_text)
        key_ok = key_ok and v.ok
        received = v.date("received_on", received_text, required=False)
        enhanced = v.flag("enhanced", enhanced_text)
        delivered = v.date("delivered_on", delivered_text, required=False)
        for column, day in (
            ("triggered_on", triggered),
            ("received_on", received),
            ("delivered_on", delivered),
        ):
            if day is not None and day > self.extracted_on:
                v.bad(
                    column,
                    f"{day:%Y-%m-%d} is after the extraction date ({self.extracted_on:%Y-%m-%d}): "
                    "is the date or the extraction date wrong?",
                )
        if triggered is not None:
            if received is not None and received < triggered:
                v.bad("received_on", "received_on must not be before triggered_on.")
            if delivered is not None and delivered < triggered:
                v.bad("delivered_on", "delivered_on must not be before triggered_on.")
        if channel:
            v.choice("channel", channel, CHANNELS, what="a channel")
            if not delivered_text:
                v.bad("channel", "Give the channel only with delivered_on: the day the duty was delivered.")
        if reason:
            v.choice("not_applicable_reason", reason, NOT_APPLICABLE_REASONS, what="a not-applicable reason")
            if delivered_text:
                v.bad(
                    "not_applicable_reason",
                    "A duty cannot be both delivered and not applicable: leave delivered_on or "
                    "not_applicable_reason empty.",
                )
            if reason == NotApplicableReason.OTHER and not detail:
                v.bad("not_applicable_detail", "Say why in not_applicable_detail when the reason is other.")
        elif detail:
            v.bad("not_applicable_detail", "Give not_applicable_detail only with a not_applicable_reason.")
        if len(detail) > _DETAIL_LENGTH:
            v.bad("not_applicable_detail", f"'{detail[:20]}…' is longer than {_DETAIL_LENGTH} characters.")

        if not (key_ok and victim and entitlement_id is not None) or len(victim) > _VICTIM_LENGTH:
            return None, [], []
        staged = (
            line,
            reference,
            victim,
            code,
            entitlement_id,
            triggered,
            received,
            enhanced,
            delivered,
            channel,
            reason,
            detail,
            None,
            None,
            None,
            "new",
        )
        return staged, [], []


def import_code_duties(
    path: Path | str,
    *,
    police_force_area: PoliceForceArea,
    extracted_on: date,
    by: User | None = None,
    progress: ProgressCallback | None = None,
    file_name: str | None = None,
) -> DutiesImportResult:
    """Load a Code duties file of the force's extract, all or nothing, computing each duty's due
    date, and record the file.

    Every duty's crime must already be imported for `police_force_area`, and its victim be one
    of that crime's victims. Raises `ImportRefusedError` with every problem if anything is
    wrong; nothing is written then. `file_name` is the name recorded (the path's by default).
    """
    path = Path(path)
    name = (file_name or path.name)[:255]
    refuse_future_extraction(extracted_on, file_name=name)
    sha256 = file_sha256(path)
    same_file = ForceExtractImport.objects.filter(
        police_force_area=police_force_area, kind=CODE_DUTIES_KIND, sha256=sha256
    )
    if (earlier := same_file.first()) is not None:
        return _already_imported(earlier, name)
    problems = _Problems()
    reader = _Reader(path, problems)
    bar = _Bar(progress or _no_progress, reader.size, DUTIES_WRITE_SHARE)
    sql = _Sql()
    try:
        bar.checking(done=0, total=reader.size, message="Checking rows")
        columns = check_header(reader, DUTY_COLUMNS, format_doc="docs/formats/code-duties.md")
        if columns is None:
            raise problems.refusal(name)
        with staging_table("stage_code_duty", _STAGE_DUTY) as stage:
            parse = _DutyRows(columns, problems, extracted_on=extracted_on).parse
            _stream_into(reader, parse, (stage, None, None), problems, bar.checking)
            sql.index(stage, "crime_reference")
            sql.analyse(stage)
            found, found_count = _set_problems(sql, stage, police_force_area)
            if problems or found:
                raise problems.refusal(name, found, found_count)
            plural = "y" if stage.rows == 1 else "ies"
            # On PostgreSQL a job's page sees the steps reported inside the transaction as they
            # come (`job_progress_update` writes them on a connection of its own); on SQLite it
            # shows this until the commit.
            bar.writing(
                DUTIES_STEPS["checked"],
                f"Checked. Writing {stage.rows:,} dut{plural} in one transaction (all or nothing)",
            )
            with transaction.atomic():
                # One import of the area's extract writes at a time (docs/formats/force-extract.md).
                take_turns(police_force_area)
                # On both databases: SQLite's transaction is begun IMMEDIATE, so it holds the
                # write lock from its start and reads what was committed before it.
                if (earlier := same_file.first()) is not None:
                    # The same file, imported by another job while this one was checking it.
                    return _already_imported(earlier, name)
                extract = ForceExtractImport.objects.create(
                    police_force_area=police_force_area,
                    kind=CODE_DUTIES_KIND,
                    file_name=name,
                    sha256=sha256,
                    extracted_on=extracted_on,
                    imported_by=by,
                )
                counts = _upsert_duties(sql, stage, police_force_area, extracted_on, bar.writing)
                not_applicable = int(
                    sql.rows(f"SELECT COUNT(*) FROM {stage.name} WHERE not_applicable_reason <> ''")[0][0]
                )
                extract.rows = sum(counts.values())
                extract.created = counts.get("new", 0)
                extract.updated = counts.get("changed", 0)
                extract.save(update_fields=["rows", "created", "updated", "updated_at"])
                bar.writing(DUTIES_STEPS["commit"], "Saving: the database checks every row's references")
            statistics_refresh(CodeDuty)
            bar.writing(1.0, "Imported")
    finally:
        reader.close()
    return DutiesImportResult(
        file_name=name,
        extracted_on=extracted_on,
        rows=extract.rows,
        new=counts.get("new", 0),
        changed=counts.get("changed", 0),
        unchanged=counts.get("unchanged", 0),
        kept_newer=counts.get("kept_newer", 0),
        not_applicable=not_applicable,
        extract_id=extract.pk,
    )


def _already_imported(earlier: ForceExtractImport, name: str) -> DutiesImportResult:
    """The result for a file imported before: nothing done, the first import's counts."""
    return DutiesImportResult(
        file_name=name,
        extracted_on=earlier.extracted_on,
        rows=earlier.rows,
        new=0,
        changed=0,
        unchanged=earlier.rows,
        kept_newer=0,
        not_applicable=0,
        extract_id=earlier.pk,
        already_imported=True,
    )


def _set_problems(sql: _Sql, stage: StagingTable, area: PoliceForceArea) -> tuple[list[RowError], int]:
    """What only the whole file shows: duties of crimes not imported for the area, of victims
    not on their crime, and a duty given twice. The first `MAX_ERRORS`, and how many in all."""
    s = stage.name
    c = _columns(Crime, "police_force_area", "crime_reference")
    v = _columns(CrimeVictim, "crime", "victim_ref")
    sql.run(
        f"UPDATE {s} SET crime_id = c.id FROM {_table(Crime)} c"
        f" WHERE c.{c['police_force_area']} = %s AND c.{c['crime_reference']} = {s}.crime_reference",
        [area.pk],
    )
    unknown_crimes = f"FROM {s} WHERE crime_id IS NULL"
    unknown_victims = (
        f"FROM {s} WHERE crime_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {_table(CrimeVictim)} x"
        f" WHERE x.{v['crime']} = {s}.crime_id AND x.{v['victim_ref']} = {s}.victim_ref)"
    )
    count = int(sql.rows(f"SELECT COUNT(*) {unknown_crimes}")[0][0])
    count += int(sql.rows(f"SELECT COUNT(*) {unknown_victims}")[0][0])
    found = [
        RowError(
            line,
            "crime_reference",
            f"No crime with reference '{reference}' has been imported for {area.name}: "
            "import the crimes file first.",
        )
        for line, reference in sql.rows(
            f"SELECT line, crime_reference {unknown_crimes} ORDER BY line LIMIT %s", [MAX_ERRORS]
        )
    ]
    found += [
        RowError(
            line,
            "victim_id",
            f"'{victim}' is not a victim of crime {reference} in the crimes imported: "
            "give a victim id from its victim_ids.",
        )
        for line, reference, victim in sql.rows(
            f"SELECT line, crime_reference, victim_ref {unknown_victims} ORDER BY line LIMIT %s", [MAX_ERRORS]
        )
    ]
    duplicates, duplicate_count = sql.duplicates(
        stage,
        ["crime_reference", "victim_ref", "entitlement_code", "triggered_on"],
        lambda row: (
            f"The same duty ({row[2]}, victim {row[3]}, {row[4]} triggered on {row[5]}) is also on "
            f"line {row[1]}: give each duty once."
        ),
    )
    found = sorted(found + duplicates, key=lambda error: error.line)[:MAX_ERRORS]
    return found, count + duplicate_count


def _upsert_duties(
    sql: _Sql, stage: StagingTable, area: PoliceForceArea, extracted_on: date, step: _Step
) -> dict[str, int]:
    """Compute the staged duties' due dates, sort them into new, changed, unchanged and
    kept_newer, and write the new and changed ones, telling `step` as each part starts. Counts
    of rows by status."""
    s = stage.name
    duty = _table(CodeDuty)
    key_fields = ("crime", "victim_ref", "entitlement", "triggered_on")
    d = _columns(
        CodeDuty, "id", "police_force_area", *key_fields, *_CONTENT, "due_on", "source", "extracted_on"
    )
    staged_key = {"crime": "crime_id", "victim_ref": "victim_ref", "entitlement": "entitlement_id"}
    same_key = " AND ".join(f"x.{d[field]} = {s}.{staged_key.get(field, field)}" for field in key_fields)
    known = sql.run(
        f"UPDATE {s} SET duty_id = x.{d['id']}, status = CASE WHEN x.{d['extracted_on']} > %s"
        f" THEN 'kept_newer' ELSE 'unchanged' END FROM {duty} x WHERE {same_key}",
        [extracted_on],
    )
    step(DUTIES_STEPS["due"], "Working out due dates")
    duties_due_recompute(duty_table=s)
    staged = ", ".join(f"{field}" for field in _CONTENT)
    if known:
        # Changed: what the file says differs from the stored duty, field by field, two empty
        # values counting as equal; only those rows are rewritten (as in the crimes import).
        # (The due date is derived, not the file's: a change of deadline is `duties_due_recompute`'s.)
        sql.analyse(stage)
        differs = sql.differs([(f"{s}.{field}", f"x.{d[field]}") for field in _CONTENT])
        sql.run(
            f"UPDATE {s} SET status = 'changed' FROM {duty} x"
            f" WHERE {s}.status = 'unchanged' AND x.{d['id']} = {s}.duty_id AND ({differs})"
        )
    written = (*_CONTENT, "due_on", "source", "extracted_on")
    insert = ", ".join(d[field] for field in ("police_force_area", *key_fields, *written))
    step(DUTIES_STEPS["write"], "Writing duties")
    # New duties by plain INSERT and changed ones by UPDATE, not INSERT ... ON CONFLICT: which is
    # which was settled above, under the import's lock, so no new duty can conflict.
    sql.run(
        f"INSERT INTO {duty} ({insert})"
        f" SELECT %s, crime_id, victim_ref, entitlement_id, triggered_on, {staged}, due_on, %s, %s"
        f" FROM {s} WHERE status = 'new'",
        [area.pk, DataSource.FORCE_RECORDS.value, extracted_on],
    )
    if known:
        updates = ", ".join(f"{d[field]} = {s}.{field}" for field in (*_CONTENT, "due_on"))
        sql.run(
            f"UPDATE {duty} SET {updates}, {d['source']} = %s, {d['extracted_on']} = %s FROM {s}"
            f" WHERE {s}.status = 'changed' AND {duty}.{d['id']} = {s}.duty_id",
            [DataSource.FORCE_RECORDS.value, extracted_on],
        )
    return sql.status_counts(stage)
