"""What every bench script does first: Django set up on the PostgreSQL of DATABASE_URL, with the
test runner's environment, and an OPCC analyst to ask for figures."""

from __future__ import annotations

from typing import Any


def django_on_postgresql() -> None:
    """Set Django up, or exit saying why: the benches measure PostgreSQL, not SQLite."""
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    if connection.vendor != "postgresql":
        raise SystemExit("bench: set DATABASE_URL to a PostgreSQL database (postgres://...)")
    setup_test_environment()


def bench_analyst(**organisation: Any) -> Any:
    """An OPCC analyst of "Bench OPCC" (created with `organisation`'s fields the first time; a
    kept database, `--keep`, already has them from the last run). The selectors read through
    `visible_to`, so figures are asked for as a person who may see them."""
    from waymark.accounts.models import Membership, Organisation
    from waymark.accounts.roles import Role
    from waymark.core.testing.factories import OrganisationFactory, make_member

    opcc = Organisation.objects.filter(name="Bench OPCC").first() or OrganisationFactory.create(
        name="Bench OPCC", type=Organisation.Type.OPCC, **organisation
    )
    if organisation:  # a database kept from a run before the organisation's fields were given
        Organisation.objects.filter(pk=opcc.pk).update(**organisation)
    kept = Membership.objects.filter(organisation=opcc, role=Role.OPCC_ANALYST).select_related("user").first()
    return kept.user if kept else make_member(role=Role.OPCC_ANALYST, organisation=opcc)
