"""TURN credentials in coturn's REST-API shared-secret scheme."""

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

from casework.video.turn import CoturnRestTurn, NullTurn, coturn_credential, turn_service

NOW = datetime(2026, 6, 4, 7, 55, tzinfo=UTC)


def test_the_password_is_the_base64_hmac_sha1_of_the_username() -> None:
    made = coturn_credential("north-wind", "42", 1780560000)
    assert made.username == "1780560000:42"
    expected = base64.b64encode(
        hmac.new(b"north-wind", b"1780560000:42", hashlib.sha1).digest()
    ).decode()
    assert made.credential == expected


def test_credentials_last_until_the_window_closes_and_never_beyond_the_ttl(settings: Any) -> None:
    settings.VIDEO_STUN_URLS = ["stun:stun.example.org:3478"]
    turn = CoturnRestTurn("secret", ["turn:turn.example.org:3478"], ttl_seconds=3600)
    soon = turn.ice_servers(user_id="7", now=NOW, until=NOW + timedelta(minutes=20))
    assert soon[0] == {"urls": ["stun:stun.example.org:3478"]}
    assert soon[1]["username"] == f"{int((NOW + timedelta(minutes=20)).timestamp())}:7"
    late = turn.ice_servers(user_id="7", now=NOW, until=NOW + timedelta(hours=5))
    assert late[1]["username"] == f"{int(NOW.timestamp()) + 3600}:7"


def test_without_turn_servers_only_stun_is_handed_out(settings: Any) -> None:
    settings.VIDEO_TURN_URLS = []
    settings.VIDEO_STUN_URLS = []
    assert isinstance(turn_service(), NullTurn)
    assert turn_service().ice_servers(user_id="1", now=NOW, until=NOW) == []
