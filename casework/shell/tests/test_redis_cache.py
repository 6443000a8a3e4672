"""The Redis cache keeps Django's promises (and django-ratelimit's counting) while it keeps one
client per server and increments in one round trip."""

import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.http import HttpRequest
from django.test import RequestFactory
from django.utils import timezone
from django_ratelimit.core import is_ratelimited
from pytest_django import Settings
from redis.exceptions import ConnectionError as RedisConnectionError

from casework.shell.outages import over_reading_limit
from casework.shell.redis_cache import KeptRedisCache

pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs Redis (the PostgreSQL + Redis run)"
)


@pytest.fixture
def cache() -> Iterator[KeptRedisCache]:
    kept = KeptRedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    yield kept
    kept.clear()


def test_incr_counts_an_existing_key_and_refuses_a_missing_one_as_django_promises(
    cache: KeptRedisCache,
) -> None:
    with pytest.raises(ValueError, match="not found"):
        cache.incr("absent")
    assert cache.get("absent") is None  # the refusal did not create it

    cache.set("count", 5)
    assert cache.incr("count") == 6
    assert cache.incr("count", 10) == 16
    assert cache.get("count") == 16
    assert cache.decr("count", 6) == 10


def _commands_sent(cache: KeptRedisCache, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the commands the cache's client sends from now on."""
    client = cache._cache.get_client(write=True)
    commands: list[str] = []
    execute = client.execute_command

    def counted(*args: object, **options: object) -> object:
        commands.append(str(args[0]))
        return execute(*args, **options)

    monkeypatch.setattr(client, "execute_command", counted)
    return commands


def test_an_increment_asks_redis_once(
    cache: KeptRedisCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache.set("count", 1)
    commands = _commands_sent(cache, monkeypatch)

    assert cache.incr("count") == 2
    assert commands == ["EVALSHA"]


def test_one_client_is_kept_and_shared_by_threads_counting_together(
    cache: KeptRedisCache,
) -> None:
    cache.set("together", 0)
    with ThreadPoolExecutor(8) as threads:
        list(threads.map(lambda _: cache.incr("together"), range(400)))

    assert cache.get("together") == 400
    assert cache._cache.get_client() is cache._cache.get_client(write=True)


def test_django_ratelimit_counts_each_request_and_refuses_past_the_rate(
    settings: Settings,
) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "casework.shell.redis_cache.KeptRedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    request = RequestFactory().get("/verify/", REMOTE_ADDR="203.0.113.9")
    group = f"test.{uuid.uuid4().hex}"

    # The clock stands still: an hour's window that ended between two requests would count anew.
    with time_machine.travel(timezone.now(), tick=False):
        answers = [
            is_ratelimited(request, group=group, key="ip", rate="3/h", increment=True)
            for _ in range(5)
        ]

    assert answers == [False, False, False, True, True]


def test_an_unreachable_redis_raises_redis_own_error_so_outages_are_seen() -> None:
    dead = KeptRedisCache("redis://127.0.0.1:1/0", {})

    with pytest.raises(RedisConnectionError):
        dead.incr("anything")
    with pytest.raises(RedisConnectionError):
        dead.get("anything")


def test_count_creates_the_counter_with_its_expiry_then_counts_in_one_round_trip(
    cache: KeptRedisCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cache.count("window", 65) == 1
    client = cache._cache.get_client(write=True)
    assert 60 < client.ttl(cache.make_and_validate_key("window")) <= 65
    commands = _commands_sent(cache, monkeypatch)

    assert [cache.count("window", 65) for _ in range(3)] == [2, 3, 4]
    assert commands == ["EVALSHA"] * 3
    assert cache.get("window") == 4  # a plain integer, as Django keeps one


def test_a_public_reads_limit_counts_each_request_once_as_django_ratelimit_does(
    settings: Settings,
) -> None:
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "casework.shell.redis_cache.KeptRedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": prefix,
        }
    }
    group = f"test.{uuid.uuid4().hex}"

    def ask() -> HttpRequest:
        return RequestFactory().get("/verify/", REMOTE_ADDR="203.0.113.9")

    with time_machine.travel(timezone.now(), tick=False):
        request = ask()
        # Asked twice for one request (before the operation and in it): counted once.
        twice = [over_reading_limit(request, group=group, rate="3/h") for _ in range(2)]
        answers = [over_reading_limit(ask(), group=group, rate="3/h") for _ in range(3)]
        # The same counter as django-ratelimit's: it sees the four counted so far.
        theirs = is_ratelimited(ask(), group=group, key="ip", rate="3/h", increment=False)

    assert twice == [False, False]
    assert answers == [False, False, True]
    assert theirs is True
