"""The confidentiality guard: precision and recall per kind on the labelled snippets.

Prints a table for the dev half (the rules were written against it), the held-out half and the
whole set, then whether the product's targets hold on the whole set (a test holds them there).
``--misses`` lists the dev half's misses and false alarms.
"""

import sys
import time

from casework.community.guard import evaluation


def _table(name: str, snippets: list[evaluation.Snippet]) -> list[evaluation.Score]:
    part = evaluation.scores(evaluation.evaluate(snippets))
    print(f"  {name} ({len(snippets)} snippets)")
    print(f"    {'kind':<14}{'TP':>4}{'FP':>4}{'FN':>4}  precision  recall  target")
    for s in part:
        target = "-" if s.target is None else f"R>={s.target:.1f} "
        if s.target is not None:
            target += "holds" if s.meets_target else "MISSED"
        print(
            f"    {s.kind:<14}{s.true_positives:>4}{s.false_positives:>4}{s.false_negatives:>4}"
            f"  {s.precision * 100:8.1f}%  {s.recall * 100:5.1f}%  {target}"
        )
    precision = evaluation.overall_precision(part)
    print(f"    {'overall precision':<26}{precision * 100:8.1f}%  target P>=0.7")
    return part


def main(argv: list[str]) -> bool:
    snippets = evaluation.labelled_snippets()
    languages = {lang: sum(s.language == lang for s in snippets) for lang in ("en", "es")}
    print(
        f"Confidentiality guard: {len(snippets)} snippets ({languages['en']} English, "
        f"{languages['es']} Spanish), {sum(not s.labels for s in snippets)} with nothing to find"
    )
    started = time.perf_counter()
    _table("dev", [s for s in snippets if s.part == "dev"])
    _table("held_out", [s for s in snippets if s.part == "held_out"])
    whole = _table("all", snippets)
    elapsed = time.perf_counter() - started
    print(f"  {len(snippets) * 3} readings in {elapsed:.2f} s")
    holds = all(s.meets_target for s in whole) and (
        evaluation.overall_precision(whole) >= evaluation.PRECISION_TARGET
    )
    print(f"  targets on the whole set: {'hold' if holds else 'MISSED'}")
    if "--misses" in argv:
        outcome = evaluation.evaluate([s for s in snippets if s.part == "dev"])
        for snippet, kind, words in outcome.misses:
            print(f"    {kind:<20} {words!r:<40} {snippet.text}")
    return holds


if __name__ == "__main__":
    sys.exit(0 if main(sys.argv[1:]) else 1)
