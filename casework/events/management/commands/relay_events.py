import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from casework.emails import send_waiting
from casework.events.relay import relay_pending


class Command(BaseCommand):
    help = (
        "Deliver every domain event still waiting: those whose relay task was lost (a crash "
        "after commit, a dead worker) and those with a reaction to try again (Redis was down); "
        "queue again every email whose sending was lost or failed. Safe beside the task "
        "worker and other relays; with --every it keeps running."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--every",
            type=int,
            default=0,
            metavar="SECONDS",
            help="relay every SECONDS until stopped (0, the default: once)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        every = options["every"]
        if every < 0:
            raise CommandError("--every takes a number of seconds, 0 or more.")
        while True:
            delivered = relay_pending()
            emails = send_waiting()
            if not every or delivered or emails:
                self.stdout.write(f"{delivered} events delivered, {emails} emails sent again")
            if not every:
                return
            close_old_connections()
            time.sleep(every)
