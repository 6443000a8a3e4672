import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from casework.shell.schedule import SCHEDULE, clock_name, run_due, seconds_to_next


class Command(BaseCommand):
    help = (
        "Run every periodic job when it falls due (casework/shell/schedule.py): each job runs "
        "once across all clocks, however many are started. With --once, one pass and stop."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run the jobs due now, then stop")

    def handle(self, *args: Any, **options: Any) -> None:
        holder = clock_name()
        if not options["once"]:
            jobs = ", ".join(f"{job.command} every {job.every}" for job in SCHEDULE)
            self.stdout.write(f"clock {holder}: {jobs}")
        while True:
            for job, report in run_due(holder=holder):
                self.stdout.write(f"{job.command}: {report}")
            if options["once"]:
                return
            # A long-running process must not hold a connection the database has dropped.
            close_old_connections()
            time.sleep(seconds_to_next())
