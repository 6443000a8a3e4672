"""Verification lookups per second against the framework's own trivial view on the same
server (the ratio), and credential verifications per second per core in the offline verifier,
beside the raw Ed25519 verification rate of each library, in the same run.

Uses a throwaway SQLite database in a temporary folder with 10,000 register entries.

    python -m bench.verification                  # the pages and the offline verifier
    python -m bench.verification --offline-only   # the offline verifier alone
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

from bench.serving import ROOT, measure

ENTRIES = 10_000
VERIFICATIONS = 3000


def _prepare(var_dir: str) -> None:
    script = f"""
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from casework.registry.reference_data import load_reference_data
from casework.registry.models import RegisterEntry, Regulator
load_reference_data()
regulator = Regulator.objects.get(slug="social-work-england")
RegisterEntry.objects.bulk_create(
    RegisterEntry(regulator=regulator, registration_number=f"SW{{n:06d}}", name=f"Person {{n}}",
                  status="registered")
    for n in range({ENTRIES})
)
"""
    subprocess.run(  # noqa: S603  (our own interpreter)
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            **os.environ,
            "CASEWORK_VAR_DIR": var_dir,
            "DJANGO_SETTINGS_MODULE": "casework.settings",
        },
        check=True,
    )


TARGET_PER_CORE = 10_000  # issue 21: offline credential verifications per second per core
ROUNDS = 3


def _per_core(action: Callable[[], object], count: int) -> tuple[float, float]:
    """Calls per second of CPU time (one core's worth: the loop runs on one thread) and per
    second of wall time, which the other work on a shared machine lowers."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        action()
    return count / (time.process_time() - cpu), count / (time.perf_counter() - wall)


def _offline_child() -> None:
    """Run inside the prepared project: prints the figures as JSON."""
    import django

    django.setup()
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from nacl.signing import VerifyKey

    from casework.registry.credentials import jws
    from casework.registry.credentials.did import build_did_document
    from casework.registry.credentials.service import issue_credential_for_claim
    from casework.registry.credentials.status_list import status_list_url
    from casework.registry.credentials.verification import verify_credential_jwt
    from casework.registry.models import RegisterEntry, RegistrationClaim
    from casework.testing.factories import PractitionerFactory

    entry = RegisterEntry.objects.get(registration_number="SW000001")
    person = PractitionerFactory.create(legal_name="Person 1", totp=False)
    claim = RegistrationClaim.objects.create(
        practitioner=person,
        regulator=entry.regulator,
        registration_number=entry.registration_number,
        entry=entry,
        state="verified",
    )
    issued = issue_credential_for_claim(claim=claim)
    if issued is None:
        raise SystemExit("No credential was issued for the bench's registration.")
    token = issued.jwt
    did_document = build_did_document()
    # Offline: the credential, the issuer's DID document and the two lists, as
    # `manage.py verify_credential --did-document ... --status-list ...` is given them.
    lists = {
        status_list_url(status_list): status_list.signed_jwt
        for status_list in (issued.revocation_list, issued.suspension_list)
    }
    parsed = jws.parse_compact(token)
    jwk = did_document["verificationMethod"][0]["publicKeyJwk"]
    raw = jws.b64url_decode(jwk["x"])
    openssl_key, sodium_key = Ed25519PublicKey.from_public_bytes(raw), VerifyKey(raw)
    message, signature = parsed.signing_input, parsed.signature

    def offline() -> None:
        if not verify_credential_jwt(token, did_document=did_document, status_lists=lists).ok:
            raise SystemExit("The bench's credential did not verify offline.")

    def own_lists() -> None:
        if not verify_credential_jwt(token, did_document=did_document).ok:
            raise SystemExit("The bench's credential did not verify with this site's lists.")

    runs: dict[str, tuple[Callable[[], object], int]] = {
        "cryptography": (lambda: openssl_key.verify(signature, message), 5000),
        "pynacl": (lambda: sodium_key.verify(message, signature), 5000),
        "offline": (offline, VERIFICATIONS),
        "own_lists": (own_lists, max(VERIFICATIONS // 10, 100)),
    }
    offline()  # the lists are checked and kept here, as by any first verification
    figures: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
    for _round in range(ROUNDS):  # interleaved, so that load changes touch each alike
        for name, (action, count) in runs.items():
            figures[name].append(_per_core(action, count))
    print(json.dumps(figures))


def _offline_verifications(var_dir: str) -> dict[str, list[tuple[float, float]]]:
    result = subprocess.run(
        [sys.executable, "-m", "bench.verification", "--offline-child"],
        cwd=ROOT,
        env={
            **os.environ,
            "CASEWORK_VAR_DIR": var_dir,
            "DJANGO_SETTINGS_MODULE": "casework.settings",
        },
        check=True,
        capture_output=True,
        text=True,
    )
    figures: dict[str, list[tuple[float, float]]] = json.loads(
        result.stdout.strip().splitlines()[-1]
    )
    return figures


def _print_offline(var_dir: str) -> None:
    load = os.getloadavg()[0]
    figures = _offline_verifications(var_dir)
    print(
        f"Offline credential verification ({ROUNDS} interleaved rounds, median; per core = "
        f"per second of CPU time; load average {load:.1f} → {os.getloadavg()[0]:.1f}):"
    )
    labels = {
        "cryptography": "Ed25519 verify, cryptography (its own OpenSSL)",
        "pynacl": "Ed25519 verify, PyNaCl (libsodium)",
        "offline": "credential + DID document + lists given",
        "own_lists": "this site's own lists (one query each)",
    }
    medians = {}
    for name, label in labels.items():
        per_core = statistics.median(cpu for cpu, _wall in figures[name])
        wall = statistics.median(wall for _cpu, wall in figures[name])
        medians[name] = per_core
        print(f"  {label:<48} {per_core:8.0f}/s per core   {wall:8.0f}/s wall")
    print(
        f"  offline verifications per core / target {TARGET_PER_CORE:,}: "
        f"{medians['offline'] / TARGET_PER_CORE:.2f}   "
        f"/ raw PyNaCl verify: {medians['offline'] / medians['pynacl']:.2f}   "
        f"PyNaCl / cryptography: {medians['pynacl'] / medians['cryptography']:.2f}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--offline-only", action="store_true", help="only the offline verifier, no server"
    )
    parser.add_argument("--offline-child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.offline_child:
        _offline_child()
        return
    with tempfile.TemporaryDirectory() as var_dir:
        started = time.perf_counter()
        _prepare(var_dir)
        if options.offline_only:
            _print_offline(var_dir)
            return
        print(
            f"Verification ({ENTRIES} register entries, prepared in "
            f"{time.perf_counter() - started:.1f} s), granian WSGI, one worker:"
        )
        trivial, lookup, api = measure(
            "wsgi",
            "casework.wsgi:application",
            paths=(
                "/healthz",
                "/verify/social-work-england/SW004242/",
                "/api/v1/verify?number=SW004242",
            ),
            # The lookup itself is measured, not the rate limit that guards it.
            env={"CASEWORK_VAR_DIR": var_dir, "CASEWORK_VERIFY_API_RATE": "100000000/m"},
        )
        for label, (rate, p50, p99) in (
            ("trivial view /healthz", trivial),
            ("verification page", lookup),
            ("verification API", api),
        ):
            print(f"  {label:<24} {rate:8.0f} req/s   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms")
        print(
            f"  ratio page/trivial: {lookup[0] / trivial[0]:.2f}   "
            f"API/trivial: {api[0] / trivial[0]:.2f}"
        )
        _print_offline(var_dir)


if __name__ == "__main__":
    main(sys.argv[1:])
