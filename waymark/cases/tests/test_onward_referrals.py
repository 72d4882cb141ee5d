"""Onward referral and transfer, behind the consent gate; grants made on acceptance, ended on revoke."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from waymark.audit.models import AccessLog
from waymark.cases.models import Case, CaseAccessGrant, OnwardReferral
from waymark.cases.services import (
    consent_record_add,
    consent_record_withdraw,
    onward_referral_accept,
    onward_referral_create,
    onward_referral_reject,
    onward_referral_revoke,
    onward_referral_send,
)

pytestmark = pytest.mark.django_db


def _draft(world, case, *, by=None, basis="consent", kind="transfer", reason=""):
    return onward_referral_create(
        case=case,
        by=by or world.member("caseworker"),
        kind=kind,
        basis=basis,
        to_service=world.other_service,
        override_reason=reason,
    )


def test_sending_without_consent_is_refused_and_changes_nothing(world, case):
    onward = _draft(world, case)
    with pytest.raises(ValidationError, match="no current consent"):
        onward_referral_send(onward=onward, by=world.member("caseworker"))
    onward.refresh_from_db()
    assert onward.status == "draft"
    assert not AccessLog.objects.filter(action="share").exists()


def test_refused_or_withdrawn_consent_does_not_count(world, case):
    by = world.member("caseworker")
    consent_record_add(case=case, by=by, purpose="share_with_agency", given=False)
    given = consent_record_add(case=case, by=by, purpose="receive_service", given=True)
    onward = _draft(world, case)
    with pytest.raises(ValidationError):
        onward_referral_send(onward=onward, by=by)
    sharing = consent_record_add(case=case, by=by, purpose="share_with_agency", given=True)
    consent_record_withdraw(consent=sharing, by=by)
    with pytest.raises(ValidationError):
        onward_referral_send(onward=onward, by=by)
    assert given.given


def test_sending_with_current_consent(world, case):
    by = world.member("caseworker")
    consent = consent_record_add(case=case, by=by, purpose="share_with_agency", given=True)
    onward = onward_referral_send(onward=_draft(world, case), by=by)
    assert onward.status == "sent"
    assert onward.consent_record == consent
    assert AccessLog.objects.filter(action="share", record_id=str(case.public_id)).exists()


def test_an_override_basis_needs_a_written_reason(world, case):
    with pytest.raises(ValidationError) as error:
        _draft(world, case, basis="safeguarding", reason="  ")
    assert "override_reason" in error.value.message_dict


def test_a_caseworker_without_the_override_permission_is_refused(world, case):
    by = world.member("caseworker")
    onward = _draft(world, case, basis="vital_interests", reason="Threats to kill")
    with pytest.raises(ValidationError, match="consent override permission"):
        onward_referral_send(onward=onward, by=by)
    assert OnwardReferral.objects.get(pk=onward.pk).status == "draft"


def test_a_manager_may_override_with_a_basis_and_reason(world, case):
    manager = world.member("provider_manager")
    onward = _draft(world, case, basis="vital_interests", reason="Threats to kill")
    onward = onward_referral_send(onward=onward, by=manager)
    assert onward.status == "sent"
    assert onward.consent_record is None
    entry = AccessLog.objects.get(action="share", record_id=str(case.public_id))
    assert "consent override" in entry.detail


def test_an_accepted_transfer_shares_the_case_and_moves_it_out(world, case):
    by = world.member("caseworker")
    consent_record_add(case=case, by=by, purpose="share_with_agency", given=True)
    onward = onward_referral_send(onward=_draft(world, case), by=by)
    receiver = world.member("provider_manager_other")
    assert not Case.objects.visible_to(receiver).filter(pk=case.pk).exists()
    onward_referral_accept(onward=onward, by=receiver)
    onward.refresh_from_db()
    case.refresh_from_db()
    assert case.status == Case.Status.TRANSFERRED_OUT
    grant = onward.access_grant
    assert grant is not None
    assert grant.organisation == world.other_provider
    assert grant.reason == CaseAccessGrant.Reason.TRANSFER
    assert Case.objects.visible_to(receiver).filter(pk=case.pk).exists()
    # Revoking ends the grant: the receiver sees nothing again.
    onward_referral_revoke(onward=onward, by=by)
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert not Case.objects.visible_to(receiver).filter(pk=case.pk).exists()


def test_only_the_receiving_services_manager_responds(world, case):
    by = world.member("caseworker")
    consent_record_add(case=case, by=by, purpose="share_with_agency", given=True)
    onward = onward_referral_send(onward=_draft(world, case), by=by)
    for key in ("caseworker", "provider_manager", "caseworker_other"):
        with pytest.raises(PermissionDenied):
            onward_referral_accept(onward=onward, by=world.member(key))
    assert OnwardReferral.objects.get(pk=onward.pk).status == "sent"


def test_rejection_needs_a_reason_and_shares_nothing(world, case):
    by = world.member("caseworker")
    consent_record_add(case=case, by=by, purpose="share_with_agency", given=True)
    onward = onward_referral_send(onward=_draft(world, case, kind="referral"), by=by)
    receiver = world.member("provider_manager_other")
    with pytest.raises(ValidationError):
        onward_referral_reject(onward=onward, by=receiver, reason="")
    onward_referral_reject(onward=onward, by=receiver, reason="Out of our area")
    assert not CaseAccessGrant.objects.filter(case=case).exists()
    assert Case.objects.get(pk=case.pk).status == Case.Status.OPEN_ALLOCATED


def test_an_accepted_referral_shares_without_moving_the_case(world, case):
    by = world.member("caseworker")
    consent_record_add(case=case, by=by, purpose="share_with_agency", given=True)
    onward = onward_referral_send(onward=_draft(world, case, kind="referral"), by=by)
    onward_referral_accept(onward=onward, by=world.member("provider_manager_other"))
    assert Case.objects.get(pk=case.pk).status == Case.Status.OPEN_ALLOCATED
    assert CaseAccessGrant.objects.get(case=case).reason == CaseAccessGrant.Reason.ONWARD_REFERRAL


def test_send_page_refuses_without_consent_with_400(client, world, login_as, case):
    onward = _draft(world, case)
    login_as("caseworker")
    url = f"/cases/{case.public_id}/onward/{onward.public_id}/send/"
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert OnwardReferral.objects.get(pk=onward.pk).status == "draft"


def test_a_shared_case_is_read_only_for_the_receiver(client, world, login_as, case):
    by = world.member("caseworker")
    consent_record_add(case=case, by=by, purpose="share_with_agency", given=True)
    onward = onward_referral_send(onward=_draft(world, case, kind="referral"), by=by)
    onward_referral_accept(onward=onward, by=world.member("provider_manager_other"))
    login_as("caseworker_other")
    assert client.get(case.get_absolute_url()).status_code == 200
    assert client.get(f"/cases/{case.public_id}/activities/add/").status_code == 403
