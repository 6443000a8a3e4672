from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser

from casework.privacy.models import RetentionReport
from casework.privacy.retention.applying import apply_retention
from casework.shell.periodic import PeriodicCommand


class Command(PeriodicCommand):
    help = (
        "Apply the retention rules (privacy/data/retention.toml): remove what they no longer "
        "allow to be kept and write a report. --dry-run lists what would be removed and "
        "removes nothing. The clock runs it daily, as a dry run until "
        "CASEWORK_RETENTION_REMOVES is on."
    )

    # Set by hand (--dry-run or not); None when the clock runs a round without ``handle``.
    dry_run: bool | None = None

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--dry-run", action="store_true", help="list what would be removed; remove nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # By hand the command removes unless told --dry-run; the clock (run_round without
        # handle) follows CASEWORK_RETENTION_REMOVES.
        self.dry_run = options["dry_run"]
        super().handle(*args, **options)

    def run_round(self) -> tuple[str, bool]:
        dry_run = self.dry_run if self.dry_run is not None else not settings.RETENTION_REMOVES
        report = apply_retention(dry_run=dry_run)
        return describe(report), bool(report.due)


def describe(report: RetentionReport) -> str:
    verb = "would remove" if report.dry_run else "removed"
    lines = [
        f"Retention{' (dry run)' if report.dry_run else ''}: {report.due} due, "
        f"{report.removed if not report.dry_run else report.due} {verb}"
    ]
    for line in report.lines:
        lines.append(
            f"  {line['data_class']} in {line['jurisdiction']} (kept {line['keep_days']} days): "
            f"{line['due']} due, {line['removed']} removed"
            + (f", {line['held']} kept under a legal hold" if line.get("held") else "")
        )
        lines.extend(f"    {object_id}" for object_id in line["ids"])
    return "\n".join(lines)
