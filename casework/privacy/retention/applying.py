"""The retention task: find what each rule no longer allows to be kept, remove it (or, in a
dry run, only list it), and write a report (``RetentionReport``) that the admin site shows.

Run daily by the clock (``manage.py apply_retention``). Until ``CASEWORK_RETENTION_REMOVES``
is turned on, the clock's runs are dry runs: the reports say what would go, and an operator
reads them before anything is removed.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.privacy.holds import Holds, holds_in_force
from casework.privacy.models import RetentionReport
from casework.privacy.retention.classes import REMOVERS, Candidate
from casework.privacy.retention.rules import Rule, Rules, current_rules

# How many ids of what is due a report lists per rule (the counts are always whole).
IDS_LISTED = 50


@dataclass
class _Due:
    rule: Rule
    candidates: list[Candidate] = field(default_factory=list)
    held: int = 0  # past the period too, but kept under a legal hold

    @property
    def ids(self) -> list[str]:
        return [candidate.object_id for candidate in self.candidates]

    def set_aside(self, holds: Holds) -> None:
        """Keep out what ``holds`` cover: counted as held, never removed."""
        free = [c for c in self.candidates if not holds.cover(people=c.people, case_id=c.case_id)]
        self.held += len(self.candidates) - len(free)
        self.candidates = free


def _due(
    rules: Rules, key: str, candidates: Iterable[Candidate], now: datetime, holds: Holds
) -> list[_Due]:
    by_rule: dict[str, _Due] = {}
    for candidate in candidates:
        rule = rules.rule_for(key, candidate.jurisdiction)
        if candidate.since <= now - rule.keep:
            by_rule.setdefault(rule.jurisdiction, _Due(rule=rule)).candidates.append(candidate)
    for due in by_rule.values():
        due.set_aside(holds)
    return sorted(by_rule.values(), key=lambda due: due.rule.jurisdiction)


def apply_retention(*, dry_run: bool, now: datetime | None = None) -> RetentionReport:
    """One run over every data class of the rules in force; its report."""
    now = now or timezone.now()
    rules = current_rules()
    lines: list[dict[str, object]] = []
    total_due = total_removed = 0
    holds = holds_in_force()
    for key in rules.data_classes:
        remover = REMOVERS[key]
        shortest = min(rule.keep for rule in rules.rules_of(key))
        for due in _due(rules, key, remover.candidates(now - shortest), now, holds):
            removed = 0
            if not dry_run:
                with transaction.atomic():
                    due.set_aside(holds_in_force())  # a hold placed since the read still counts
                    removed = remover.remove(due.ids)
            ids = due.ids
            total_due += len(ids)
            total_removed += removed
            lines.append(
                {
                    "data_class": key,
                    "jurisdiction": due.rule.jurisdiction,
                    "keep_days": due.rule.keep_days,
                    "due": len(ids),
                    "removed": removed,
                    "held": due.held,
                    "ids": ids[:IDS_LISTED] if remover.ids_listed else [],
                }
            )
    with transaction.atomic():
        report = RetentionReport.objects.create(
            ran_at=now, dry_run=dry_run, due=total_due, removed=total_removed, lines=lines
        )
        record_event(
            action=actions.PRIVACY_RETENTION_APPLIED,
            target=report,
            detail={"dry_run": dry_run, "due": total_due, "removed": total_removed},
        )
    return report
