"""Websockets that stay bound to the session that opened them.

A page's socket outlives the request that authenticated it, so a consumer that shows private
content joins its session's group (signing out everywhere closes it at once) and, on each
heartbeat, checks that the session still stands under the same rules pages apply: not ended
or expired, signed with the current password, the person still active, and for staff within
the idle and total limits.
"""

import time
from importlib import import_module
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.utils.crypto import constant_time_compare

from casework.accounts.live import session_group
from casework.accounts.middleware import LAST_SEEN_AT, SIGNED_IN_AT
from casework.accounts.models import User

SESSION_GONE = 4401


def session_stands(session_key: str, person_id: int) -> bool:
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    data = store.load()
    if str(data.get(SESSION_KEY, "")) != str(person_id):
        return False  # ended, expired, or now someone else's
    person = User.objects.filter(pk=person_id, is_active=True).first()
    if person is None:
        return False
    # As pages do (django.contrib.auth.get_user): a session signed before the password changed
    # carries the old password's hash, and no longer stands.
    if not constant_time_compare(
        str(data.get(HASH_SESSION_KEY, "")), person.get_session_auth_hash()
    ):
        return False
    if person.is_staff_role:
        now = int(time.time())
        idle = now - int(data.get(LAST_SEEN_AT, now)) > settings.STAFF_SESSION_IDLE_SECONDS
        too_long = now - int(data.get(SIGNED_IN_AT, now)) > settings.STAFF_SESSION_MAX_SECONDS
        if idle or too_long:
            return False
    return True


class SessionBoundConsumer(AsyncJsonWebsocketConsumer):
    """Mix into a consumer: call ``bind_to_session`` once accepted, ``session_still_stands``
    on each heartbeat; a session ended elsewhere closes the socket by itself."""

    session_key: str = ""
    bound_person_id: int | None = None
    session_group_name: str | None = None

    async def bind_to_session(self, person_id: int) -> bool:
        session = self.scope.get("session")
        key = getattr(session, "session_key", None) or ""
        if not key:
            await self.close(code=SESSION_GONE)
            return False
        self.session_key, self.bound_person_id = key, person_id
        self.session_group_name = session_group(key)
        await self.channel_layer.group_add(self.session_group_name, self.channel_name)
        return True

    async def unbind_from_session(self) -> None:
        if self.session_group_name:
            await self.channel_layer.group_discard(self.session_group_name, self.channel_name)

    async def session_still_stands(self) -> bool:
        if self.bound_person_id is None:
            return False
        stands = await database_sync_to_async(session_stands)(
            self.session_key, self.bound_person_id
        )
        if not stands:
            await self.close(code=SESSION_GONE)
        return bool(stands)

    async def session_ended(self, event: dict[str, Any]) -> None:
        await self.close(code=SESSION_GONE)
