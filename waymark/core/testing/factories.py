"""Factories for the organisations and people every test needs."""

from __future__ import annotations

import time
from typing import Any

import factory
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value

from waymark.accounts.models import Membership, Organisation, Service, Team, User

TEST_PASSWORD = "correct horse battery staple"  # noqa: S105 - test-only credential
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 - test-only base32 secret


class OrganisationFactory(factory.django.DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    type = Organisation.Type.PROVIDER


class ServiceFactory(factory.django.DjangoModelFactory[Service]):
    class Meta:
        model = Service

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Service {n}")
    type = Service.Type.GENERAL


class TeamFactory(factory.django.DjangoModelFactory[Team]):
    class Meta:
        model = Team

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory[User]):
    """A person with a password and, unless `mfa=False`, an authenticator app enrolled."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    mfa = factory.PostGeneration(
        lambda user, create, extracted, **kwargs: _save_and_enrol(user, create, extracted)
    )


def _save_and_enrol(user: User, create: bool, extracted: Any) -> None:
    """Save the user (after the password is set) and, unless told not to, enrol an authenticator."""
    user.save()
    if create and extracted is not False:
        enrol_totp(user, TEST_TOTP_SECRET)


def totp_code(secret: str = TEST_TOTP_SECRET) -> str:
    """The code an authenticator app with `secret` shows now."""
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


def enrol_totp(user: User, secret: str) -> Authenticator:
    """Give `user` an authenticator app with a known secret (tests and the demo only)."""
    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
    return TOTP.activate(user, secret).instance


def make_member(
    *,
    role: str,
    organisation: Organisation,
    teams: list[Team] | None = None,
    **user_fields: Any,
) -> User:
    """A person holding `role` in `organisation` (and in `teams`)."""
    user = UserFactory.create(**user_fields)
    membership = Membership.objects.create(user=user, organisation=organisation, role=role)
    if teams:
        membership.teams.set(teams)
    return user
