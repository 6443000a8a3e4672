"""The verification search kept for visitors (``shell/page_cache.py``) shows a new register
reading on the first visit after it is applied."""

from collections.abc import Callable

import pytest
from django.test import Client

from casework.accounts.models import User
from casework.registry import register_import as services
from casework.registry.models import RegisterImport

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
HEADER = "registration_number,name,previous_names,status,conditions,valid_from,valid_until\n"
REGISTERED = HEADER + "SW1002,Jonas Berg,,registered,,2020-01-15,2030-01-14\n"
SUSPENDED = HEADER + "SW1002,Jonas Berg,,suspended,,2020-01-15,2030-01-14\n"


def apply(
    upload: Callable[..., RegisterImport], text: str, officer: User, withdrawals: int = 0
) -> None:
    reading = upload(text)
    services.apply_register_import(
        register_import_id=reading.pk, applied_by=officer, confirmed_withdrawals=withdrawals
    )


def test_a_register_reading_shows_on_the_next_visit(
    upload: Callable[..., RegisterImport], officer: User
) -> None:
    apply(upload, REGISTERED, officer)
    path = "/verify/?number=SW1002"
    first = Client().get(path)
    assert "Suspended" not in first.content.decode()
    kept = Client().get(path)
    assert not kept.templates  # the kept page
    apply(upload, SUSPENDED, officer, withdrawals=1)
    after = Client().get(path)
    assert after.templates  # rendered again
    assert "Suspended" in after.content.decode()
