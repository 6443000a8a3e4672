from django.utils import timezone

from casework.accounts.idempotency import forget_old_keys
from casework.shell.periodic import PeriodicCommand


class Command(PeriodicCommand):
    help = (
        "Forget the Idempotency-Keys of API writes older than CASEWORK_IDEMPOTENCY_KEYS_KEPT_DAYS. "
        "With --every it keeps running (the clock runs it daily)."
    )

    def run_round(self) -> tuple[str, bool]:
        forgotten = forget_old_keys(now=timezone.now())
        return f"{forgotten} idempotency keys forgotten", bool(forgotten)
