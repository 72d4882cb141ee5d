"""VAWG, RASSO and adult-rape classification of crimes, from the current rule set (research §4.3).

The rules are data (`ClassificationRule`, grouped in versioned `ClassificationRuleSet`s). A rule
matches a crime when every condition it gives holds: the offence code equals the crime's; the
offence group equals the group of the crime's `OffenceCode`; the crime flag names a boolean field
of `Crime` that is true. A crime is VAWG when any VAWG rule matches, and gets one `CrimeVawgBasis`
row per distinct basis of the rules that matched, so a crime that is both domestic abuse flagged
and a sexual offence is counted once and reported under both.

Classification is set-based SQL (a handful of statements whatever the number of crimes) that
runs the same on SQLite and PostgreSQL. Changing the rules means publishing a new version, which
recomputes every crime in the same transaction; correcting a field of an offence code that the
rules read (its group) recomputes that code's crimes in the same transaction
(`waymark.crime.services.offence_code_correct`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Field, Max, Model

from waymark.core.permissions import ensure_can
from waymark.core.staging import staging_table

from .models import (
    ClassificationRule,
    ClassificationRuleSet,
    Crime,
    CrimeFlag,
    CrimeVawgBasis,
    OffenceCode,
    VawgBasis,
)


@dataclass(frozen=True)
class RuleSpec:
    """One rule of a rule set about to be published: the `ClassificationRule` fields but its set."""

    target: str
    basis: str = ""
    offence_code: str = ""
    offence_group: str = ""
    crime_flag: str = ""
    source: str = ""

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> RuleSpec:
        """A spec from a JSON row (the fixture format); unknown keys are refused."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(row) - known)
        if unknown:
            raise ValidationError(f"Unknown rule field(s): {', '.join(unknown)}.")
        if "target" not in row:
            raise ValidationError("A rule needs a target.")
        return cls(**{key: str(value or "").strip() for key, value in row.items()})


def rule_set_current() -> ClassificationRuleSet:
    """The rule set crimes are classified by now (there is exactly one once migrations have run)."""
    try:
        return ClassificationRuleSet.objects.get(is_current=True)
    except ClassificationRuleSet.DoesNotExist:
        raise ClassificationRuleSet.DoesNotExist(
            "No current classification rule set: publish one with `waymark classification publish FILE`."
        ) from None


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _raw_column(model: type[Model], field_name: str) -> str:
    field = model._meta.get_field(field_name)
    assert isinstance(field, Field)
    return str(field.column)


def _column(model: type[Model], field_name: str) -> str:
    """The quoted column of a model field: SQL names always come from the models, never from data."""
    return connection.ops.quote_name(_raw_column(model, field_name))


# The rule conditions compared with a field of the crime's `OffenceCode` row, as (rule field,
# offence code field). The rules read nothing else of the row but its key, so correcting one of
# these fields (not the title or subgroup) changes how that code's crimes are classified.
OFFENCE_CODE_CONDITIONS: tuple[tuple[str, str], ...] = (("offence_group", "group"),)
OFFENCE_CODE_FIELDS_RULES_READ: tuple[str, ...] = tuple(field for _, field in OFFENCE_CODE_CONDITIONS)


def _matching_rules_sql(crime: str, offence: str) -> tuple[str, list[Any]]:
    """SQL conditions for "rule `r` matches the crime `crime` (a table or alias) whose offence code
    row is `offence`".

    Each crime flag is one `OR` branch: the rule's `crime_flag` is compared as a value, and the
    column tested is the `Crime` field of that name.
    """
    flag_branches: list[str] = []
    params: list[Any] = []
    for flag in CrimeFlag:
        flag_branches.append(f"(r.crime_flag = %s AND {crime}.{_column(Crime, flag.value)} = %s)")
        params += [flag.value, True]
    conditions = [f"(r.offence_code = '' OR r.offence_code = {crime}.{_column(Crime, 'offence_code')})"]
    for rule_field, code_field in OFFENCE_CODE_CONDITIONS:
        condition = f"r.{_column(ClassificationRule, rule_field)}"
        conditions.append(f"({condition} = '' OR {condition} = {offence}.{_column(OffenceCode, code_field)})")
    conditions.append(f"(r.crime_flag = '' OR {' OR '.join(flag_branches)})")
    return " AND ".join(conditions), params


@dataclass(frozen=True)
class ClassifiedKeys:
    """What the current rule set makes of each (offence code, flags) combination of some crimes,
    in two temporary tables whose key columns are named as the crime's (`columns`, quoted, in
    `KEY_FIELDS` order): `key` has `is_vawg`, `is_rasso`, `is_adult_rape` and `crimes` (how many
    rows had the combination); `key_basis` one row per VAWG basis of a combination."""

    key: str
    key_basis: str
    columns: tuple[str, ...]
    version: int

    def same_key(self, alias: str, expressions: Sequence[str]) -> str:
        """SQL: the row `alias` of either table has the combination `expressions` give."""
        return " AND ".join(
            f"{alias}.{column} = {expression}"
            for column, expression in zip(self.columns, expressions, strict=True)
        )


# What a crime's classification depends on, as `Crime` fields: its offence code (which gives its
# offence group) and its flags. Crimes are classified per distinct combination of these.
KEY_FIELDS: tuple[str, ...] = ("offence_code", *CrimeFlag.values)
_TARGETS = (
    ("is_vawg", ClassificationRule.Target.VAWG),
    ("is_rasso", ClassificationRule.Target.RASSO),
    ("is_adult_rape", ClassificationRule.Target.ADULT_RAPE),
)


@contextmanager
def classified_keys(
    source: str, expressions: Sequence[str], params: Sequence[Any] = ()
) -> Iterator[ClassifiedKeys]:
    """The combinations of the rows `source` gives (a FROM clause, with any WHERE; `expressions`
    are the SQL of the `KEY_FIELDS` in those rows), matched against the current rule set.

    The rules are matched once per distinct combination, a few hundred at most, so that crimes
    can then be classified by equality joins, which both databases run as hash or index joins
    over millions of rows. The tables are dropped at the end of the block.
    """
    rule_set = rule_set_current()
    offences, rules = _table(OffenceCode), _table(ClassificationRule)
    key_columns = tuple(_column(Crime, name) for name in KEY_FIELDS)
    key_types = [
        (_raw_column(Crime, name), "text" if name == "offence_code" else "bool") for name in KEY_FIELDS
    ]
    key_list = ", ".join(key_columns)
    k_key_list = ", ".join(f"k.{column}" for column in key_columns)
    given = ", ".join(expressions)
    with (
        staging_table(
            "classify_key", [*key_types, *((name, "bool") for name, _ in _TARGETS), ("crimes", "int")]
        ) as key,
        staging_table("classify_key_basis", [*key_types, ("basis", "text")]) as key_basis,
        connection.cursor() as cursor,
    ):
        cursor.execute(
            f"INSERT INTO {key.name} ({key_list}, crimes) SELECT {given}, COUNT(*)"  # noqa: S608
            f" FROM {source} GROUP BY {given}",
            list(params),
        )
        match_sql, match_params = _matching_rules_sql(key.name, "o")
        for name, target in _TARGETS:
            cursor.execute(
                f"UPDATE {key.name} SET {name} = EXISTS (SELECT 1 FROM {rules} r"  # noqa: S608
                f" JOIN {offences} o ON o.{_column(OffenceCode, 'code')} = {key.name}.{key_columns[0]}"
                f" WHERE r.rule_set_id = %s AND r.target = %s AND {match_sql})",
                [rule_set.pk, target.value, *match_params],
            )
        match_sql, match_params = _matching_rules_sql("k", "o")
        cursor.execute(
            f"INSERT INTO {key_basis.name} ({key_list}, basis)"  # noqa: S608 (names from the models)
            f" SELECT DISTINCT {k_key_list}, r.basis FROM {key.name} k"
            f" JOIN {offences} o ON o.{_column(OffenceCode, 'code')} = k.{key_columns[0]}"
            f" JOIN {rules} r ON r.rule_set_id = %s AND r.target = %s AND {match_sql}",
            [rule_set.pk, ClassificationRule.Target.VAWG.value, *match_params],
        )
        if connection.vendor == "postgresql":
            # Temporary tables have no statistics: without them PostgreSQL sorts millions of
            # crimes to merge-join a few dozen keys instead of hashing the keys.
            cursor.execute(f"ANALYZE {key.name}, {key_basis.name}")
        yield ClassifiedKeys(key.name, key_basis.name, key_columns, rule_set.version)


@transaction.atomic
def classify_crimes(*, police_force_area_id: int | None = None, offence_code: str | None = None) -> int:
    """Recompute `is_vawg`, `is_rasso`, `is_adult_rape`, `classified_by` and the VAWG bases of
    every crime (of one police force area, of one offence code, of both, or all) from the current
    rule set.

    The rules are matched once per distinct (offence code, flags) combination among the crimes
    (`classified_keys`); the crimes are then updated from those by equality joins. Only crimes
    and basis rows whose classification changed are written, so running it again changes
    nothing. Returns the number of crimes classified (all those in scope).

    An import classifies the crimes it writes as it writes them (`waymark.crime.force_extract`);
    this is for a new rule set (`rule_set_publish`), a corrected offence code
    (`waymark.crime.services.offence_code_correct`) and `waymark classification recompute`.
    """
    crimes, bases = _table(Crime), _table(CrimeVawgBasis)
    crime_id = f"{crimes}.{_column(Crime, 'id')}"
    classified_by = _column(Crime, "classified_by")
    basis_crime, basis = _column(CrimeVawgBasis, "crime"), _column(CrimeVawgBasis, "basis")
    in_scope = ""
    scope_params: list[Any] = []
    if police_force_area_id is not None:
        in_scope += f" AND {crimes}.{_column(Crime, 'police_force_area')} = %s"
        scope_params.append(police_force_area_id)
    if offence_code is not None:
        in_scope += f" AND {crimes}.{_column(Crime, 'offence_code')} = %s"
        scope_params.append(offence_code)
    crime_key = [f"{crimes}.{_column(Crime, name)}" for name in KEY_FIELDS]

    with (
        classified_keys(f"{crimes} WHERE 1 = 1{in_scope}", crime_key, scope_params) as keys,
        connection.cursor() as cursor,
    ):
        crime_has_key = keys.same_key("k", crime_key)
        # The crimes whose classification changed.
        changed = " OR ".join(f"{crimes}.{name} <> k.{name}" for name, _ in _TARGETS)
        cursor.execute(
            f"UPDATE {crimes} SET {', '.join(f'{name} = k.{name}' for name, _ in _TARGETS)},"  # noqa: S608
            f" {classified_by} = %s FROM {keys.key} k WHERE {crime_has_key}{in_scope}"
            f" AND ({changed} OR {crimes}.{classified_by} IS NULL OR {crimes}.{classified_by} <> %s)",
            [keys.version, *scope_params, keys.version],
        )

        # Their VAWG bases: remove those no rule gives any more, add the new ones.
        basis_id = _column(CrimeVawgBasis, "id")
        cursor.execute(
            f"DELETE FROM {bases} WHERE {basis_id} IN"  # noqa: S608 (names from the models)
            f" (SELECT b.{basis_id} FROM {bases} b JOIN {crimes} ON {crime_id} = b.{basis_crime}"
            f" LEFT JOIN {keys.key_basis} k ON {crime_has_key} AND k.basis = b.{basis}"
            f" WHERE k.basis IS NULL{in_scope})",
            scope_params,
        )
        cursor.execute(
            f"INSERT INTO {bases} ({basis_crime}, {basis})"  # noqa: S608 (names from the models)
            f" SELECT {crime_id}, k.basis FROM {crimes} JOIN {keys.key_basis} k ON {crime_has_key}"
            f" WHERE NOT EXISTS (SELECT 1 FROM {bases} b WHERE b.{basis_crime} = {crime_id}"
            f" AND b.{basis} = k.basis){in_scope}",
            scope_params,
        )
        cursor.execute(f"SELECT COALESCE(SUM(crimes), 0) FROM {keys.key}")  # noqa: S608
        (classified,) = cursor.fetchone()
    return int(classified)


def _rule_errors(number: int, rule: RuleSpec, codes: set[str], groups: set[str]) -> list[str]:
    """Every problem with one rule, each message naming the rule by its position (from 1)."""
    errors: list[str] = []
    where = f"Rule {number}"
    if rule.target not in ClassificationRule.Target.values:
        errors.append(
            f"{where}: target {rule.target!r} is not one of {', '.join(ClassificationRule.Target.values)}."
        )
    if rule.target == ClassificationRule.Target.VAWG:
        if rule.basis not in VawgBasis.values:
            errors.append(f"{where}: a VAWG rule needs a basis, one of {', '.join(VawgBasis.values)}.")
    elif rule.basis:
        errors.append(f"{where}: only VAWG rules have a basis.")
    if not (rule.offence_code or rule.offence_group or rule.crime_flag):
        errors.append(f"{where}: give an offence code, an offence group or a crime flag.")
    if rule.offence_code and rule.offence_code not in codes:
        errors.append(
            f"{where}: offence code {rule.offence_code!r} is not in the offence code table (add it first)."
        )
    if rule.offence_group and rule.offence_group not in groups:
        errors.append(f"{where}: no offence code has the group {rule.offence_group!r}.")
    if rule.crime_flag and rule.crime_flag not in CrimeFlag.values:
        errors.append(f"{where}: crime flag {rule.crime_flag!r} is not one of {', '.join(CrimeFlag.values)}.")
    return errors


@transaction.atomic
def rule_set_publish(*, name: str, notes: str, rules: Sequence[RuleSpec], by: Any) -> ClassificationRuleSet:
    """Publish a new version of the classification rules and reclassify every crime by it.

    The new set is version max + 1 and becomes the only current set; the old sets stay, read
    only, so each crime's `classified_by` can be traced. Invalid rules are refused with every
    problem listed, and nothing changes.
    """
    ensure_can(by, "crime.manage_classification", None)
    codes = set(OffenceCode.objects.values_list("code", flat=True))
    groups = set(OffenceCode.objects.values_list("group", flat=True))
    errors: list[str] = []
    if not name.strip():
        errors.append("Give the rule set a name.")
    if not rules:
        errors.append("A rule set needs at least one rule.")
    seen: dict[RuleSpec, int] = {}
    for number, rule in enumerate(rules, start=1):
        errors += _rule_errors(number, rule, codes, groups)
        conditions = replace(rule, source="")
        if conditions in seen:
            errors.append(f"Rule {number} repeats rule {seen[conditions]}.")
        seen.setdefault(conditions, number)
    if errors:
        raise ValidationError(errors)

    # Lock the current set so two publications one after the other get versions n+1 and n+2.
    list(ClassificationRuleSet.objects.select_for_update().filter(is_current=True))
    version = (ClassificationRuleSet.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    ClassificationRuleSet.objects.filter(is_current=True).update(is_current=False)
    rule_set = ClassificationRuleSet.objects.create(
        version=version, name=name.strip(), notes=notes.strip(), is_current=True, created_by=by
    )
    ClassificationRule.objects.bulk_create(
        ClassificationRule(
            rule_set=rule_set,
            target=rule.target,
            basis=rule.basis,
            offence_code=rule.offence_code,
            offence_group=rule.offence_group,
            crime_flag=rule.crime_flag,
            source=rule.source,
        )
        for rule in rules
    )
    classify_crimes()
    return rule_set


def rule_set_as_dict(rule_set: ClassificationRuleSet) -> dict[str, Any]:
    """A rule set in the fixture format that `waymark classification publish` reads."""
    return {
        "version": rule_set.version,
        "name": rule_set.name,
        "notes": rule_set.notes,
        "rows": [
            {
                "target": rule.target,
                "basis": rule.basis,
                "offence_code": rule.offence_code,
                "offence_group": rule.offence_group,
                "crime_flag": rule.crime_flag,
                "source": rule.source,
            }
            for rule in rule_set.rules.order_by("pk")
        ],
    }
