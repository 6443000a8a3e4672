"""Cold weight of the five main pages: bytes a first visit transfers, compressed as served.

A throwaway SQLite database gets the demo data and the static files are collected as `make run`
and production serve them (hashed, compressed: CASEWORK_STATIC_MANIFEST). Each page is fetched
in-process by a browser that accepts gzip and has nothing cached; then every stylesheet, script
and image it names on this site, and the place picker's list, once per page. The goal is under
40 kB per page, first visit included.

    python -m bench.weight
"""

import json
import os
import subprocess
import sys
from typing import Any

from bench.databases import throwaway_sqlite
from bench.serving import ROOT

GOAL_BYTES = 40_000

# Runs in a child process whose DATABASE_URL and CASEWORK_VAR_DIR name a throwaway place.
WORKER = r"""
import json, re, sys
from html import unescape
import django
django.setup()
from django.core.management import call_command
from django.test import Client

call_command("migrate", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
call_command("seed_demo", verbosity=0, stdout=open("/dev/null", "w"))
from casework.directory.queries import listed_profiles

profile = listed_profiles().order_by("pk").first()
pages = {
    "home": "/",
    "find": "/find/",
    "profile": f"/practitioners/{profile.slug}/" if profile else "/find/",
    "verify": "/verify/",
    "sign up": "/accounts/signup/",
}
ASSET = re.compile(
    r'<(?:link[^>]+href|script[^>]+src|img[^>]+src)="(/[^"]+)"|data-places="(/[^"]+)"'
)


def transferred(client, path):
    response = client.get(path, HTTP_ACCEPT_ENCODING="gzip")
    body = b"".join(response) if response.streaming else response.content
    return response.status_code, len(body), response.get("Content-Encoding", ""), body


figures = {}
for name, path in pages.items():
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    status, html_bytes, encoding, body = transferred(client, path)
    plain = client.get(path).content
    assets = {}
    for linked, places in ASSET.findall(plain.decode()):
        url = unescape(linked or places)
        if url in assets or url.startswith("//"):
            continue
        assets[url] = transferred(client, url)[1]
    figures[name] = {
        "path": path, "status": status, "html": html_bytes, "html_plain": len(plain),
        "encoding": encoding, "assets": assets,
    }
print(json.dumps(figures))
"""


def _run(env: dict[str, str]) -> dict[str, Any]:
    result = subprocess.run(  # noqa: S603  (our own interpreter and script)
        [sys.executable, "-c", WORKER],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "casework.settings",
            "CASEWORK_STATIC_MANIFEST": "true",
            **env,
        },
        check=True,
        capture_output=True,
        text=True,
    )
    figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    with throwaway_sqlite() as env:
        figures = _run(env)
    print(
        "Cold weight of the main pages (Spanish, gzip accepted, nothing cached; "
        f"goal < {GOAL_BYTES // 1000} kB):"
    )
    for name, page in figures.items():
        assets = sum(page["assets"].values())
        total = page["html"] + assets
        verdict = "ok" if total < GOAL_BYTES else "OVER"
        print(
            f"  {name:<8} {page['path']:<34} HTML {page['html'] / 1000:5.1f} kB "
            f"({page['encoding'] or 'plain'}, {page['html_plain'] / 1000:5.1f} kB unpacked)"
            f" + {len(page['assets'])} files {assets / 1000:5.1f} kB"
            f" = {total / 1000:5.1f} kB  {total / GOAL_BYTES:4.0%} of goal  {verdict}"
        )
        for url, size in sorted(page["assets"].items(), key=lambda item: -item[1]):
            print(f"           {size / 1000:6.1f} kB  {url}")


if __name__ == "__main__":
    main()
