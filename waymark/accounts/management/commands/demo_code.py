"""`manage.py demo_code`: print the current authenticator code for the demo users."""

import time
from typing import Any

from allauth.mfa import app_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.management.base import BaseCommand

from waymark.accounts.demo import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Print the demo users' current six-digit authenticator code (demo only)."

    def handle(self, *args: Any, **options: Any) -> None:
        counter = int(time.time()) // app_settings.TOTP_PERIOD
        self.stdout.write(format_hotp_value(hotp_value(DEMO_TOTP_SECRET, counter)))
