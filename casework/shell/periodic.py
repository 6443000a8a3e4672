"""Management commands that run once, or keep running with ``--every SECONDS`` (the
clock, casework/shell/schedule.py)."""

import time
from abc import ABC, abstractmethod
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections


class PeriodicCommand(BaseCommand, ABC):
    """Subclasses say what one round does in ``run_round``, returning the line to print, or
    None when the round did nothing (a process left running reports only the rounds that did
    something; a single run always reports)."""

    every_help = "run a round every SECONDS until stopped (0, the default: run once)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=int, default=0, metavar="SECONDS", help=self.every_help)

    @abstractmethod
    def run_round(self) -> tuple[str, bool]:
        """One round: the line that reports it, and whether it did anything."""

    def handle(self, *args: Any, **options: Any) -> None:
        every = options["every"]
        if every < 0:
            raise CommandError("--every takes a number of seconds, 0 or more.")
        while True:
            report, did_something = self.run_round()
            if not every or did_something:
                self.stdout.write(report)
            if not every:
                return
            # A long-running process must not hold a connection the database has dropped.
            close_old_connections()
            time.sleep(every)
