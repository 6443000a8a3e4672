"""A wallet for tests, written from OpenID for Verifiable Credential Issuance 1.0 (OpenID4VCI)
and the RFCs it builds on, not from Casework's code: it reads a credential offer, discovers the
Credential Issuer and its Authorization Server, redeems the pre-authorized code and asks for
each offered credential, checking each answer against the spec text cited beside the check.

It speaks HTTP through a transport: the Django test client (addresses below the site's URL go
to the client by their path) or ``urllib`` against a running server.
"""

import json
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from django.test import Client

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
OFFER_SCHEME = "openid-credential-offer"
_JWT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


class WalletError(AssertionError):
    """The issuer did something the specification does not allow (or this wallet cannot do)."""


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def header(self, name: str) -> str:
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), "")

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


class Transport(Protocol):
    def get(self, url: str, *, headers: dict[str, str]) -> HttpAnswer: ...

    def post(
        self, url: str, *, body: bytes, content_type: str, headers: dict[str, str]
    ) -> HttpAnswer: ...


class DjangoTransport:
    """Sends each request to the test client by its path below ``site_url``.

    A well-known address inserted before the site's path
    (https://host/.well-known/<name>/<site path>) goes to the site's own
    /.well-known/<name>, as the reverse proxy in front of a site served below a path does."""

    def __init__(self, client: Client, site_url: str) -> None:
        self.client = client
        self.site = urlsplit(site_url)

    def _path(self, url: str) -> str:
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc) != (self.site.scheme, self.site.netloc):
            raise WalletError(f"{url} is not on the site under test")
        site_path = self.site.path.rstrip("/")
        if parts.path.startswith("/.well-known/") and site_path:
            name, _slash, rest = parts.path.removeprefix("/.well-known/").partition("/")
            if f"/{rest}" == site_path:
                return f"/.well-known/{name}"
        if not parts.path.startswith(f"{site_path}/"):
            raise WalletError(f"{url} is not below the site's address")
        path = parts.path[len(site_path) :]
        return f"{path}?{parts.query}" if parts.query else path

    def get(self, url: str, *, headers: dict[str, str]) -> HttpAnswer:
        response = self.client.get(self._path(url), headers=headers)
        return HttpAnswer(response.status_code, dict(response.headers), response.content)

    def post(
        self, url: str, *, body: bytes, content_type: str, headers: dict[str, str]
    ) -> HttpAnswer:
        response = self.client.generic(
            "POST", self._path(url), data=body, content_type=content_type, headers=headers
        )
        return HttpAnswer(response.status_code, dict(response.headers), response.content)


class UrllibTransport:
    """Real HTTP, for a wallet talking to a running server."""

    def _send(self, request: urllib.request.Request) -> HttpAnswer:
        if urlsplit(request.full_url).scheme not in ("http", "https"):
            raise WalletError(f"not an HTTP address: {request.full_url}")
        try:
            with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310  (checked)
                return HttpAnswer(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return HttpAnswer(error.code, dict(error.headers), error.read())

    def get(self, url: str, *, headers: dict[str, str]) -> HttpAnswer:
        return self._send(urllib.request.Request(url, headers=headers))  # noqa: S310

    def post(
        self, url: str, *, body: bytes, content_type: str, headers: dict[str, str]
    ) -> HttpAnswer:
        request = urllib.request.Request(  # noqa: S310  (scheme checked in _send)
            url, data=body, method="POST", headers={**headers, "Content-Type": content_type}
        )
        return self._send(request)


@dataclass(frozen=True)
class CredentialOffer:
    credential_issuer: str
    credential_configuration_ids: list[str]
    pre_authorized_code: str


@dataclass
class Issuer:
    """What discovery found: the issuer's metadata and its authorization server's."""

    metadata: dict[str, Any]
    authorization_server: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    @property
    def token_endpoint(self) -> str:
        return str(self.authorization_server["token_endpoint"])

    @property
    def credential_endpoint(self) -> str:
        return str(self.metadata["credential_endpoint"])


def well_known(identifier: str, name: str) -> str:
    """OpenID4VCI 12.2.2 and RFC 8414 section 3: "inserting the string /.well-known/..."
    between the host component and the path component, if any"."""
    parts = urlsplit(identifier)
    return urlunsplit(
        (parts.scheme, parts.netloc, f"/.well-known/{name}{parts.path.rstrip('/')}", "", "")
    )


class Wallet:
    def __init__(self, transport: Transport, *, allow_http: bool = False) -> None:
        self.transport = transport
        # "A Credential Issuer is identified by a case sensitive URL using the https scheme":
        # plain http only for a test server on this machine.
        self.allow_http = allow_http

    # Section 4.1: the Credential Offer
    def read_offer(self, offer_uri: str) -> CredentialOffer:
        parts = urlsplit(offer_uri)
        if parts.scheme != OFFER_SCHEME:
            raise WalletError(f"not a credential offer: {offer_uri[:60]}")
        query = parse_qs(parts.query, keep_blank_values=True)
        # "The Credential Offer contains a single URI query parameter, either credential_offer
        # or credential_offer_uri"
        if ("credential_offer" in query) == ("credential_offer_uri" in query):
            raise WalletError("an offer has exactly one of credential_offer, credential_offer_uri")
        if "credential_offer_uri" in query:
            answer = self.transport.get(query["credential_offer_uri"][0], headers={})
            # "MUST use the media type application/json"
            if answer.status != 200 or not answer.header("Content-Type").startswith(
                "application/json"
            ):
                raise WalletError(f"the offer by reference answered {answer.status}")
            document = answer.json()
        else:
            (encoded,) = query["credential_offer"]
            document = json.loads(encoded)
        return self._offer(document)

    def _offer(self, document: Any) -> CredentialOffer:
        if not isinstance(document, dict):
            raise WalletError("the offer is not a JSON object")
        issuer = document.get("credential_issuer")
        self._check_identifier(issuer)
        ids = document.get("credential_configuration_ids")
        # "REQUIRED. A non-empty array of unique strings"
        if (
            not isinstance(ids, list)
            or not ids
            or not all(isinstance(i, str) for i in ids)
            or len(set(ids)) != len(ids)
        ):
            raise WalletError("credential_configuration_ids is not a non-empty array of strings")
        grant = (document.get("grants") or {}).get(PRE_AUTHORIZED_GRANT)
        if not isinstance(grant, dict) or not isinstance(grant.get("pre-authorized_code"), str):
            raise WalletError("the offer has no pre-authorized code")
        if "tx_code" in grant:
            raise WalletError("this wallet cannot ask its holder for a Transaction Code")
        return CredentialOffer(str(issuer), list(ids), grant["pre-authorized_code"])

    def _check_identifier(self, identifier: Any) -> None:
        if not isinstance(identifier, str):
            raise WalletError("credential_issuer is not a string")
        parts = urlsplit(identifier)
        schemes = ("https", "http") if self.allow_http else ("https",)
        # "contains scheme, host and, optionally, port number and path components, but no
        # query or fragment components"
        if parts.scheme not in schemes or not parts.netloc or parts.query or parts.fragment:
            raise WalletError(f"not a Credential Issuer Identifier: {identifier}")

    def _get_json(self, url: str) -> dict[str, Any]:
        answer = self.transport.get(url, headers={"Accept": "application/json"})
        if answer.status != 200 or not answer.header("Content-Type").startswith("application/json"):
            raise WalletError(f"GET {url} answered {answer.status} {answer.header('Content-Type')}")
        document = answer.json()
        if not isinstance(document, dict):
            raise WalletError(f"{url} is not a JSON object")
        return document

    # Section 12.2 and RFC 8414: discovery
    def discover(self, offer: CredentialOffer) -> Issuer:
        metadata = self._get_json(well_known(offer.credential_issuer, "openid-credential-issuer"))
        # "If these values are not identical ... the data contained in the response MUST NOT
        # be used."
        if metadata.get("credential_issuer") != offer.credential_issuer:
            raise WalletError("the metadata names another credential_issuer")
        if not isinstance(metadata.get("credential_endpoint"), str):
            raise WalletError("the metadata has no credential_endpoint")
        configurations = metadata.get("credential_configurations_supported")
        if not isinstance(configurations, dict):
            raise WalletError("the metadata has no credential_configurations_supported")
        for configuration_id in offer.credential_configuration_ids:
            if configuration_id not in configurations:
                raise WalletError(f"the offered {configuration_id} is not in the metadata")
            if "proof_types_supported" in configurations[configuration_id]:
                raise WalletError("this wallet holds no keys to prove possession of")
        # "If this parameter is omitted, the entity providing the Credential Issuer is also
        # acting as the Authorization Server"
        servers = metadata.get("authorization_servers") or [offer.credential_issuer]
        if len(servers) != 1:
            raise WalletError("this wallet does not choose among several authorization servers")
        server = self._get_json(well_known(servers[0], "oauth-authorization-server"))
        # RFC 8414 section 3.3: "The issuer value returned MUST be identical"
        if server.get("issuer") != servers[0]:
            raise WalletError("the authorization server metadata names another issuer")
        if not isinstance(server.get("token_endpoint"), str):
            raise WalletError("the authorization server has no token_endpoint")
        grants = server.get("grant_types_supported")
        if grants is not None and PRE_AUTHORIZED_GRANT not in grants:
            raise WalletError("the authorization server does not take pre-authorized codes")
        return Issuer(metadata=metadata, authorization_server=server)

    # Section 6: the Token Request
    def request_token(self, issuer: Issuer, code: str, **extra: str) -> HttpAnswer:
        form = {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code, **extra}
        return self.transport.post(
            issuer.token_endpoint,
            body=urlencode(form).encode("ascii"),
            content_type="application/x-www-form-urlencoded",
            headers={},
        )

    def access_token(self, answer: HttpAnswer) -> str:
        # RFC 6749 section 5.1
        if answer.status != 200:
            raise WalletError(f"the token request answered {answer.status}: {answer.body!r}")
        if "no-store" not in answer.header("Cache-Control"):
            raise WalletError("a token response must be sent with Cache-Control: no-store")
        document = answer.json()
        if str(document.get("token_type", "")).lower() != "bearer":
            raise WalletError("this wallet only presents Bearer tokens")
        token = document.get("access_token")
        if not isinstance(token, str) or not token:
            raise WalletError("the token response has no access_token")
        return token

    # Section 8: the Credential Request
    def request_credential(
        self, issuer: Issuer, token: str, body: Any, *, content_type: str = "application/json"
    ) -> HttpAnswer:
        data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        return self.transport.post(
            issuer.credential_endpoint,
            body=data,
            content_type=content_type,
            headers={"Authorization": f"Bearer {token}"},
        )

    def credentials(self, issuer: Issuer, configuration_id: str, answer: HttpAnswer) -> list[str]:
        if answer.status != 200:
            raise WalletError(f"the credential request answered {answer.status}: {answer.body!r}")
        if not answer.header("Content-Type").startswith("application/json"):
            raise WalletError("an unencrypted Credential Response is application/json")
        items = answer.json().get("credentials")
        if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
            raise WalletError("credentials is not a non-empty array of objects")
        configuration = issuer.metadata["credential_configurations_supported"][configuration_id]
        received = []
        for item in items:
            credential = item.get("credential")
            # Appendix A.1.1.4: for jwt_vc_json "the value of the credential claim ... MUST be a
            # JWT", not re-encoded
            if configuration.get("format") == "jwt_vc_json" and not (
                isinstance(credential, str) and _JWT.fullmatch(credential)
            ):
                raise WalletError("a jwt_vc_json credential must be a JWT")
            received.append(credential)
        return received

    def receive(self, offer_uri: str) -> list[str]:
        """The whole Pre-Authorized Code Flow: every credential the offer offers."""
        offer = self.read_offer(offer_uri)
        issuer = self.discover(offer)
        token = self.access_token(self.request_token(issuer, offer.pre_authorized_code))
        received = []
        for configuration_id in offer.credential_configuration_ids:
            answer = self.request_credential(
                issuer, token, {"credential_configuration_id": configuration_id}
            )
            received += self.credentials(issuer, configuration_id, answer)
        return received
