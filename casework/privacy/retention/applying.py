"""The retention task: find what each rule no longer allows to be kept, remove it (or, in a
dry run, only list it), and write a report (``RetentionReport``) that the admin site shows.

Run daily by the clock (``manage.py apply_retention``). Until ``CASEWORK_RETENTION_REMOVES``
is turned on, the clock's runs are dry runs: the reports say what would go, and an operator
reads them before anything is removed.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from casework.privacy import actions
from casework.privacy.audit import record_event
from casework.privacy.models import RetentionReport
from casework.privacy.retention.classes import REMOVERS, Candidate
from casework.privacy.retention.rules import Rule, Rules, current_rules

# How many ids of what is due a report lists per rule (the counts are always whole).
IDS_LISTED = 50


@dataclass
class _Due:
    rule: Rule
    ids: list[str]


def _due(rules: Rules, key: str, candidates: Iterable[Candidate], now: datetime) -> list[_Due]:
    by_rule: dict[str, _Due] = {}
    for candidate in candidates:
        rule = rules.rule_for(key, candidate.jurisdiction)
        if candidate.since <= now - rule.keep:
            by_rule.setdefault(rule.jurisdiction, _Due(rule=rule, ids=[])).ids.append(
                candidate.object_id
            )
    return sorted(by_rule.values(), key=lambda due: due.rule.jurisdiction)


def apply_retention(*, dry_run: bool, now: datetime | None = None) -> RetentionReport:
    """One run over every data class of the rules in force; its report."""
    now = now or timezone.now()
    rules = current_rules()
    lines: list[dict[str, object]] = []
    total_due = total_removed = 0
    for key in rules.data_classes:
        remover = REMOVERS[key]
        shortest = min(rule.keep for rule in rules.rules_of(key))
        for due in _due(rules, key, remover.candidates(now - shortest), now):
            removed = 0
            if not dry_run:
                with transaction.atomic():
                    removed = remover.remove(due.ids)
            total_due += len(due.ids)
            total_removed += removed
            lines.append(
                {
                    "data_class": key,
                    "jurisdiction": due.rule.jurisdiction,
                    "keep_days": due.rule.keep_days,
                    "due": len(due.ids),
                    "removed": removed,
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
