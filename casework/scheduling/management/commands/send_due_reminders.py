from casework.scheduling.tasks import send_due_reminders
from casework.shell.periodic import PeriodicCommand


class Command(PeriodicCommand):
    help = (
        "Send every appointment reminder that is due and unsent. Each reminder also has its own "
        "task at its time; the clock runs this every minute, for task backends that cannot "
        "defer, a worker that is stopped, and lost tasks."
    )

    def run_round(self) -> tuple[str, bool]:
        sent = send_due_reminders.call()
        return f"Sent {sent} reminders.", sent > 0
