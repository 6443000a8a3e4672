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
    ids: list[str]
    held: int = 0  # past the period too, but kept under a legal hold
    candidates: dict[str, Candidate] = field(default_factory=dict)


def _due(
    rules: Rules, key: str, candidates: Iterable[Candidate], now: datetime, holds: Holds
) -> list[_Due]:
    by_rule: dict[str, _Due] = {}
    for candidate in candidates:
        rule = rules.rule_for(key, candidate.jurisdiction)
        if candidate.since <= now - rule.keep:
            due = by_rule.setdefault(rule.jurisdiction, _Due(rule=rule, ids=[]))
            if holds.cover(people=candidate.people, case_id=candidate.case_id):
                due.held += 1
            else:
                due.ids.append(candidate.object_id)
                due.candidates[candidate.object_id] = candidate
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
                    # A hold placed while this run was reading still counts.
                    fresh = holds_in_force()
                    ids = [
                        object_id
                        for object_id in due.ids
                        if not fresh.cover(
                            people=due.candidates[object_id].people,
                            case_id=due.candidates[object_id].case_id,
                        )
                    ]
                    due.held += len(due.ids) - len(ids)
                    due.ids = ids
                    removed = remover.remove(ids)
            total_due += len(due.ids)
            total_removed += removed
            lines.append(
                {
                    "data_class": key,
                    "jurisdiction": due.rule.jurisdiction,
                    "keep_days": due.rule.keep_days,
                    "due": len(due.ids),
                    "removed": removed,
                    "held": due.held,
                    "ids": due.ids[:IDS_LISTED] if remover.ids_listed else [],
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
