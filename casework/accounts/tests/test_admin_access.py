"""An administrator who changes what someone may do leaves a trace: the admin site changes a
role, staff or superuser status, activity or groups only through audited services."""

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from casework.accounts.models import Role, User
from casework.privacy.models import AuditEvent

pytestmark = pytest.mark.django_db


def _form_data(client: Client, person: User) -> dict[str, Any]:
    """The admin change form of ``person`` as it stands, ready to post."""
    page = client.get(reverse("admin:accounts_user_change", args=[person.pk]))
    assert page.status_code == 200
    form = page.context["adminform"].form
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else value
    return data


def test_making_someone_an_administrator_is_audited_with_before_and_after(
    admin_person: User, client_person: User, client: Client
) -> None:
    client.force_login(admin_person)
    data = _form_data(client, client_person)
    data.update(role=Role.ADMIN, is_staff="on", is_superuser="on", alias="Robin R.")
    data["legal_name"] = "Robin Reyes"  # staff are known by their legal name
    response = client.post(reverse("admin:accounts_user_change", args=[client_person.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    client_person.refresh_from_db()
    assert (client_person.role, client_person.is_staff, client_person.is_superuser) == (
        Role.ADMIN,
        True,
        True,
    )
    assert client_person.alias == "Robin R."
    event = AuditEvent.objects.get(action="account.access_changed", subject_id=client_person.pk)
    assert event.actor_id == admin_person.pk
    assert event.detail == {
        "before": {"role": Role.CLIENT, "is_staff": False, "is_superuser": False},
        "after": {"role": Role.ADMIN, "is_staff": True, "is_superuser": True},
    }


def test_editing_only_a_name_records_no_change_of_access(
    admin_person: User, client_person: User, client: Client
) -> None:
    client.force_login(admin_person)
    data = _form_data(client, client_person)
    data["alias"] = "Robin R."
    response = client.post(reverse("admin:accounts_user_change", args=[client_person.pk]), data)
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="account.access_changed").exists()


def test_a_change_of_groups_is_audited(
    admin_person: User, client_person: User, client: Client
) -> None:
    reviewers = Group.objects.create(name="Claim reviewers")
    client.force_login(admin_person)
    data = _form_data(client, client_person)
    data["groups"] = [reviewers.pk]
    client.post(reverse("admin:accounts_user_change", args=[client_person.pk]), data)
    event = AuditEvent.objects.get(action="account.groups_changed", subject_id=client_person.pk)
    assert event.detail == {"added": ["Claim reviewers"], "removed": []}


def test_a_refused_change_stores_nothing(
    admin_person: User, client_person: User, client: Client
) -> None:
    client.force_login(admin_person)
    data = _form_data(client, client_person)
    # Staff status belongs to administrators alone (a database constraint): a form error.
    data.update(role=Role.CLIENT, is_staff="on")
    response = client.post(reverse("admin:accounts_user_change", args=[client_person.pk]), data)
    client_person.refresh_from_db()
    assert not client_person.is_staff
    assert response.status_code in (200, 302)
    assert not AuditEvent.objects.filter(action="account.access_changed").exists()
