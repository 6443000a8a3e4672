import functools
import http.server
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from casework.accounts.models import User
from casework.registry import register_import as services
from casework.registry.credentials.models import IssuedCredential
from casework.registry.models import RegisterImport, RegistrationClaim, Regulator
from casework.registry.reference_data import load_reference_data
from casework.testing.credentials import issued_for


@pytest.fixture
def england(db: None) -> Regulator:
    """The shipped reference data, and the regulator most tests read registers of."""
    load_reference_data()
    return Regulator.objects.get(slug="social-work-england")


@pytest.fixture
def credential(claim: RegistrationClaim) -> IssuedCredential:
    """The credential of the module's ``claim`` (a module may give its own)."""
    return issued_for(claim)


@pytest.fixture
def media(settings: Settings, tmp_path: Path) -> Path:
    """Stored exports go to a folder of this test's own."""
    folder = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": folder},
        },
    }
    return folder


@pytest.fixture
def upload(
    england: Regulator,
    officer: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> Callable[..., RegisterImport]:
    """Upload ``text`` to England's register as an officer would; the check task runs when the
    upload commits."""

    def run(
        text: str | bytes, file_format: str = "generic-csv", name: str = "export.csv"
    ) -> RegisterImport:
        data = text.encode() if isinstance(text, str) else text
        with django_capture_on_commit_callbacks(execute=True):
            register_import = services.receive_register_file(
                regulator=england,
                uploaded_file=SimpleUploadedFile(name, data),
                file_format=file_format,
                uploaded_by=officer,
            )
        register_import.refresh_from_db()
        return register_import

    return run


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A local web server on 127.0.0.1 (an ephemeral port) serving a folder; yields its
    address and the folder."""
    folder = tmp_path / "served"
    folder.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", folder
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
