"""Where a page's time goes: queries, mean time and cProfile's costliest calls, in-process.

    DATABASE_URL=sqlite:////tmp/x.sqlite3 python -m bench.profiling /find/ /practitioners/x/
    python -m bench.profiling --as showcase@bench.invalid /care/caseload/

Run against a database that ``bench.generate`` filled. Each path is requested once to warm up,
then ``--repeat`` times under cProfile; the table lists the calls with the most cumulative time.
"""

import argparse
import cProfile
import io
import pstats
import time
from functools import partial
from typing import Any


def _record(queries: list[str], execute: Any, sql: str, *args: Any) -> Any:
    queries.append(sql)
    return execute(sql, *args)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--as", dest="email", help="sign in as this person first")
    options = parser.parse_args(argv)
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from casework.accounts.models import User

    client = Client()
    if options.email:
        client.force_login(User.objects.get(email=options.email))
    for path in options.paths:
        client.get(path)  # warm: templates, caches, the session's first visit
        queries: list[str] = []
        with connection.execute_wrapper(partial(_record, queries)):
            status = client.get(path).status_code
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for _ in range(options.repeat):
            client.get(path)
        profiler.disable()
        mean = (time.perf_counter() - started) * 1000 / options.repeat
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(options.top)
        print(f"{path}: {status}, {len(queries)} queries, {mean:.1f} ms a request")
        for sql in queries:
            print(f"    {sql[:160]}")
        print(out.getvalue())


if __name__ == "__main__":
    main()
