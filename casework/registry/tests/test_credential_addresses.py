"""Every address an issued credential names answers: its JSON-LD vocabulary, its status lists
and its issuer's DID document (by did:web's rules, also for a site below a path, and across
key rotation). Each address is fetched with the test client, as a verifier would fetch it."""

import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

from casework.accounts.models import User
from casework.registry.credentials import did, jws
from casework.registry.credentials.issuance import credential_context
from casework.registry.credentials.keys import rotate_signing_key
from casework.registry.credentials.models import IssuedCredential
from casework.registry.credentials.verification import verify_credential_jwt
from casework.registry.credentials.vocabulary import TERMS
from casework.registry.management.commands import verify_credential as verify_command
from casework.registry.models import Regulator
from casework.testing.credentials import held_credential

pytestmark = pytest.mark.django_db

SITES = ["https://casework.example", "https://example.org/casework"]


def resolve_did_web(identifier: str) -> str:
    """The did:web method specification's "Read (Resolve)": replace ":" with "/", percent-decode
    the port's colon, add /.well-known when there is no path, append /did.json, use https."""
    assert identifier.startswith("did:web:")
    host, *path = identifier.removeprefix("did:web:").split(":")
    segments = [unquote(host), *(unquote(segment) for segment in path)]
    if not path:
        segments.append(".well-known")
    return "https://" + "/".join(segments) + "/did.json"


def fetch(client: Client, site: str, url: str) -> Any:
    """GET an address of the site through the test client (the part after the site's URL)."""
    address = url.split("#", 1)[0]
    assert address.startswith(f"{site}/"), address
    response = client.get(address[len(site) :])
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return response


def addresses_in(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set().union(*(addresses_in(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(addresses_in(v) for v in value)) if value else set()
    if isinstance(value, str) and value.startswith(("https://", "http://", "did:")):
        return {value}
    return set()


@pytest.fixture(params=SITES)
def site(request: pytest.FixtureRequest, settings: Any) -> str:
    settings.SITE_URL = request.param
    return str(request.param)


@pytest.fixture
def credential(site: str, practitioner: User, england: Regulator) -> IssuedCredential:
    return held_credential(practitioner, regulator=england, number="SW500001")


def test_every_address_of_ours_a_credential_names_answers(
    site: str, credential: IssuedCredential, client: Client
) -> None:
    parsed = jws.parse_compact(credential.jwt)
    named = addresses_in(parsed.payload) | addresses_in(parsed.header)
    ours = {address for address in named if address.startswith((f"{site}/", "did:web:"))}
    others = named - ours
    # The VC 2.0 context is the W3C's; the regulator's id is the regulator's own website.
    assert others == {
        "https://www.w3.org/ns/credentials/v2",
        parsed.payload["credentialSubject"]["regulator"]["id"],
    }
    kinds = {"vocabulary": 0, "status": 0, "did": 0}
    for address in ours:
        if address.startswith("did:web:"):
            did_id, _hash, fragment = address.partition("#")
            response = fetch(client, site, resolve_did_web(did_id))
            assert response["Content-Type"] == "application/did+json"
            document = json.loads(response.content)
            assert document["id"] == did_id
            if fragment:
                assert address in [m["id"] for m in document["verificationMethod"]]
            kinds["did"] += 1
        elif "/credentials/vocab" in address:
            response = fetch(client, site, address)
            assert response["Content-Type"].startswith("application/ld+json")
            kinds["vocabulary"] += 1
        else:
            response = fetch(client, site, address)
            assert response["Content-Type"] == "application/vc+jwt"
            listed = jws.parse_compact(response.content.decode()).payload
            assert listed["id"] == address.split("#", 1)[0]
            kinds["status"] += 1
    # Five terms, two lists (each named by its address and by an entry id), the DID and its key.
    assert kinds == {"vocabulary": 5, "status": 4, "did": 2}


def test_the_vocabulary_defines_every_term_the_credential_uses_with_the_same_iri(
    site: str, credential: IssuedCredential, client: Client
) -> None:
    inline = next(
        item
        for item in jws.parse_compact(credential.jwt).payload["@context"]
        if isinstance(item, dict)
    )
    assert set(inline) == set(TERMS)
    for iri in inline.values():
        document = json.loads(fetch(client, site, iri).content)
        # Usable as a remote context: the same terms, the same IRIs.
        assert document["@context"] == inline == credential_context()
        defined = {entry["@id"]: entry for entry in document["@graph"]}
        assert iri in defined
        label = defined[iri]["http://www.w3.org/2000/01/rdf-schema#label"]
        assert label["@value"]
        assert label["@language"] == "en"


def test_the_vocabulary_is_public_and_cacheable(site: str, client: Client) -> None:
    response = client.get("/credentials/vocab")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "public" in response["Cache-Control"]
    assert client.post("/credentials/vocab").status_code == 405


def test_a_site_at_its_hosts_root_is_did_web_of_the_host(settings: Any, client: Client) -> None:
    settings.SITE_URL = "https://casework.example"
    assert did.issuer_did() == "did:web:casework.example"
    assert did.did_document_url() == "https://casework.example/.well-known/did.json"
    assert client.get("/.well-known/did.json").status_code == 200
    assert client.get("/did.json").status_code == 404


def test_a_site_below_a_path_follows_did_webs_path_rule(settings: Any, client: Client) -> None:
    settings.SITE_URL = "https://example.org/casework"
    assert did.issuer_did() == "did:web:example.org:casework"
    assert did.did_document_url() == "https://example.org/casework/did.json"
    assert resolve_did_web(did.issuer_did()) == did.did_document_url()
    response = client.get("/did.json")
    assert response.status_code == 200
    assert json.loads(response.content)["id"] == "did:web:example.org:casework"
    # The site's own pages still find it where they always did.
    assert client.get("/.well-known/did.json").status_code == 200


def test_ports_and_unusual_path_characters_are_percent_encoded(settings: Any) -> None:
    settings.SITE_URL = "https://Example.org:8443/social work/casework~1"
    identifier = did.issuer_did()
    assert identifier == "did:web:example.org%3A8443:social%20work:casework%7E1"
    assert urlsplit(resolve_did_web(identifier)).path == "/social work/casework~1/did.json"


def test_keys_stay_resolvable_after_rotation(
    site: str, credential: IssuedCredential, client: Client, practitioner: User, england: Regulator
) -> None:
    rotate_signing_key()
    newer = held_credential(practitioner, regulator=england, number="SW500002")
    document = json.loads(fetch(client, site, resolve_did_web(did.issuer_did())).content)
    methods = {method["id"] for method in document["verificationMethod"]}
    for token in (credential.jwt, newer.jwt):
        assert jws.parse_compact(token).header["kid"] in methods
        assert verify_credential_jwt(token, did_document=document).ok
    assert credential.kid != newer.kid


def test_the_command_line_verifier_fetches_the_did_document_by_the_path_rule(
    settings: Any,
    practitioner: User,
    england: Regulator,
    client: Client,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    settings.SITE_URL = "https://example.org/casework"
    credential = held_credential(practitioner, regulator=england, number="SW500003")
    fetched: list[str] = []

    def fetch_over_the_test_client(url: str, *, accept: str) -> str | None:
        # Stands for the network: the same request, answered by this site.
        fetched.append(url)
        response = client.get(url.removeprefix(settings.SITE_URL), headers={"Accept": accept})
        return response.content.decode() if response.status_code == 200 else None

    monkeypatch.setattr(verify_command, "fetch_text", fetch_over_the_test_client)
    saved = tmp_path / "credential.jwt"
    saved.write_text(credential.jwt)
    out = io.StringIO()
    call_command("verify_credential", str(saved), stdout=out)
    assert "Valid." in out.getvalue()
    assert fetched[0] == "https://example.org/casework/did.json"
    assert len(fetched) == 3  # the DID document and the two status lists
