"""`manage.py demo_cases`: load the demo casework (clearly fake people, referrals and cases)."""

from typing import Any

from django.core.management.base import BaseCommand

from waymark.cases.demo import demo_cases_load


class Command(BaseCommand):
    help = "Create a few hundred clearly fake demo people with referrals and cases (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        created = demo_cases_load()
        summary = ", ".join(f"{n} {k}" for k, n in created.items())
        self.stdout.write(self.style.SUCCESS(f"Demo casework loaded (created: {summary})."))
