"""Key rotation for encrypted fields: find them, and re-encrypt what is stored under the current key.

Encrypted fields (django-fernet-encrypted-fields) derive one key per pair of SECRET_KEY (and each
of SECRET_KEY_FALLBACKS) and SALT_KEY entry. The first key encrypts; every key decrypts. Rotating
is therefore: prepend a new salt (or move SECRET_KEY into the fallbacks), deploy, then run
`reencrypt_all` so that nothing stored still needs the old key, and only then drop the old one.
See docs/how-to/rotate-encryption-keys.md.

Values are read and written with raw SQL on purpose. Through the ORM, the field's `to_python`
hands back the raw ciphertext when no key can decrypt it, and saving that would encrypt the
ciphertext again and lose the value for good; `save()` would also add a history row per person.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.db import connections, router, transaction
from django.db.models import Field, Model
from django.utils.text import capfirst
from encrypted_fields.fields import EncryptedFieldMixin, EncryptedJSONField

from .imports import ProgressCallback

# How many row ids of undecryptable values to keep per model: enough to find and fix them,
# not so many that a wholesale wrong key fills the task result with a million ids.
MAX_REPORTED_IDS = 1000


@dataclass
class ReencryptResult:
    """What re-encrypting one model's table did.

    A row is counted once in `rows_scanned` and in at most one of `rotated`, `current` and
    `changed_meanwhile`; a row with one unreadable value and one readable one is also listed in
    `undecryptable_ids` (the readable value is still rotated).
    """

    model_label: str
    table: str
    columns: list[str]
    rows_scanned: int = 0
    rows_rotated: int = 0
    rows_current: int = 0
    rows_changed_meanwhile: int = 0
    rows_undecryptable: int = 0
    undecryptable_ids: list[Any] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every stored value could be read with a known key."""
        return self.rows_undecryptable == 0

    def as_dict(self) -> dict[str, Any]:
        """A JSON-safe summary (for a task's return value or a log line)."""
        return {
            "model": self.model_label,
            "table": self.table,
            "columns": self.columns,
            "rows_scanned": self.rows_scanned,
            "rows_rotated": self.rows_rotated,
            "rows_current": self.rows_current,
            "rows_changed_meanwhile": self.rows_changed_meanwhile,
            "rows_undecryptable": self.rows_undecryptable,
            "undecryptable_ids": [str(pk) for pk in self.undecryptable_ids],
        }


class _UndecryptableError(Exception):
    """No known key opens this value."""


def encrypted_fields_by_model() -> dict[type[Model], list[Field[Any, Any]]]:
    """Every table that stores encrypted values, with the encrypted fields whose columns it holds.

    Includes simple-history's Historical* models, which copy the encrypted fields and so hold
    ciphertext too. A field is listed under the model whose table holds its column (the parent,
    under multi-table inheritance); proxies, swapped-out and unmanaged models are left out
    because they have no table of their own for us to change.
    """
    found: dict[type[Model], list[Field[Any, Any]]] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or meta.swapped or not meta.managed:
            continue
        fields = [f for f in meta.local_concrete_fields if isinstance(f, EncryptedFieldMixin)]
        if fields:
            found[model] = fields
    return found


def clear_key_caches(fields: Iterable[Field[Any, Any]] | None = None) -> None:
    """Forget the keys each encrypted field derived and cached, so a settings change is seen.

    The field caches its keys on first use for the life of the process; a long-lived worker
    or a test that overrides SALT_KEY would otherwise keep using the old ones.
    """
    if fields is None:
        from waymark.accounts.adapters import MFA_SECRET_CIPHER

        fields = [f for model_fields in encrypted_fields_by_model().values() for f in model_fields]
        fields.append(MFA_SECRET_CIPHER)
    for f in fields:
        f.__dict__.pop("keys", None)
        f.__dict__.pop("f", None)


class _Rotator:
    """Re-encrypts one field's stored values under the field's primary key."""

    def __init__(self, encrypted_field: Field[Any, Any]) -> None:
        keys: list[bytes] = encrypted_field.keys  # type: ignore[attr-defined]
        # The field's own `f` is a plain Fernet when there is a single key, which cannot
        # rotate; build the MultiFernet ourselves so both cases take the same path.
        self.primary = Fernet(keys[0])
        self.all_keys = MultiFernet([Fernet(k) for k in keys])
        self.is_json = isinstance(encrypted_field, EncryptedJSONField)

    def rotate(self, raw: Any) -> Any | None:
        """The value re-encrypted under the primary key, or None if it already is.

        Raises _UndecryptableError if no known key opens it (or, for JSON, any part of it).
        """
        if self.is_json:
            return self._rotate_json(raw)
        if not isinstance(raw, str):
            raise _UndecryptableError
        return self._rotate_token(raw)

    def _rotate_token(self, token: str) -> str | None:
        data = token.encode("utf-8")
        try:
            self.primary.decrypt(data)
        except InvalidToken:
            pass
        else:
            # Already under the current key: rewriting it would only churn the table.
            return None
        try:
            return self.all_keys.rotate(data).decode("utf-8")
        except InvalidToken as exc:
            raise _UndecryptableError from exc

    def _rotate_json(self, raw: Any) -> str | None:
        # EncryptedJSONField keeps the JSON shape and encrypts each leaf separately.
        try:
            document = json.loads(raw) if isinstance(raw, str | bytes) else raw
        except ValueError as exc:
            raise _UndecryptableError from exc
        changed = False

        def walk(node: Any) -> Any:
            nonlocal changed
            if isinstance(node, dict):
                return {key: walk(value) for key, value in node.items()}
            if isinstance(node, list):
                return [walk(value) for value in node]
            if node is None:
                return None
            if not isinstance(node, str):
                raise _UndecryptableError
            new = self._rotate_token(node)
            if new is None:
                return node
            changed = True
            return new

        rotated = walk(document)
        return json.dumps(rotated) if changed else None


def reencrypt_model(
    model: type[Model],
    fields: list[Field[Any, Any]],
    *,
    batch_size: int = 500,
    progress: ProgressCallback | None = None,
) -> ReencryptResult:
    """Re-encrypt every stored value of `fields` in `model`'s table under the current primary key.

    Walks the table in primary-key order, `batch_size` rows at a time, each batch in its own
    transaction, so a stop part-way keeps what was done and a re-run only touches what is left
    (values already under the primary key are skipped). A value no known key can decrypt is
    counted, its row id kept, and left exactly as it was.

    Each row is written back only if its values are still the ones read, so a change the
    application made in the meantime is never overwritten with older data.
    """
    clear_key_caches(fields)
    table = _Table(model, fields)
    result = ReencryptResult(model_label=model._meta.label, table=model._meta.db_table, columns=table.columns)
    total = table.count_rows_with_values()
    label = capfirst(str(model._meta.verbose_name_plural))
    last_pk: Any = None
    while True:
        with transaction.atomic(using=table.alias):
            rows = table.read_batch(after=last_pk, size=batch_size)
            for pk, *values in rows:
                table.reencrypt_row(result, pk=pk, values=values)
        if not rows:
            break
        last_pk = rows[-1][0]
        result.rows_scanned += len(rows)
        if progress is not None:
            progress(
                done=result.rows_scanned,
                total=max(total, result.rows_scanned),
                message=f"{label}: {result.rows_scanned:,} of {total:,} rows checked",
            )
        if len(rows) < batch_size:
            break
    return result


def _column_of(model_field: Field[Any, Any] | None) -> str:
    """The column a concrete field is stored in (always set for the fields we are given)."""
    if model_field is None or model_field.column is None:
        raise ValueError(f"{model_field!r} has no column")
    return model_field.column


class _Table:
    """The raw SQL for one model's table: names quoted once, every statement in one place."""

    def __init__(self, model: type[Model], fields: list[Field[Any, Any]]) -> None:
        self.alias = router.db_for_write(model)
        self.connection = connections[self.alias]
        quote = self.connection.ops.quote_name
        self.fields = fields
        self.columns = [_column_of(f) for f in fields]
        self.table_sql = quote(model._meta.db_table)
        self.pk_sql = quote(_column_of(model._meta.pk))
        self.quoted_columns = [quote(c) for c in self.columns]
        self.has_value_sql = "(" + " OR ".join(f"{c} IS NOT NULL" for c in self.quoted_columns) + ")"

    @cached_property
    def rotators(self) -> list[_Rotator]:
        """One rotator per field; built on first use because deriving the keys is slow on purpose."""
        return [_Rotator(f) for f in self.fields]

    def count_rows_with_values(self) -> int:
        """Rows holding at least one encrypted value: the progress total."""
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {self.table_sql} WHERE {self.has_value_sql}")  # noqa: S608
            (count,) = cursor.fetchone()
        return int(count)

    def read_batch(self, *, after: Any, size: int) -> list[tuple[Any, ...]]:
        """The next `size` rows with a value, after primary key `after`, as stored (no converters)."""
        # Keyset pagination: cheap at any depth, and stable while rows are added.
        after_sql, params = ("", [size]) if after is None else (f" AND {self.pk_sql} > %s", [after, size])
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {self.pk_sql}, {', '.join(self.quoted_columns)} FROM {self.table_sql} "  # noqa: S608
                f"WHERE {self.has_value_sql}{after_sql} ORDER BY {self.pk_sql} LIMIT %s",
                params,
            )
            return list(cursor.fetchall())

    def reencrypt_row(self, result: ReencryptResult, *, pk: Any, values: list[Any]) -> None:
        """Rotate one row's values and write back those that changed, if nothing else changed them."""
        updates: list[tuple[str, Any, Any]] = []
        unreadable = False
        for column, rotator, raw in zip(self.quoted_columns, self.rotators, values, strict=True):
            if raw is None or raw == "":
                continue
            try:
                new = rotator.rotate(raw)
            except _UndecryptableError:
                unreadable = True
                continue
            if new is not None:
                updates.append((column, new, raw))
        if unreadable:
            result.rows_undecryptable += 1
            if len(result.undecryptable_ids) < MAX_REPORTED_IDS:
                result.undecryptable_ids.append(pk)
        if not updates:
            if not unreadable:
                result.rows_current += 1
            return
        set_sql = ", ".join(f"{column} = %s" for column, _, _ in updates)
        unchanged_sql = " AND ".join(f"{column} = %s" for column, _, _ in updates)
        with self.connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {self.table_sql} SET {set_sql} WHERE {self.pk_sql} = %s AND {unchanged_sql}",  # noqa: S608
                [*(new for _, new, _ in updates), pk, *(old for _, _, old in updates)],
            )
            written = cursor.rowcount
        if written == 1:
            result.rows_rotated += 1
        else:
            # The application changed or deleted the row between our read and our write;
            # its value is left alone, and a re-run checks it again.
            result.rows_changed_meanwhile += 1


# Where allauth keeps each authenticator type's encrypted secret inside `Authenticator.data`.
MFA_SECRET_KEYS = {"totp": "secret", "recovery_codes": "seed"}


def reencrypt_mfa_secrets() -> ReencryptResult:
    """Re-encrypt authenticator-app secrets and recovery-code seeds under the current key.

    They live inside allauth's `Authenticator.data` JSON, encrypted by our MFA adapter, so the
    column-level walk above does not see them. Each row is locked while it is rewritten.
    """
    from allauth.mfa.models import Authenticator

    from waymark.accounts.adapters import MFA_SECRET_CIPHER

    clear_key_caches([MFA_SECRET_CIPHER])
    rotator = _Rotator(MFA_SECRET_CIPHER)
    result = ReencryptResult(
        model_label="mfa.Authenticator", table=Authenticator._meta.db_table, columns=["data"]
    )
    ids = Authenticator.objects.filter(type__in=MFA_SECRET_KEYS).order_by("pk").values_list("pk", flat=True)
    for pk in ids:
        result.rows_scanned += 1
        with transaction.atomic():
            authenticator = Authenticator.objects.select_for_update().get(pk=pk)
            key = MFA_SECRET_KEYS[authenticator.type]
            try:
                new = rotator.rotate(authenticator.data.get(key))
            except _UndecryptableError:
                result.rows_undecryptable += 1
                result.undecryptable_ids.append(pk)
                continue
            if new is None:
                result.rows_current += 1
                continue
            authenticator.data = {**authenticator.data, key: new}
            authenticator.save(update_fields=["data"])
            result.rows_rotated += 1
    return result


def reencrypt_all(
    *, batch_size: int = 500, progress: ProgressCallback | None = None
) -> list[ReencryptResult]:
    """Re-encrypt every encrypted value in every table; one result per model, in label order.

    `progress` sees one running count over all tables together.
    """
    by_model = sorted(encrypted_fields_by_model().items(), key=lambda item: item[0]._meta.label)
    from allauth.mfa.models import Authenticator

    mfa_rows = Authenticator.objects.filter(type__in=MFA_SECRET_KEYS).count()
    grand_total = mfa_rows + sum(_Table(model, fields).count_rows_with_values() for model, fields in by_model)
    results: list[ReencryptResult] = []
    offset = 0
    for model, fields in by_model:

        def model_progress(*, done: int, total: int, message: str = "", _offset: int = offset) -> None:
            if progress is not None:
                progress(done=_offset + done, total=max(grand_total, _offset + done), message=message)

        result = reencrypt_model(model, fields, batch_size=batch_size, progress=model_progress)
        results.append(result)
        offset += result.rows_scanned
    mfa_result = reencrypt_mfa_secrets()
    results.append(mfa_result)
    offset += mfa_result.rows_scanned
    if progress is not None:
        progress(done=offset, total=max(grand_total, offset), message="Finished checking every table.")
    return results
