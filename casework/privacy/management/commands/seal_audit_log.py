from django.core.management.base import CommandParser

from casework.privacy.sealing import anchor_newest_seal, seal_pending
from casework.shell.periodic import PeriodicCommand


class Command(PeriodicCommand):
    # Only --anchor-now sets it; the clock runs rounds without handle().
    anchor_now = False
    help = (
        "Seal the audit events waiting, in short batches, and anchor the newest seal every "
        "hour (the clock runs it every five seconds)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--anchor-now", action="store_true", help="anchor the newest seal even within the hour"
        )

    def handle(self, *args: object, **options: object) -> None:
        self.anchor_now = bool(options["anchor_now"])
        super().handle(*args, **options)

    def run_round(self) -> tuple[str, bool]:
        seals = seal_pending()
        checkpoint = anchor_newest_seal(force=self.anchor_now)
        self.anchor_now = False
        report = f"Sealed {sum(seal.size for seal in seals)} events in {len(seals)} seals"
        if seals:
            report += f" (newest: seal {seals[-1].number})"
        if checkpoint is not None:
            report += f"; anchored seal {checkpoint.seal}"
        return report + ".", bool(seals) or checkpoint is not None
