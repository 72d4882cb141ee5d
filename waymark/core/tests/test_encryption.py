"""Key rotation for encrypted fields: values move to the new key, unreadable ones are left alone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from typing import Any, cast

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Model
from django.test import override_settings
from encrypted_fields.fields import EncryptedJSONField

from waymark.accounts.models import User
from waymark.core.encryption import (
    ReencryptResult,
    _Rotator,
    _Table,
    clear_key_caches,
    encrypted_fields_by_model,
    reencrypt_all,
    reencrypt_model,
)
from waymark.core.testing.factories import UserFactory
from waymark.core.testing.progress import ProgressCalls

PHONE = "07700 900123"
SALT_A = "salt-a-original"
SALT_B = "salt-b-new"
SECRET_1 = "secret-one-" + "x" * 40
SECRET_2 = "secret-two-" + "y" * 40

HistoricalUser: Any = User.history.model
PHONE_FIELD: Any = User._meta.get_field("phone")


def make_user(**fields: Any) -> User:
    """A saved user (with its history rows), typed as one."""
    return cast(User, UserFactory(**fields))


@contextmanager
def keys(*salts: str, secret: str | None = None, fallbacks: list[str] | None = None) -> Iterator[None]:
    """Run the block with these encryption settings, as a freshly started process would see them.

    The fields cache the keys they derive, so the caches are cleared on the way in and out.
    """
    overrides: dict[str, Any] = {"SALT_KEY": list(salts)}
    if secret is not None:
        overrides["SECRET_KEY"] = secret
        overrides["SECRET_KEY_FALLBACKS"] = fallbacks or []
    clear_key_caches()
    try:
        with override_settings(**overrides):
            yield
    finally:
        clear_key_caches()


def raw_phone(model: type[Model], pk: Any) -> str | None:
    """The phone column exactly as stored, without the field's decryption."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote('phone')} FROM {quote(model._meta.db_table)} "  # noqa: S608
            f"WHERE {quote(str(model._meta.pk.column))} = %s",
            [pk],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def history_pk(user: User) -> Any:
    """The newest history row of `user` (the factory saves twice, so there are several)."""
    return HistoricalUser.objects.filter(id=user.pk).values_list("pk", flat=True).latest("pk")


def result_for(results: list[Any], model: type[Model]) -> Any:
    return next(r for r in results if r.model_label == model._meta.label)


def phone_as_read(user: User) -> str:
    return User.objects.get(pk=user.pk).phone


def test_every_encrypted_table_is_found_including_history() -> None:
    found = {
        model._meta.label: [f.name for f in fields] for model, fields in encrypted_fields_by_model().items()
    }
    assert found["accounts.User"] == ["phone"]
    assert found[HistoricalUser._meta.label] == ["phone"]


@pytest.mark.django_db
def test_prepending_a_salt_then_reencrypting_lets_the_old_salt_go() -> None:
    with keys(SALT_A):
        user = make_user(phone=PHONE)
        stored_under_a = raw_phone(User, user.pk)
        history_under_a = raw_phone(HistoricalUser, history_pk(user))
    assert stored_under_a
    assert PHONE not in stored_under_a

    with keys(SALT_B, SALT_A):
        # Before re-encryption, the old ciphertext is still readable through the fallback salt.
        assert phone_as_read(user) == PHONE
        results = reencrypt_all()
        assert result_for(results, User).rows_rotated == 1
        history_rows = HistoricalUser.objects.filter(id=user.pk).count()
        assert result_for(results, HistoricalUser).rows_rotated == history_rows
        assert all(r.ok for r in results)

    stored_under_b = raw_phone(User, user.pk)
    assert stored_under_b != stored_under_a
    assert stored_under_b
    assert PHONE not in stored_under_b
    history_under_b = raw_phone(HistoricalUser, history_pk(user))
    assert history_under_b != history_under_a
    assert history_under_b
    assert PHONE not in history_under_b

    with keys(SALT_B):
        # Salt A is gone: only a value re-encrypted under B can still be read.
        assert phone_as_read(user) == PHONE
        assert HistoricalUser.objects.get(pk=history_pk(user)).phone == PHONE


@pytest.mark.django_db
def test_reencrypting_adds_no_history_rows() -> None:
    with keys(SALT_A):
        user = make_user(phone=PHONE)
    history_before = HistoricalUser.objects.count()
    with keys(SALT_B, SALT_A):
        reencrypt_all()
    assert HistoricalUser.objects.count() == history_before
    assert raw_phone(User, user.pk) is not None


@pytest.mark.django_db
def test_a_second_run_leaves_current_values_alone() -> None:
    with keys(SALT_A):
        user = make_user(phone=PHONE)
    with keys(SALT_B, SALT_A):
        reencrypt_all()
        after_first = raw_phone(User, user.pk)
        results = reencrypt_all()
    assert raw_phone(User, user.pk) == after_first
    assert result_for(results, User).rows_rotated == 0
    assert result_for(results, User).rows_current == 1


@pytest.mark.django_db
def test_a_value_no_key_can_open_is_reported_and_left_unchanged() -> None:
    with keys(SALT_A):
        readable = make_user(phone=PHONE)
    with keys("a-salt-nobody-kept"):
        lost = make_user(phone="07700 900999")
    lost_before = raw_phone(User, lost.pk)

    with keys(SALT_B, SALT_A):
        # The field itself hides the problem: it hands back the ciphertext as if it were the value.
        assert phone_as_read(lost) == lost_before
        results = reencrypt_all()

    users = result_for(results, User)
    assert users.rows_undecryptable == 1
    assert users.undecryptable_ids == [lost.pk]
    assert users.rows_rotated == 1
    assert not users.ok
    assert raw_phone(User, lost.pk) == lost_before
    with keys(SALT_B):
        assert phone_as_read(readable) == PHONE


@pytest.mark.django_db
def test_the_command_lists_unreadable_rows_and_fails() -> None:
    with keys("a-salt-nobody-kept"):
        lost = make_user(phone=PHONE)
    out = StringIO()
    with keys(SALT_B, SALT_A), pytest.raises(CommandError, match="no configured key can decrypt"):
        call_command("reencrypt_fields", stdout=out)
    output = out.getvalue()
    assert "accounts.User (phone): 0 rows re-encrypted" in output
    assert "1 could not be decrypted" in output
    assert f": {lost.pk}" in output
    # Ids only: neither the value nor its ciphertext is printed.
    assert PHONE not in output
    assert str(raw_phone(User, lost.pk)) not in output


@pytest.mark.django_db
def test_the_command_succeeds_when_everything_is_readable() -> None:
    with keys(SALT_A):
        make_user(phone=PHONE)
    out = StringIO()
    with keys(SALT_B, SALT_A):
        call_command("reencrypt_fields", stdout=out)
    assert "accounts.User (phone): 1 rows re-encrypted" in out.getvalue()
    assert "Every encrypted value is now under the current key." in out.getvalue()


@pytest.mark.django_db
def test_rotating_secret_key_through_its_fallbacks() -> None:
    with keys(SALT_A, secret=SECRET_1):
        user = make_user(phone=PHONE)
        before = raw_phone(User, user.pk)
    with keys(SALT_A, secret=SECRET_2, fallbacks=[SECRET_1]):
        assert phone_as_read(user) == PHONE
        results = reencrypt_all()
        assert result_for(results, User).rows_rotated == 1
    assert raw_phone(User, user.pk) != before
    with keys(SALT_A, secret=SECRET_2):
        assert phone_as_read(user) == PHONE
    with keys(SALT_A, secret=SECRET_1):
        # And the old secret alone can no longer open it: the field passes ciphertext through.
        assert phone_as_read(user) != PHONE


@pytest.mark.django_db
def test_the_raw_column_never_holds_the_plaintext() -> None:
    with keys(SALT_A):
        users = [make_user(phone=f"07700 90{n:04d}") for n in range(3)]
    with keys(SALT_B, SALT_A):
        reencrypt_all(batch_size=2)
    for user in users:
        history = HistoricalUser.objects.filter(id=user.pk).values_list("pk", flat=True)
        for model, pk in [(User, user.pk), *((HistoricalUser, h) for h in history)]:
            stored = raw_phone(model, pk)
            assert stored
            assert user.phone not in stored
            # A Fernet token (version byte 0x80, base64): ciphertext, not the number.
            assert stored.startswith("gAAAAA")


@pytest.mark.django_db
def test_batches_cover_every_row_and_report_progress() -> None:
    with keys(SALT_A):
        users = [make_user(phone=f"07700 91{n:04d}") for n in range(5)]
        make_user(phone="")  # no value: not counted, not touched
    progress = ProgressCalls()
    calls = progress.calls
    with keys(SALT_B, SALT_A):
        result = reencrypt_model(User, [PHONE_FIELD], batch_size=2, progress=progress)
    assert result.rows_scanned == 5
    assert result.rows_rotated == 5
    assert [(done, total) for done, total, _ in calls] == [(2, 5), (4, 5), (5, 5)]
    with keys(SALT_B):
        assert sorted(phone_as_read(u) for u in users) == sorted(u.phone for u in users)


@pytest.mark.django_db
def test_progress_over_all_tables_counts_up_to_the_total() -> None:
    with keys(SALT_A):
        for n in range(3):
            make_user(phone=f"07700 92{n:04d}")
    progress = ProgressCalls()
    calls = progress.calls
    with keys(SALT_B, SALT_A):
        reencrypt_all(batch_size=2, progress=progress)
    from allauth.mfa.models import Authenticator

    rows = (
        User.objects.exclude(phone=None).count()
        + HistoricalUser.objects.exclude(phone=None).count()
        + Authenticator.objects.count()  # each user's authenticator-app secret
    )
    assert calls[-1][:2] == (rows, rows)
    assert [done for done, _, _ in calls] == sorted(done for done, _, _ in calls)


@pytest.mark.django_db
def test_a_row_changed_while_running_is_not_overwritten() -> None:
    with keys(SALT_A):
        user = make_user(phone=PHONE)
    with keys(SALT_B, SALT_A):
        table = _Table(User, [PHONE_FIELD])
        [(pk, old_value)] = table.read_batch(after=None, size=10)
        # Meanwhile, the application saves a new number (under the current key).
        User.objects.filter(pk=user.pk).update(phone="07700 900555")
        result = ReencryptResult(model_label="accounts.User", table="accounts_user", columns=["phone"])
        table.reencrypt_row(result, pk=pk, values=[old_value])
        assert result.rows_changed_meanwhile == 1
        assert result.rows_rotated == 0
        assert phone_as_read(user) == "07700 900555"


def test_a_json_field_has_each_value_in_it_rotated() -> None:
    """EncryptedJSONField encrypts each leaf; rotation keeps the shape and moves every leaf."""
    json_field = EncryptedJSONField()
    document = {"numbers": ["07700 900123", "07700 900124"], "note": "call after 6pm"}
    with keys(SALT_A):
        stored = json_field.get_prep_value(document)
    with keys(SALT_B, SALT_A):
        clear_key_caches([json_field])
        rotated = _Rotator(json_field).rotate(stored)
    assert rotated is not None
    assert "07700" not in rotated
    assert json.loads(rotated).keys() == document.keys()
    with keys(SALT_B):
        clear_key_caches([json_field])
        assert json_field.to_python(rotated) == document


@pytest.mark.django_db
def test_authenticator_secrets_are_encrypted_and_rotated_with_the_rest() -> None:
    """allauth would store TOTP secrets as given; ours are ciphertext, and rotate with the salts."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    from waymark.core.testing.factories import TEST_TOTP_SECRET, totp_code

    with keys(SALT_A):
        user = make_user()
        stored_under_a = Authenticator.objects.get(user=user, type="totp").data["secret"]
    assert TEST_TOTP_SECRET not in stored_under_a

    with keys(SALT_B, SALT_A):
        results = reencrypt_all()
        mfa = next(r for r in results if r.model_label == "mfa.Authenticator")
        assert mfa.rows_rotated == 1
        assert mfa.ok

    with keys(SALT_B):
        authenticator = Authenticator.objects.get(user=user, type="totp")
        assert authenticator.data["secret"] != stored_under_a
        assert TOTP(authenticator).validate_code(totp_code())


@pytest.mark.django_db
def test_an_authenticator_secret_under_an_unknown_key_is_refused_not_used() -> None:
    from allauth.mfa.models import Authenticator
    from cryptography.fernet import InvalidToken

    from waymark.accounts.adapters import MFAAdapter

    with keys("some-other-salt"):
        user = make_user()
    with keys(SALT_A):
        token = Authenticator.objects.get(user=user, type="totp").data["secret"]
        with pytest.raises(InvalidToken):
            MFAAdapter().decrypt(token)
        result = next(r for r in reencrypt_all() if r.model_label == "mfa.Authenticator")
        assert result.rows_undecryptable == 1
