"""Read replicas: the public directory and verification reads go to a PostgreSQL replica.

With ``DATABASE_REPLICA_URL`` set, settings add the ``replica`` connection and this router.
Reads of the directory's and the registry's models (profiles and search, registrations,
credentials and status lists: what /verify/, badges and the directory show anyone) go to the
replica, which scales by adding more of them; everything else, and every write, goes to the
primary.

A read inside a transaction on the primary stays on the primary: a service that reads and
then writes (a claim decided, a register import applied) must see its own writes and must not
decide on a replica a few hundred milliseconds behind. Migrations run on the primary only.
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.models import Model

REPLICA = "replica"
PRIMARY = "default"
# Apps whose reads are public and tolerate a replica's lag of a moment.
REPLICA_READ_APPS = frozenset({"directory", "registry"})


class ReplicaRouter:
    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        if model._meta.app_label not in REPLICA_READ_APPS:
            return PRIMARY
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return REPLICA

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        # Both connections hold the same rows: a profile read from the replica may point at a
        # person read from the primary.
        return {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA}

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == PRIMARY
