from casework.privacy.export import expire_exports
from casework.shell.periodic import PeriodicCommand


class Command(PeriodicCommand):
    help = (
        "Destroy every data export whose download link has expired (its key and its sealed "
        "archive). With --every it keeps running (the clock runs it every 15 minutes)."
    )

    def run_round(self) -> tuple[str, bool]:
        expired = expire_exports()
        return f"{expired} expired data exports destroyed", bool(expired)
