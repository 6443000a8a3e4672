#!/usr/bin/env python3
"""A short Casework API client: find a social worker, book their next free slot, write to them.

Standard library only. Make a personal access token on your account page (/accounts/tokens/)
with "Appointments and bookings" and "Conversations and messages" set to "read and write", then:

    CASEWORK_TOKEN=cw_... python examples/casework_client.py \\
        --site https://casework.example --where GB-ENG --language en \\
        --message "Hello, I booked a session with you."

Every write carries an Idempotency-Key, so a retry after a lost answer never books or sends
twice. Every failure answers {"error": {"code", "message", "fields"}}.
"""

import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any


class ApiError(Exception):
    def __init__(self, status: int, error: dict[str, Any]) -> None:
        super().__init__(f"{status} {error.get('code')}: {error.get('message')}")
        self.status = status
        self.error = error


class Casework:
    def __init__(self, site: str, token: str) -> None:
        self.base = site.rstrip("/") + "/api/v1"
        self.token = token

    def call(self, method: str, path: str, body: object = None, *, key: str = "") -> Any:
        url = path if path.startswith("http") else self.base + path
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if key:
            headers["Idempotency-Key"] = key
        request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return json.load(response)
        except urllib.error.HTTPError as failure:
            raise ApiError(failure.code, json.load(failure).get("error", {})) from None

    def search(self, **criteria: str) -> list[dict[str, Any]]:
        query = urllib.parse.urlencode({k: v for k, v in criteria.items() if v})
        page = self.call("GET", f"/practitioners?{query}")
        return list(page["results"])

    def free_slots(self, practitioner: dict[str, Any]) -> dict[str, Any]:
        return dict(self.call("GET", practitioner["slots_url"]))

    def book(self, session_type: int, slot_id: str, where: str) -> dict[str, Any]:
        payload = {"session_type": session_type, "slot_id": slot_id, "where": where}
        return dict(self.call("POST", "/appointments", payload, key=str(uuid.uuid4())))

    def conversations(self) -> list[dict[str, Any]]:
        return list(self.call("GET", "/conversations"))

    def send(self, conversation_id: str, body: str) -> dict[str, Any]:
        path = f"/conversations/{conversation_id}/messages"
        return dict(self.call("POST", path, {"body": body}, key=str(uuid.uuid4())))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", required=True, help="e.g. https://casework.example")
    parser.add_argument("--token", default=os.environ.get("CASEWORK_TOKEN", ""))
    parser.add_argument("--where", required=True, help="Where you are: ISO 3166, e.g. GB-ENG")
    parser.add_argument("--language", default="", help="ISO 639, e.g. en")
    parser.add_argument("--query", default="", help="Free text: a name, a specialty...")
    parser.add_argument("--message", required=True, help="What to write to them")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("give --token or set CASEWORK_TOKEN")
    api = Casework(args.site, args.token)
    try:
        found = api.search(where=args.where, language=args.language, q=args.query)
        if not found:
            print("Nobody listed matches.")
            return 1
        practitioner = found[0]
        print(f"Found {practitioner['display_name']} ({practitioner['id']}).")
        free = api.free_slots(practitioner)
        if not free["slots"]:
            print("No free slot in the next month.")
            return 1
        slot = free["slots"][0]
        appointment = api.book(slot["session_type"], slot["slot_id"], args.where)
        print(f"Booked {appointment['start']} ({appointment['status']}), id {appointment['id']}.")
        name = practitioner["display_name"]
        # Only a conversation with them: never another person's, whatever comes first.
        mine = [c for c in api.conversations() if name in c["title"]]
        if not mine:
            print(f"No conversation with {name} to write in yet: start one on the site.")
            return 1
        message = api.send(mine[0]["id"], args.message)
        print(f"Sent message {message['seq']} in conversation {mine[0]['id']}.")
    except ApiError as failure:
        print(f"Refused: {failure}", file=sys.stderr)
        for field, problems in failure.error.get("fields", {}).items():
            print(f"  {field}: {'; '.join(problems)}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
