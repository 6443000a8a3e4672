"""The demo caseload: fifty clients, three months of check-ins, ranked with one urgent flag."""

from datetime import timedelta

import pytest
from django.utils import timezone

from casework.accounts.models import User
from casework.care import queries
from casework.care.models import CheckIn
from casework.demo.care import CLIENTS, URGENT_ALIAS, seed_care
from casework.demo.people import seed_people
from casework.demo.registry import seed_registry

pytestmark = pytest.mark.django_db


def test_the_demo_practitioner_has_fifty_clients_ranked_by_need() -> None:
    seed_people()
    seed_registry()
    first = seed_care()
    assert first.cases == CLIENTS
    assert first.urgent_flags == 1
    amara = User.objects.get(email="practitioner@demo.casework.localhost")
    oldest = CheckIn.objects.filter(case__practitioner=amara).order_by("due_at")[0].due_at
    assert timezone.now() - oldest > timedelta(days=85)
    rows = queries.caseload(amara, now=timezone.now())
    assert len(rows) == CLIENTS
    assert rows[0].case.client.alias == URGENT_ALIAS
    assert sum(row.worsening for row in rows) >= 5
    assert sum(row.improving for row in rows) >= 5
    assert any(row.missed for row in rows)
    # Robin, the demo client, has a check-in to answer now.
    robin = next(row for row in rows if row.case.client.email == "client@demo.casework.localhost")
    assert robin.case.check_ins.filter(status="open", due_at__lte=timezone.now()).exists()
    assert seed_care() == first  # idempotent
