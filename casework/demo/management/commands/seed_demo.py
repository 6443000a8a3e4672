from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework.demo.people import DEMO_PASSWORD
from casework.demo.seed import seed_demo


class Command(BaseCommand):
    help = (
        "Load fictional demo data (idempotent). Refused in production unless asked for "
        "explicitly, for a trial instance that nobody real uses."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--i-know-this-is-production",
            action="store_true",
            dest="production_trial",
            help=(
                "load it under production settings all the same: for a trial or staging "
                "instance only (its sign-ins share one published password)"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION and not options["production_trial"]:
            raise CommandError(
                "Demo data is never loaded in production. For a trial instance that nobody "
                "real uses, run seed_demo --i-know-this-is-production."
            )
        demo = seed_demo()
        self.stdout.write(self.style.SUCCESS("Demo data is ready."))
        self.stdout.write(
            f"  {demo.directory.listed} of {demo.directory.practitioners} practitioners listed, "
            f"{demo.scheduling.appointments} appointments, {demo.conversations} conversations, "
            f"{demo.care.cases} open cases with {demo.care.check_ins} check-ins "
            f"(urgent flags open: {demo.care.urgent_flags})."
        )
        self.stdout.write("Demo sign-ins:")
        self.stdout.write(f"  password for everyone: {DEMO_PASSWORD}")
        for person, _created in demo.people:
            line = f"  {person.role:<13} {person.email}"
            if person.totp_secret:
                line += f"  TOTP secret: {person.totp_secret}"
            self.stdout.write(line)
        self.stdout.write(
            "  Staff sign in with a TOTP code: add the secret to an authenticator app, or run\n"
            "  `.venv/bin/python manage.py demo_totp EMAIL` to print the current code.\n"
            "  Check a registration: http://127.0.0.1:8000/verify/?number=SW100001 (verified),\n"
            "  SW100003 (suspended), SW100004 (registered with conditions).\n"
            "  Claims for the officer: http://127.0.0.1:8000/oversight/reviews/ (Mei Lin\n"
            "  Zhou's awaits proof, Jonas Berg's waits for review, LCSW91234 is in dispute).\n"
            "  The practitioner's caseload: http://127.0.0.1:8000/care/caseload/\n"
            "  The regulator portal (officer): http://127.0.0.1:8000/oversight/ (a complaint\n"
            '  about Amara Okafor waits); report a practitioner: a profile\'s "Report" link.'
        )
