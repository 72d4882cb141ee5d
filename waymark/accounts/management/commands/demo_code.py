"""`manage.py demo_code`: print the current authenticator code for the demo users."""

from typing import Any

from django.core.management.base import BaseCommand

from waymark.accounts.demo import DEMO_TOTP_SECRET
from waymark.core.testing.factories import totp_code


class Command(BaseCommand):
    help = "Print the demo users' current six-digit authenticator code (demo only)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(totp_code(DEMO_TOTP_SECRET))
