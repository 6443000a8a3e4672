"""Run the benchmarks; each prints its own figures.

    python -m bench --scale small     # the pages beside the floor, detection: under 10 minutes
    python -m bench --scale medium    # that at medium volume, then every other benchmark

The page table (``bench.pages``) always runs first and is written to bench/results/ and the
README. Detection's precision and recall on the labelled set (``bench.detection``) follow at
every scale, with whether its targets hold: they take seconds. The other benchmarks load their
own data at their own sizes (see each module) and take longer than the small scale's budget, so
they run from ``medium`` up.
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
    pages.main(["--scale", options.scale])
    detection.main([])
    if options.scale != "small":
        serving.main()
        verification.main([])
        register_import.main(["--scale", options.scale])
        directory.main([])
        slots.main()
        messaging.main([])
        caseload.main([])
        memory.main([])
        community_guard.main([])
    weight.main()
