import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from casework.care.services.check_ins import run_check_in_round


class Command(BaseCommand):
    help = (
        "Mark expired check-ins missed, create check-ins that fell due and send their "
        "reminders. Safe to run often and beside the task worker; with --every it keeps "
        "running (the `clock` process of the Procfiles)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every",
            type=int,
            default=0,
            metavar="SECONDS",
            help="run a round every SECONDS until stopped (0, the default: run once)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        every = options["every"]
        if every < 0:
            raise CommandError("--every takes a number of seconds, 0 or more.")
        while True:
            done = run_check_in_round()
            # The clock (--every) reports only the rounds that did something.
            if not every or done.missed or done.created or done.reminded:
                self.stdout.write(
                    f"{done.missed} missed, {done.created} created, {done.reminded} reminders sent"
                )
            if not every:
                return
            # A long-running process must not hold a connection the database has dropped.
            close_old_connections()
            time.sleep(every)
