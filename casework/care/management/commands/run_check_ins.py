from casework.care.services.reminders import run_check_in_round
from casework.shell.periodic import PeriodicCommand


class Command(PeriodicCommand):
    help = (
        "Mark expired check-ins missed, create check-ins that fell due and send their "
        "reminders. Safe to run often and beside the task worker; with --every it keeps "
        "running (the clock runs it every five minutes)."
    )

    def run_round(self) -> tuple[str, bool]:
        done = run_check_in_round()
        report = f"{done.missed} missed, {done.created} created, {done.reminded} reminders sent"
        return report, bool(done.missed or done.created or done.reminded)
