from typing import Any

from django.core.management.base import BaseCommand

from casework.registry.reference_data import load_reference_data


class Command(BaseCommand):
    help = "Load jurisdictions, regulators and practice agreements from the shipped data."

    def handle(self, *args: Any, **options: Any) -> None:
        report = load_reference_data()
        self.stdout.write(
            f"Loaded {report.jurisdictions} jurisdictions, {report.regulators} regulators, "
            f"{report.agreements} practice agreements."
        )
