from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from casework.demo.people import DEMO_PASSWORD, seed_people
from casework.demo.registry import seed_registry


class Command(BaseCommand):
    help = "Load fictional demo data (idempotent). Refused in production."

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("Demo data is never loaded in production.")
        seeded = seed_people()
        seed_registry()
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Demo sign-ins:"))
        self.stdout.write(f"  password for everyone: {DEMO_PASSWORD}")
        for person, _created in seeded:
            line = f"  {person.role:<13} {person.email}"
            if person.totp_secret:
                line += f"  TOTP secret: {person.totp_secret}"
            self.stdout.write(line)
        self.stdout.write(
            "  Staff sign in with a TOTP code: add the secret to an authenticator app, or run\n"
            "  `.venv/bin/python manage.py demo_totp EMAIL` to print the current code.\n"
            "  Check a registration: http://127.0.0.1:8000/verify/?number=SW100001 (verified),\n"
            "  SW100003 (suspended), SW100004 (registered with conditions)."
        )
