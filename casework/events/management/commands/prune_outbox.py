from casework.events.pruning import prune_outbox
from casework.shell.periodic import PeriodicCommand


class Command(PeriodicCommand):
    help = (
        "Remove delivered domain events and finished email and push deliveries older than "
        "CASEWORK_OUTBOX_RETENTION_DAYS; never one still waiting. With --every it keeps "
        "running (the clock runs it hourly)."
    )

    def run_round(self) -> tuple[str, bool]:
        pruned = prune_outbox()
        report = (
            f"{pruned.events} events, {pruned.emails} emails and {pruned.pushes} pushes "
            "removed from the outbox"
        )
        return report, bool(pruned)
