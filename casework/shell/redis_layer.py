"""The Redis channel layer (scaled layout), with a blocking read that stops when asked to.

channels_redis waits for a live process's messages with BZPOPMIN (5 s), over and over until a
message comes. On Python 3.11 redis-py sends each command through ``asyncio.wait_for``, which
loses a cancellation that arrives just as the send completes (CPython gh-86296): the read then
goes on turning, the consumer whose task it is never ends, and an event loop shutting down
(``asyncio.run`` cancelling its tasks) waits for it forever. While redis-py's read timeout was as
long as the BZPOPMIN (5 s), that read failed after every quiet 5 s, which ended such a loop but
also closed the open websocket whose turn it was to read (code 1005). With the read given longer
than the BZPOPMIN (settings), the loop must notice by itself that its task was asked to stop.
"""

import asyncio

from channels_redis.core import RedisChannelLayer


class StoppableRedisChannelLayer(RedisChannelLayer):
    async def _brpop_with_clean(self, index: int, channel: str, timeout: float) -> bytes | None:
        member: bytes | None = await super()._brpop_with_clean(index, channel, timeout)
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            # Asked to stop, and the request was lost on the way. A message popped here is kept
            # in its backup queue, which the next read puts back first (channels_redis).
            raise asyncio.CancelledError
        return member
