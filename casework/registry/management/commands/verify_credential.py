"""Check a credential on the command line, online or fully offline.

    manage.py verify_credential credential.jwt
    manage.py verify_credential credential.jwt --did-document did.json \
        --status-list revocation.jwt --status-list suspension.jwt

Without --did-document the issuer's DID document is fetched from SITE_URL; without
--status-list the status lists are fetched from the addresses the credential names. With both
options nothing is fetched. Exits 0 when the credential is valid, 1 when it is not (listing
why).
"""

import json
import urllib.request
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework.registry.credentials import jws
from casework.registry.credentials.did import did_document_url
from casework.registry.credentials.verification import verify_credential_jwt

MAX_RESPONSE_BYTES = 4 * 1024 * 1024
TIMEOUT_SECONDS = 10


def fetch_text(url: str, *, accept: str) -> str | None:
    """GET an http(s) address; None when it cannot be had."""
    if not url.startswith(("https://", "http://")):
        return None
    request = urllib.request.Request(url, headers={"Accept": accept})  # noqa: S310  (scheme checked above)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310  (scheme checked above)
            body: bytes = response.read(MAX_RESPONSE_BYTES + 1)
    except OSError:
        return None
    if len(body) > MAX_RESPONSE_BYTES:
        return None
    return body.decode("utf-8", errors="replace")


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror}") from error


def _status_lists_from_files(paths: list[str]) -> dict[str, str]:
    """Each file holds one status list credential (a JWT); it is filed under its "id". Its
    signature is checked later, like the credential's."""
    lists = {}
    for path in paths:
        token = _read(path).strip()
        try:
            list_id = jws.parse_compact(token).payload.get("id")
        except jws.MalformedToken as error:
            raise CommandError(f"{path} is not a status list credential.") from error
        if not isinstance(list_id, str):
            raise CommandError(f"{path} is not a status list credential: it has no id.")
        lists[list_id] = token
    return lists


class Command(BaseCommand):
    help = "Verify a Casework credential (a vc+jwt); exit 0 when valid, 1 when not."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a file holding the credential (a JWT)")
        parser.add_argument(
            "--did-document", metavar="FILE", help="the issuer's DID document (did.json)"
        )
        parser.add_argument(
            "--status-list",
            metavar="FILE",
            action="append",
            default=[],
            help="a status list credential (repeat for each list)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        token = _read(options["file"]).strip()
        if options["did_document"]:
            try:
                did_document = json.loads(_read(options["did_document"]))
            except json.JSONDecodeError as error:
                raise CommandError("The DID document is not JSON.") from error
        else:
            fetched = fetch_text(did_document_url(), accept="application/did+json")
            try:
                did_document = json.loads(fetched) if fetched else None
            except json.JSONDecodeError:
                did_document = None
            if did_document is None:
                raise CommandError(f"Could not fetch the DID document at {did_document_url()}.")
        if not isinstance(did_document, dict):
            raise CommandError("The DID document is not a JSON object.")
        status_lists: Any = (
            _status_lists_from_files(options["status_list"])
            if options["status_list"]
            else (lambda url: fetch_text(url, accept="application/vc+jwt"))
        )
        result = verify_credential_jwt(token, did_document=did_document, status_lists=status_lists)
        summary = result.summary
        if summary is not None:
            # Whose it is, with the regulator's place: two boards may share one name.
            self.stdout.write(
                f"Whose credential: {summary.name}, registered with {summary.regulator_name} "
                f"({summary.jurisdiction}) under number {summary.registration_number} "
                f"({summary.registration_status}); issued by {summary.issuer}"
            )
        if result.ok:
            self.stdout.write(self.style.SUCCESS("Valid."))
            return
        for problem in result.problems:
            self.stderr.write(f"- {problem}")
        raise CommandError("Not valid.", returncode=1)
