"""Run every benchmark in turn; each prints its own figures."""

from bench import (
    caseload,
    community_guard,
    detection,
    directory,
    messaging,
    register_import,
    serving,
    slots,
    verification,
    weight,
)

if __name__ == "__main__":
    serving.main()
    verification.main()
    register_import.main()
    directory.main([])
    slots.main()
    messaging.main()
    caseload.main([])
    detection.main([])
    community_guard.main([])
    weight.main()
