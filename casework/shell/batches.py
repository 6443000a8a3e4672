"""Deleting many rows without one long transaction: a long backlog never holds one long lock."""

from typing import TypeVar

from django.db import models, transaction
from django.db.models import QuerySet

Row = TypeVar("Row", bound=models.Model)


def delete_in_batches(rows: QuerySet[Row], *, batch: int = 1000) -> int:
    """Delete ``rows``, ``batch`` at a time, each batch in a transaction of its own; how many
    went (the rows' own, not the rows that cascade with them)."""
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(rows.values_list("pk", flat=True)[:batch])
            if not ids:
                return deleted
            rows.model._default_manager.filter(pk__in=ids).delete()
            deleted += len(ids)
