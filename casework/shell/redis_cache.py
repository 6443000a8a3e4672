"""Django's Redis cache with fewer costs per operation, for the pages every visitor asks for.

Django's client builds a new ``redis.Redis`` for every cache operation. redis-py fills about
two hundred response callbacks in each one, which was an eighth of a kept ``/verify/`` answer's
time (three operations a request: the rate limit's two and the kept page's read). A client is
safe to share between threads (it takes a connection from its pool per command), so one is kept
per pool. ``incr`` asks Redis once instead of twice (Django checks the key exists, then
increments): django-ratelimit calls it on every counted request after the first in a window.
``count`` is a rate limit's counting in one round trip: django-ratelimit's is two (``add``, then
``incr``), which the public reads' limits (``shell/outages.py``) no longer pay.
Errors are redis-py's own, so an outage is still seen as one (``shell/outages.py``).
"""

from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

# Increments only a key that exists, as Django's ``incr`` promises (a missing key is a
# ValueError), in one round trip.
INCREMENT_EXISTING = """
if redis.call('EXISTS', KEYS[1]) == 1 then
    return redis.call('INCRBY', KEYS[1], ARGV[1])
end
return false
"""

# Counts one more in a window's counter, created with its expiry by the first count: what
# ``add(key, 1, timeout)`` then ``incr(key)`` do together, atomically and in one round trip.
# The counter is a plain integer, as Django's serializer stores one, so ``get`` reads it.
COUNT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then
    redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return count
"""


class KeptClient(RedisCacheClient):
    # Django's own, which django-stubs leaves out of its public view.
    _client: Callable[..., Any]
    _get_connection_pool: Callable[[bool], Any]

    def __init__(self, servers: list[str], **options: Any) -> None:
        super().__init__(servers, **options)
        # Per connection pool (one per server, never replaced): its client and the scripts
        # registered on it. Two threads may build one each at first; either is correct.
        self._kept: dict[int, tuple[Any, Any, Any]] = {}

    def _kept_client(self, write: bool) -> tuple[Any, Any, Any]:
        pool = self._get_connection_pool(write)
        kept = self._kept.get(id(pool))
        if kept is None:
            client = self._client(connection_pool=pool)
            kept = self._kept[id(pool)] = (
                client,
                client.register_script(INCREMENT_EXISTING),
                client.register_script(COUNT),
            )
        return kept

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        return self._kept_client(write)[0]

    def incr(self, key: Any, delta: int) -> int:
        value = self._kept_client(write=True)[1](keys=[key], args=[delta])
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return int(value)

    def count(self, key: Any, timeout: int) -> int:
        return int(self._kept_client(write=True)[2](keys=[key], args=[timeout]))


class KeptRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = KeptClient

    def count(self, key: str, timeout: int, version: int | None = None) -> int:
        """One more in the counter ``key``, which the first count creates to expire after
        ``timeout`` seconds; the count so far. One round trip."""
        client = self._cache
        assert isinstance(client, KeptClient)  # noqa: S101  (set in __init__)
        return client.count(self.make_and_validate_key(key, version=version), timeout)
