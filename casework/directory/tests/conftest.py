from pathlib import Path
from typing import Any

import pytest

from casework.registry.reference_data import load_reference_data


@pytest.fixture
def reference(db: None) -> None:
    """Jurisdictions, regulators and practice agreements, as shipped."""
    load_reference_data()


@pytest.fixture(autouse=True)
def photo_storage(settings: Any, tmp_path: Path) -> Path:
    """Uploaded photos go to a folder of the test's own, never to var/media."""
    media = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": media},
        },
    }
    return media
