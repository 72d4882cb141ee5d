"""The OPCC admin manages organisations, services, teams and people in the app."""

import pytest
from django.core import mail

from waymark.accounts.models import Membership, Organisation, Service, Team, User
from waymark.audit.models import AccessLog
from waymark.core.testing.matrix import permission_matrix

pytestmark = pytest.mark.django_db


def test_admin_adds_an_organisation_and_it_is_audited(client, login_as):
    admin = login_as("opcc_admin")
    response = client.post("/organisations/new/", {"name": "Victim Support West", "type": "provider"})
    organisation = Organisation.objects.get(name="Victim Support West")
    assert response.status_code == 302
    assert response["Location"] == organisation.get_absolute_url()
    entry = AccessLog.objects.get(record_id=str(organisation.public_id))
    assert entry.actor == admin
    assert entry.action == AccessLog.Action.CREATE
    assert organisation.history.count() == 1


def test_missing_name_gets_the_error_summary_and_changes_nothing(client, login_as):
    login_as("opcc_admin")
    before = Organisation.objects.count()
    response = client.post("/organisations/new/", {"name": "", "type": "provider"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in page
    assert "Enter the organisation&#39;s name" in page or "Enter the organisation's name" in page
    assert 'href="#id_name"' in page
    assert Organisation.objects.count() == before


def test_a_service_can_only_be_added_to_a_provider(client, world, login_as):
    login_as("opcc_admin")
    url = f"/organisations/{world.force.public_id}/services/new/"
    response = client.post(url, {"name": "Something", "type": "idva", "first_contact_working_days": 2})
    assert response.status_code == 400
    assert "Only a commissioned provider runs services." in response.content.decode()
    assert not Service.objects.filter(name="Something").exists()


def test_admin_adds_a_service_and_a_team(client, world, login_as):
    login_as("opcc_admin")
    client.post(
        f"/organisations/{world.provider.public_id}/services/new/",
        {"name": "ISVA service", "type": "isva", "first_contact_working_days": 2},
    )
    service = Service.objects.get(name="ISVA service")
    client.post(
        f"/organisations/{world.provider.public_id}/teams/new/", {"name": "ISVAs", "service": service.pk}
    )
    assert Team.objects.get(name="ISVAs").service == service


def test_a_team_cannot_work_for_another_organisations_service(client, world, login_as):
    login_as("opcc_admin")
    response = client.post(
        f"/organisations/{world.provider.public_id}/teams/new/",
        {"name": "Raiders", "service": world.other_service.pk},
    )
    assert response.status_code == 400
    assert not Team.objects.filter(name="Raiders").exists()


def test_admin_adds_a_person_who_gets_a_set_password_link(client, world, login_as):
    login_as("opcc_admin")
    response = client.post(
        "/people/new/",
        {
            "full_name": "New Caseworker",
            "email": "New.Caseworker@Example.org",
            "organisation": world.provider.pk,
            "role": "caseworker",
        },
    )
    person = User.objects.get(email="new.caseworker@example.org")
    assert response.status_code == 302
    assert not person.has_usable_password()
    assert Membership.objects.filter(user=person, organisation=world.provider, role="caseworker").exists()
    assert len(mail.outbox) == 1
    assert "new.caseworker@example.org" in mail.outbox[0].to


def test_a_role_must_fit_the_organisation_type(client, world, login_as):
    login_as("opcc_admin")
    response = client.post(
        "/people/new/",
        {
            "full_name": "Wrong Place",
            "email": "wrong@example.org",
            "organisation": world.provider.pk,
            "role": "opcc_admin",
        },
    )
    assert response.status_code == 400
    assert "cannot be held in a commissioned provider" in response.content.decode()
    assert not User.objects.filter(email="wrong@example.org").exists()


def test_ending_a_role_removes_access(client, world, login_as):
    login_as("opcc_admin")
    caseworker = world.person("caseworker")
    membership = caseworker.memberships.get()
    client.post(f"/roles/{membership.public_id}/end/")
    membership.refresh_from_db()
    assert membership.is_active is False
    client.logout()
    client.force_login(caseworker)
    assert client.get("/directory/").status_code == 403


def test_deactivated_person_cannot_sign_in(client, world, login_as):
    login_as("opcc_admin")
    caseworker = world.person("caseworker")
    client.post(f"/people/{caseworker.public_id}/active/", {"active": "0"})
    caseworker.refresh_from_db()
    assert caseworker.is_active is False


def test_teams_of_a_membership_are_changed_and_kept_in_history(client, world, login_as):
    login_as("opcc_admin")
    extra = Team.objects.create(organisation=world.provider, name="Second Team")
    membership = world.person("caseworker").memberships.get()
    client.post(f"/roles/{membership.public_id}/teams/", {"teams": [extra.pk]})
    assert list(membership.teams.all()) == [extra]
    assert membership.history.count() >= 2


def test_phone_number_is_encrypted_at_rest(world):
    """The column holds ciphertext; the model gives back the number."""
    from django.db import connection

    person = world.person("caseworker")
    person.phone = "0121 496 0000"
    person.save()
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM accounts_user WHERE id = %s", [person.pk])
        raw = cursor.fetchone()[0]
    assert "0121" not in raw
    assert User.objects.get(pk=person.pk).phone == "0121 496 0000"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT phone FROM accounts_historicaluser WHERE id = %s AND phone IS NOT NULL", [person.pk]
        )
        history_raw = [row[0] for row in cursor.fetchall()]
    assert history_raw, "the change should have a history row"
    assert all("0121" not in value for value in history_raw)
    assert person.history.first().phone == "0121 496 0000"


def test_admin_records_an_organisations_identifier_with_a_hint(client, world, login_as):
    """The org-id.guide identifier is asked for with an example, kept on adding and changing,
    and shown on the organisation's page."""
    login_as("opcc_admin")
    form = client.get("/organisations/new/").content.decode()
    assert 'name="org_id"' in form
    assert "GB-CHC-1234567" in form
    client.post(
        "/organisations/new/",
        {"name": "Victim Support West", "type": "provider", "org_id": " GB-CHC-1234567 "},
    )
    organisation = Organisation.objects.get(name="Victim Support West")
    assert organisation.org_id == "GB-CHC-1234567"
    response = client.post(
        f"/organisations/{organisation.public_id}/edit/",
        {"name": organisation.name, "type": "provider", "is_active": "on", "org_id": "GB-COH-01234567"},
    )
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.org_id == "GB-COH-01234567"
    assert "GB-COH-01234567" in client.get(organisation.get_absolute_url()).content.decode()
    # Blank is allowed: the identifier is optional.
    client.post(
        f"/organisations/{organisation.public_id}/edit/",
        {"name": organisation.name, "type": "provider", "is_active": "on", "org_id": ""},
    )
    organisation.refresh_from_db()
    assert organisation.org_id == ""


@pytest.mark.parametrize(
    "bad", ["1234567", "gb-chc-1234567", "GB-CHC-", "GB CHC 1234567", "GBR-CHC-1234567", "GB-CHC-123 4567"]
)
def test_an_identifier_that_is_not_a_list_prefix_and_an_id_is_refused(client, world, login_as, bad):
    """Adding or changing: a specific error against the field, and nothing saved."""
    login_as("opcc_admin")
    response = client.post(
        "/organisations/new/", {"name": "Victim Support West", "type": "provider", "org_id": bad}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Enter an org-id.guide identifier" in page
    assert 'href="#id_org_id"' in page
    assert not Organisation.objects.filter(name="Victim Support West").exists()

    world.provider.org_id = "GB-CHC-7654321"
    world.provider.save()
    response = client.post(
        f"/organisations/{world.provider.public_id}/edit/",
        {"name": "Renamed", "type": "provider", "is_active": "on", "org_id": bad},
    )
    assert response.status_code == 400
    assert "like GB-CHC-1234567 or GB-COH-01234567" in response.content.decode()
    world.provider.refresh_from_db()
    assert (world.provider.name, world.provider.org_id) != ("Renamed", bad)
    assert world.provider.org_id == "GB-CHC-7654321"


def test_the_organisation_service_refuses_a_bad_identifier(world):
    from django.core.exceptions import ValidationError

    from waymark.accounts.services import organisation_create

    admin = world.member("opcc_admin")
    with pytest.raises(ValidationError) as refused:
        organisation_create(by=admin, name="Somewhere", type="provider", org_id="charity 1234567")
    assert list(refused.value.message_dict) == ["org_id"]
    assert not Organisation.objects.filter(name="Somewhere").exists()


@permission_matrix({"opcc_admin": 302, "anonymous": 302}, default=403)
def test_only_the_opcc_admin_changes_an_organisations_identifier(client, world, login_as, role, expected):
    """A provider's own manager cannot set its identifier either; only the OPCC admin's change
    is saved (an anonymous post is sent to sign in and saves nothing)."""
    login_as(role)
    response = client.post(
        f"/organisations/{world.provider.public_id}/edit/",
        {"name": world.provider.name, "type": "provider", "is_active": "on", "org_id": "GB-CHC-1234567"},
    )
    assert response.status_code == expected
    world.provider.refresh_from_db()
    assert (world.provider.org_id == "GB-CHC-1234567") == (role == "opcc_admin")
