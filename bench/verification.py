"""Verification lookups per second against the framework's own trivial view on the same
server (the ratio), and credential verifications per second in the offline verifier.

Uses a throwaway SQLite database in a temporary folder with 10,000 register entries.
"""

import os
import subprocess
import sys
import tempfile
import time

from bench.serving import ROOT, measure

ENTRIES = 10_000
VERIFICATIONS = 300


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


def _offline_verifications(var_dir: str) -> float:
    script = f"""
import time, django
django.setup()
from casework.testing.factories import PractitionerFactory
from casework.registry.models import RegisterEntry, RegistrationClaim
from casework.registry.credentials.service import issue_credential_for_claim
from casework.registry.credentials.did import build_did_document
from casework.registry.credentials.verification import verify_credential_jwt
entry = RegisterEntry.objects.get(registration_number="SW000001")
person = PractitionerFactory.create(legal_name="Person 1", totp=False)
claim = RegistrationClaim.objects.create(practitioner=person, regulator=entry.regulator,
    registration_number=entry.registration_number, entry=entry, state="verified")
token = issue_credential_for_claim(claim=claim).jwt
did_document = build_did_document()
started = time.perf_counter()
for _ in range({VERIFICATIONS}):
    assert verify_credential_jwt(token, did_document=did_document).ok
print({VERIFICATIONS} / (time.perf_counter() - started))
"""
    result = subprocess.run(  # noqa: S603  (our own interpreter)
        [sys.executable, "-c", script],
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
    return float(result.stdout.strip().splitlines()[-1])


def main() -> None:
    with tempfile.TemporaryDirectory() as var_dir:
        started = time.perf_counter()
        _prepare(var_dir)
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
        print(f"  offline credential verifications: {_offline_verifications(var_dir):.0f}/s")


if __name__ == "__main__":
    main()
