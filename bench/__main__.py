"""Run the benchmarks; each prints its own figures.

    python -m bench --scale small     # pages beside the floor, sends beside Synapse: < 10 minutes
    python -m bench --scale medium    # that at full volume, then every other benchmark

The page table (``bench.pages``) always runs first and is written to bench/results/ and the
README. Then messages are sent beside the peer, Matrix Synapse (``bench.messaging``), and that
table joins the same report and the README: at ``small`` only the send phase, 400 messages
over 50 conversations on one layout (PostgreSQL + Redis when they answer, as the pages' scaled
layout, else SQLite); from ``medium`` up everything it measures, on both layouts. Detection's
precision and recall on the labelled set (``bench.detection``) follow at every scale, with
whether its targets hold: they take seconds. The other benchmarks load their own data at their
own sizes (see each module) and take longer than the small scale's budget, so they run from
``medium`` up.
"""

import argparse

from bench import (
    caseload,
    community_guard,
    detection,
    directory,
    memory,
    messaging,
    pages,
    register_import,
    serving,
    slots,
    verification,
    weight,
)

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", choices=sorted(pages.PRESETS), default="small")
    options = parser.parse_args()
    report = pages.main(["--scale", options.scale])
    if options.scale == "small":
        layout = "scaled" if pages.answers(5432) and pages.answers(6379) else "embedded"
        small = ["--sends-only", "--no-in-process", "--layout", layout]
        small += ["--conversations", "50", "--messages", "400"]
        peer = messaging.main(small)
    else:
        peer = messaging.main([])
    if report and peer:
        heading = "Messages sent beside Matrix Synapse"
        pages.add_to_report(
            report, "messaging", heading, "\n".join(messaging.peer_table(peer)) + "\n"
        )
    detection.main([])
    if options.scale != "small":
        serving.main()
        verification.main([])
        register_import.main(["--scale", options.scale])
        directory.main([])
        slots.main()
        caseload.main([])
        memory.main([])
        community_guard.main([])
    weight.main()
