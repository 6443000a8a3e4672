"""Scheduling fixtures. Nothing here imports the app's modules at load time: this file is read
before the root conftest switches the task backend to the immediate one, and a task module
imported now would keep the database backend for the whole run."""

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

from casework.accounts.models import User


@pytest.fixture
def frozen() -> Iterator[Any]:
    from casework.testing.scheduling import NOW

    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def places(db: None) -> None:
    from casework.testing.scheduling import reference_places

    reference_places()


@pytest.fixture
def session_type(frozen: Any, places: None, practitioner: User) -> Any:
    """The ``practitioner`` persona, bookable: see ``casework.testing.scheduling``."""
    from casework.testing.scheduling import bookable_practitioner

    _practitioner, offered = bookable_practitioner(practitioner=practitioner)
    return offered
