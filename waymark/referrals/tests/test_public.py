"""The public self-referral: safety first, no autocomplete, no unsafe e-mail, no IP address kept."""

from __future__ import annotations

import re

from django.apps import apps
from django.core import mail, serializers
from django.test import Client
from django.urls import reverse

from waymark.referrals.models import Referral

URL = reverse("public:self_referral")
FAKE_IP = "203.0.113.77"


def _form(world, **overrides):
    data = {
        "is_safe_to_contact": "yes",
        "service": str(world.service.public_id),
        "full_name": "Fakey Selfreferrer",
        "reason": "Someone shouted abuse at me",
        "email": "fakey@example.invalid",
        "phone": "07700 900005",
        "phone_kind": "mobile",
        "phone_safe_text": "on",
        "consent": "on",
    }
    data.update(overrides)
    return data


def test_page_has_exit_this_page_and_safety_question_first(client, world):
    page = client.get(URL).content.decode()
    assert "govuk-exit-this-page" in page
    main = page[page.index('id="main-form"') :]
    assert main.index("Is it safe for us to contact you?") < main.index("Your name")
    assert main.index("Is it safe for us to contact you?") < main.index("Which service")


def test_every_field_has_autocomplete_off(client, world):
    page = client.get(URL).content.decode()
    form = page[page.index("<form") : page.index("</form>")]
    assert re.search(r'<form[^>]*autocomplete="off"', form)
    controls = re.findall(r"<(input|textarea|select)\b[^>]*>", form)
    tags = re.findall(r"<(?:input|textarea|select)\b[^>]*>", form)
    assert controls
    for tag in tags:
        if 'type="hidden"' in tag:
            continue
        assert 'autocomplete="off"' in tag, tag


def test_only_self_referral_services_are_offered(client, world):
    page = client.get(URL).content.decode()
    assert "Home Service" in page
    assert "Other Service" not in page


def test_self_referral_without_safe_email_sends_no_email(client, world):
    response = client.post(URL, _form(world), REMOTE_ADDR=FAKE_IP)
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.source == "self_web"
    assert referral.route == "self"
    assert referral.is_safe_to_contact == "yes"
    assert mail.outbox == []


def test_confirmation_email_only_when_marked_safe(client, world):
    client.post(URL, _form(world, email_safe="on"))
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["fakey@example.invalid"]
    assert "Fakey" not in message.body
    assert "abuse" not in message.body


def test_confirmation_page_echoes_nothing(client, world):
    response = client.post(URL, _form(world), follow=True)
    page = response.content.decode()
    assert "Request sent" in page
    for secret in ("Fakey", "07700", "example.invalid", "abuse"):
        assert secret not in page


def test_no_ip_address_is_stored_anywhere(client, world):
    client.post(URL, _form(world, email_safe="on"), REMOTE_ADDR=FAKE_IP, HTTP_X_FORWARDED_FOR=FAKE_IP)
    assert Referral.objects.exists()
    for model in apps.get_models():
        dump = serializers.serialize("json", model._default_manager.all())
        assert FAKE_IP not in dump, model


def test_not_safe_to_contact_keeps_no_contact_details(client, world):
    response = client.post(URL, _form(world, is_safe_to_contact="no", email_safe="on"))
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.is_safe_to_contact == "no"
    assert not referral.person.contact_methods.exists()
    assert mail.outbox == []


def test_safe_to_contact_needs_a_safe_way(client, world):
    response = client.post(URL, _form(world, phone_safe_text="", email=""))
    assert response.status_code == 400
    assert "tick which uses of it are safe" in response.content.decode()
    assert not Referral.objects.exists()


def test_missing_consent_is_refused_with_the_reason(client, world):
    response = client.post(URL, _form(world, consent=""))
    assert response.status_code == 400
    assert "has not consented to this referral" in response.content.decode()
    assert not Referral.objects.exists()


def test_unknown_service_is_refused(client, world):
    response = client.post(URL, _form(world, service=str(world.other_service.public_id)))
    assert response.status_code == 400
    assert not Referral.objects.exists()


def test_csrf_is_enforced(world):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(URL, _form(world))
    assert response.status_code == 403
    assert not Referral.objects.exists()


def test_public_views_never_read_remote_addr():
    from pathlib import Path

    import waymark.referrals as app

    for path in Path(app.__file__).parent.glob("*.py"):
        assert "REMOTE_ADDR" not in path.read_text(), path
