"""The caseload's live socket: ``ws/care/caseload/``. The server sends ``{"event":
"changed"}`` when a flag is raised or acknowledged or a check-in answered; the page then
reloads its table over HTTP with the practitioner's own permissions."""

from typing import Any

from channels.db import database_sync_to_async
from django.utils.dateparse import parse_datetime
from django.utils.functional import LazyObject

from casework.accounts.models import Role, User
from casework.accounts.second_factor import has_second_factor
from casework.accounts.sockets import SessionBoundConsumer
from casework.care.live import caseload_group
from casework.care.queries import changed_since

UNAUTHENTICATED = 4401
FORBIDDEN = 4403


def _may_watch_caseload(person: User) -> bool:
    # As on pages: practitioners only, and only with a second factor.
    return person.role == Role.PRACTITIONER and has_second_factor(person)


class CaseloadConsumer(SessionBoundConsumer):
    group: str | None = None
    practitioner_id: int | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=UNAUTHENTICATED)
            return
        if isinstance(user, LazyObject):  # channels' lazy user; the ORM wants the real one
            user = user._wrapped
        if not await database_sync_to_async(_may_watch_caseload)(user):
            await self.close(code=FORBIDDEN)
            return
        self.practitioner_id = user.pk
        self.group = caseload_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.bind_to_session(user.pk)

    async def disconnect(self, code: int) -> None:
        await self.unbind_from_session()
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """The page asks once, on (re)connecting, whether anything changed since it read its
        table; anything else it might send is ignored."""
        if self.practitioner_id is None:
            return
        if not isinstance(content, dict) or content.get("type") != "since":
            return
        since = parse_datetime(str(content.get("at", ""))[:40])
        if since is None or since.tzinfo is None:
            return
        if await database_sync_to_async(changed_since)(self.practitioner_id, since):
            await self.send_json({"event": "changed"})

    async def caseload_changed(self, event: dict[str, Any]) -> None:
        await self.send_json({"event": "changed"})
