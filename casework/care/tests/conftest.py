from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

from casework.accounts.models import User
from casework.care.models import Case


@pytest.fixture
def frozen() -> Iterator[Any]:
    from casework.testing.care import NOW

    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def case(frozen: Any, practitioner: User, client_person: User) -> Case:
    """Robin's active case with Amara: online work suits her, she consented to everything.
    Robin lives in London."""
    from casework.testing.care import ready_case

    client_person.time_zone = "Europe/London"
    client_person.save(update_fields=["time_zone"])
    return ready_case(practitioner, client_person)


@pytest.fixture
def other_practitioner(db: None) -> User:
    """Jonas, a verified colleague: referrals and supervision go to verified practitioners."""
    from casework.testing.care import verified_practitioner

    return verified_practitioner(legal_name="Jonas Berg", email="jonas@example.org")
