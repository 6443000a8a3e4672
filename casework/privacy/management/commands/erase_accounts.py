from casework.privacy.erasure import erase_due
from casework.shell.periodic import PeriodicCommand


class Command(PeriodicCommand):
    help = (
        "Erase every account whose cooling-off period has passed (unless a legal hold arose). "
        "With --every it keeps running (the clock runs it hourly)."
    )

    def run_round(self) -> tuple[str, bool]:
        erased = erase_due()
        return f"{erased} accounts erased", bool(erased)
