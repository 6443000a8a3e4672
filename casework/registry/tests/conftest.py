import pytest

from casework.registry.models import Regulator
from casework.registry.reference_data import load_reference_data


@pytest.fixture
def england(db: None) -> Regulator:
    """The shipped reference data, and the regulator most tests read registers of."""
    load_reference_data()
    return Regulator.objects.get(slug="social-work-england")
