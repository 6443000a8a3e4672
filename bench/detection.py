"""Detection quality: precision and recall per category on the labelled set.

Prints one table per part of the set (``dev``, the half the rules were developed against;
``held_out``, the half they were not; and ``all``), then whether each target holds on each part.
The targets are the product's, on the whole set (a test holds them there); the held-out half
says how much of that is generalisation rather than fit.
``--misses`` also lists the dev half's misses and false alarms (never the held-out half's: the
rules are not tuned to it). See ``casework/safety/evaluation.py`` for what a label means.
"""

import sys
import time

from casework.safety import evaluation


def _percent(value: float) -> str:
    return f"{value * 100:5.1f}%"


def _table(name: str, part: list[evaluation.Score], size: int) -> None:
    print(f"  {name} ({size} messages)")
    print(f"    {'category':<22}{'TP':>4}{'FP':>4}{'FN':>4}  precision  recall  target")
    for s in part:
        if s.target is None:
            verdict = "-"
        else:
            wanted = f"P>={s.target[0]:.1f} R>={s.target[1]:.1f}"
            verdict = f"{wanted} {'holds' if s.meets_target else 'MISSED'}"
        counts = f"{s.true_positives:>4}{s.false_positives:>4}{s.false_negatives:>4}"
        rates = f"{_percent(s.precision):>9}  {_percent(s.recall):>6}"
        print(f"    {s.category:<22}{counts}  {rates}  {verdict}")


def main(argv: list[str]) -> bool:
    samples = evaluation.labelled_samples()
    started = time.perf_counter()
    parts, found = evaluation.scores(samples)
    elapsed = time.perf_counter() - started
    languages = {lang: sum(s.language == lang for s in samples) for lang in ("en", "es")}
    print(
        f"Detection: {len(samples)} labelled messages ({languages['en']} English, "
        f"{languages['es']} Spanish), {elapsed:.1f} s including loading the models"
    )
    for name, part in parts.items():
        size = len(samples) if name == "all" else sum(s.split == name for s in samples)
        _table(name, part, size)
    for name, part in parts.items():
        missed = ", ".join(s.category for s in part if s.meets_target is False)
        print(f"  Targets on {name}: {'missed for ' + missed if missed else 'all hold'}")
    held = all(s.meets_target is not False for s in parts["all"])
    if "--misses" in argv:
        for sample in samples:
            got = found[sample.text]
            if sample.split == "dev" and got != sample.categories:
                missed = ", ".join(sorted(sample.categories - got)) or "-"
                extra = ", ".join(sorted(got - sample.categories)) or "-"
                print(f"    missed {missed:<22} extra {extra:<22} {sample.text}")
    return held


if __name__ == "__main__":
    sys.exit(0 if main(sys.argv[1:]) else 1)
