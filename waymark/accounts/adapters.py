"""allauth and axes hooks: no self sign-up, encrypted MFA secrets, lockouts keyed on e-mail."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.http import HttpRequest
from encrypted_fields.fields import EncryptedTextField

# Authenticator secrets and recovery-code seeds are encrypted with the same keys as every
# encrypted column (SECRET_KEY x SALT_KEY), so one rotation covers them too.
MFA_SECRET_CIPHER = EncryptedTextField()


class AccountAdapter(DefaultAccountAdapter):
    """Staff accounts are created by an OPCC admin; nobody signs themselves up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Sign-up is closed."""
        return False


class MFAAdapter(DefaultMFAAdapter):
    """allauth's MFA adapter, but secrets are stored encrypted (allauth's default stores them as given)."""

    def encrypt(self, text: str) -> str:
        """Encrypt an authenticator secret or recovery-code seed."""
        return str(MFA_SECRET_CIPHER.get_prep_value(text))

    def decrypt(self, encrypted_text: str) -> str:
        """Decrypt it; a value no known key opens raises rather than being used as if plain."""
        return MFA_SECRET_CIPHER.f.decrypt(encrypted_text.encode("utf-8")).decode("utf-8")


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The e-mail address being tried, from allauth's credentials or the posted form."""
    if credentials:
        for key in ("email", "login", "username"):
            if credentials.get(key):
                return str(credentials[key]).strip().lower()
    return str(request.POST.get("login", "")).strip().lower()
