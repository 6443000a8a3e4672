from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from casework.registry.claims import ask_for_proof, claims_without_proof


class Command(BaseCommand):
    help = (
        "List the claims verified by a register name match alone, before proof of control was "
        "asked for. With --ask, email each holder asking them to prove the registration is "
        "theirs (the claims stay verified; officers also see them in their review list)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--ask", action="store_true", help="Email each holder a request for proof."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = 0
        for claim in claims_without_proof():
            count += 1
            self.stdout.write(
                f"{claim.pk}\t{claim.regulator.slug}\t{claim.registration_number}\t"
                f"{claim.practitioner.email}\tverified {claim.proved_at:%Y-%m-%d}"
            )
            if options["ask"]:
                ask_for_proof(claim=claim)
        self.stdout.write(
            f"{count} claims verified by a name match alone"
            + (": each holder was asked for proof." if options["ask"] and count else ".")
        )
