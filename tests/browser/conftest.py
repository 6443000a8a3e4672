"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Every test here is skipped, with the reason, where ``/usr/bin/chromium`` is not installed.
Nothing is downloaded: Playwright launches the system browser.
"""

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings as django_settings
from django.core import mail
from django.core.cache import cache
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from casework.accounts.models import User

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SKIP_REASON = f"browser tests need Debian's Chromium at {CHROMIUM}, which is not installed"
# Auto-waiting gives up after this long: long enough for Argon2 on a slow machine.
TIMEOUT_MS = 15_000

BROWSER_TESTS = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if BROWSER_TESTS in item.path.parents:
            item.add_marker(skip)


# Package scope: Playwright stops once the browser tests are done, so the tests that run after
# them (pytest-django runs transactional tests last, wherever they live) find no event loop
# running in the main thread, and ``async_to_sync`` (the live announcements) works again.
@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.skip(SKIP_REASON)
    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API keeps an event loop running in the main thread, so Django's
        # async-unsafe guard would refuse every ORM call made from it from now on: the tests'
        # own, and the database flush between tests. Nothing here really runs concurrently
        # with that loop. Set only once Playwright starts, so the tests collected before the
        # browser tests (channels consumers, for instance) keep the guard.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as driver:
            yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield chromium
    chromium.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile per test: no cookies, no storage, British English."""
    profile = browser.new_context(locale="en-GB", timezone_id="Europe/London")
    profile.set_default_timeout(TIMEOUT_MS)
    yield profile
    profile.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def profile_in(browser: Browser) -> Iterator[Callable[[str], BrowserContext]]:
    """``profile_in(language)``: a fresh browser profile of its own in "en" or "es", signed
    in as nobody (see ``helpers.signed_in_as``); several per test, for several people."""
    from tests.browser.helpers import LOCALES

    profiles: list[BrowserContext] = []

    def new_profile(language: str) -> BrowserContext:
        profile = browser.new_context(locale=LOCALES[language], timezone_id="Europe/London")
        profile.set_default_timeout(TIMEOUT_MS)
        profiles.append(profile)
        return profile

    yield new_profile
    for profile in profiles:
        profile.close()


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    """allauth counts sign-ups and failed sign-ins in the cache; each test starts at zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def site(live_server: Any) -> str:
    """The live server's address, without a trailing slash."""
    url: str = live_server.url
    return url.rstrip("/")


CONFIRM_LINK = re.compile(r"https?://\S+/accounts/confirm-email/[^/\s]+/")


@pytest.fixture
def confirmation_link() -> Callable[[str], str]:
    """``confirmation_link(address)``: the link in the last confirmation email to ``address``.

    Tasks run immediately in tests and the live server is a thread of this process, so the
    email is already in ``mail.outbox`` when the page that sent it has loaded.
    """

    def find(to: str) -> str:
        sent = [message for message in mail.outbox if to in message.to]
        assert sent, f"no email was sent to {to}; outbox: {[m.to for m in mail.outbox]}"
        body = str(sent[-1].body)
        match = CONFIRM_LINK.search(body)
        assert match, f"no confirmation link in the last email to {to}:\n{body}"
        return match.group(0)

    return find


# WCAG 2.2 level AA, as axe-core tags it (each level's rules carry their own tag).
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_report(url: str, violations: list[dict[str, Any]]) -> str:
    """Violations, one rule at a time, with every offending element's CSS selector."""
    lines = [f"{len(violations)} accessibility rule(s) broken on {url}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact') or 'no impact given'}): "
            f"{violation['help']} <{violation.get('helpUrl', '')}>"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}")
            summary = str(node.get("failureSummary") or "").strip()
            for detail in summary.splitlines():
                lines.append(f"      {detail.strip()}")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def axe() -> Any:
    return Axe()


@pytest.fixture
def assert_accessible(axe: Any) -> Callable[[Page], None]:
    """``assert_accessible(page)``: axe-core finds no WCAG 2.2 AA violation on the page."""

    def check(page: Page) -> None:
        page.wait_for_load_state("load")
        results = axe.run(
            page,
            options={
                "runOnly": {"type": "tag", "values": WCAG_22_AA},
                "resultTypes": ["violations"],
            },
        )
        violations: list[dict[str, Any]] = results.response["violations"]
        if violations:
            pytest.fail(axe_report(page.url, violations), pytrace=False)

    return check


@pytest.fixture
def asgi_site(transactional_db: None, settings: Any) -> Iterator[str]:
    """Pages and websockets on one origin: ``casework.asgi:application`` served by uvicorn in a
    thread of this process, as the embedded machine runs it. Yields its address, without a
    trailing slash. (``site``, pytest-django's WSGI live server, speaks no websockets.)

    All the synchronous work of the server (views, and the consumers' database calls) runs in
    the one thread that runs the server: ``async_to_sync`` makes it the executor of every
    thread-sensitive ``sync_to_async`` on the server's event loop. So requests reach the
    database one at a time, over one connection. With SQLite, that connection is the tests' own
    in-memory one, shared as Django's live server shares it: a second connection to the
    shared-cache database would fail now and then with "database table is locked" when it met
    the other's write. The channel layer is the configured one: in-memory (this process only,
    which is why the server runs in a thread) or Redis.

    Set up data before the pages open: services that announce changes to open pages call
    ``async_to_sync``, which refuses to run in the tests' thread, where Playwright's event loop
    runs, so have the pages make such changes.
    """
    import socket
    import threading
    import time

    import uvicorn
    from asgiref.sync import async_to_sync
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
    from django.db import connections
    from django.db.backends.sqlite3.base import DatabaseWrapper as SQLite

    from casework.asgi import application

    settings.LIVE_URL = ""  # the pages' websockets go to the page's own origin
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            # Static files as the live server serves them (Django's handler, from the finders).
            ASGIStaticFilesHandler(application),
            lifespan="off",
            log_level="warning",
            timeout_graceful_shutdown=5,
        )
    )
    shared = {
        conn.alias: conn
        for conn in connections.all()
        if isinstance(conn, SQLite) and conn.is_in_memory_db()
    }
    failures: list[BaseException] = []

    def serve() -> None:
        for alias, conn in shared.items():
            connections[alias] = conn
        try:
            async_to_sync(server.serve)(sockets=[listener])
        except BaseException as error:  # reported by the test, not lost in this thread
            failures.append(error)
        finally:
            connections.close_all()

    for conn in shared.values():
        conn.inc_thread_sharing()
    thread = threading.Thread(target=serve, name="asgi-site", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while not server.started:
            if failures or not thread.is_alive() or time.monotonic() > deadline:
                pytest.fail(f"the ASGI server did not start: {failures!r}")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        listener.close()
        for conn in shared.values():
            conn.dec_thread_sharing()
    assert not thread.is_alive(), "the ASGI server did not stop"
    assert not failures, f"the ASGI server failed: {failures[0]!r}"


@pytest.fixture
def profile_of(browser: Browser, asgi_site: str) -> Iterator[Callable[[User], BrowserContext]]:
    """``profile_of(person)``: a browser profile of its own, in the person's language, signed
    in as them (standing for a completed sign-in with MFA) on the ASGI site."""
    profiles: list[BrowserContext] = []

    def new_profile(person: User) -> BrowserContext:
        locale = "es-ES" if person.language == "es" else "en-GB"
        profile = browser.new_context(locale=locale, timezone_id="Europe/London")
        profile.set_default_timeout(TIMEOUT_MS)
        profiles.append(profile)
        client = Client()
        client.force_login(person)
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        profile.add_cookies(
            [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": asgi_site}]
        )
        return profile

    yield new_profile
    for profile in profiles:
        profile.close()
