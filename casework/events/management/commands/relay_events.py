from casework.emails import send_waiting
from casework.events.relay import relay_pending
from casework.pushes import send_waiting_pushes
from casework.shell.periodic import PeriodicCommand


class Command(PeriodicCommand):
    help = (
        "Deliver every domain event still waiting: those whose relay task was lost (a crash "
        "after commit, a dead worker) and those with a reaction to try again (Redis was down); "
        "queue again every email and web push whose sending was lost or failed. Safe beside "
        "the task worker and other relays; with --every it keeps running."
    )
    every_help = "relay every SECONDS until stopped (0, the default: once)"

    def run_round(self) -> tuple[str, bool]:
        delivered = relay_pending()
        emails = send_waiting()
        pushes = send_waiting_pushes()
        report = f"{delivered} events delivered, {emails} emails and {pushes} pushes sent again"
        return report, bool(delivered or emails or pushes)
