"""The world of tests/access_world.py as a fixture, for the modules that open every route in
it (the authorization matrix, the hostile-input property test).

The world is built once per module, in a transaction rolled back at the module's end, with the
clock standing at ``NOW`` and uploaded files in a temporary folder.
"""

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import time_machine
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.db import transaction
from django.test import override_settings
from pytest_django import DjangoDbBlocker

from tests.access_world import NOW, World, build_world


@pytest.fixture(scope="module")
def world(
    django_db_setup: None,
    django_db_blocker: DjangoDbBlocker,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[World]:
    media: Path = tmp_path_factory.mktemp("media")
    storages = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": media},
        },
    }
    with ExitStack() as stack:
        stack.enter_context(django_db_blocker.unblock())
        stack.enter_context(time_machine.travel(NOW, tick=False))
        stack.enter_context(override_settings(STORAGES=storages))
        outer = transaction.atomic()
        outer.__enter__()
        try:
            made = build_world()
            add_account_objects(made)
            yield made
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def add_account_objects(world: World) -> None:
    """The keys allauth's addresses carry, and rows only the admin site names."""
    client = world.objects["client_person"]
    new_address = EmailAddress.objects.create(
        user=client, email="robin.new@example.org", primary=False, verified=False
    )
    world.objects["confirmation_key"] = EmailConfirmationHMAC(new_address).key
    world.objects["reset_uid"] = user_pk_to_url_str(client)
    world.objects["reset_key"] = default_token_generator.make_token(client)
