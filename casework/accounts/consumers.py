from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from casework.accounts.live import session_group

UNAUTHENTICATED = 4401


class AccountEventsConsumer(AsyncJsonWebsocketConsumer):
    """Tells the open pages of a session that it has been signed out elsewhere."""

    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        session = self.scope.get("session")
        if user is None or not user.is_authenticated or not session or not session.session_key:
            await self.close(code=UNAUTHENTICATED)
            return
        self.group = session_group(session.session_key)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Clients only listen on this socket; anything they send is ignored."""

    async def session_ended(self, event: dict[str, Any]) -> None:
        await self.send_json({"event": "session_ended"})
        await self.close()
