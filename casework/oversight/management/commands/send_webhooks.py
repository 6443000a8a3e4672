from casework.oversight.tasks import send_waiting_webhooks
from casework.shell.periodic import PeriodicCommand


class Command(PeriodicCommand):
    help = (
        "Queue a try of every regulator webhook notification whose next try is due: those "
        "whose task was lost and those the receiver has not accepted yet (with backoff, until "
        "given up). Safe beside the task worker; with --every it keeps running."
    )
    every_help = "queue due notifications every SECONDS until stopped (0, the default: once)"

    def run_round(self) -> tuple[str, bool]:
        queued = send_waiting_webhooks()
        return f"{queued} webhook notifications queued", bool(queued)
