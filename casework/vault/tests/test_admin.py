import base64

import pytest
from django.test import Client
from django.urls import reverse

from casework.accounts.models import User
from casework.testing.vault import DataKeyFactory

pytestmark = pytest.mark.django_db


def test_administrators_see_data_keys_but_never_the_wrapped_key(
    admin_person: User, client: Client
) -> None:
    data_key = DataKeyFactory.create(owner="person:77")
    wrapped = bytes(data_key.wrapped_key)
    client.force_login(admin_person)
    pages = [
        client.get(reverse("admin:vault_datakey_changelist")),
        client.get(reverse("admin:vault_datakey_change", args=[data_key.pk])),
    ]
    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        assert "person:77" in html
        for spelling in (wrapped.hex(), base64.b64encode(wrapped).decode(), "Wrapped key"):
            assert spelling not in html
    assert 'type="submit" value="Save"' not in pages[1].content.decode()
    for refused in (
        reverse("admin:vault_datakey_add"),
        reverse("admin:vault_datakey_delete", args=[data_key.pk]),
    ):
        assert client.get(refused).status_code == 403
