"""Every register format we read, by name, and which of them serve a given regulator."""

from casework.registry.importers.base import ImporterFormat
from casework.registry.importers.generic import GenericCsv, GenericJson
from casework.registry.importers.ontario_college import OntarioCollege
from casework.registry.importers.social_work_england import SocialWorkEngland
from casework.registry.importers.sssc import Sssc
from casework.registry.importers.us_state_board import UsStateBoard
from casework.registry.models import Regulator

FORMATS: dict[str, ImporterFormat] = {
    importer.name: importer
    for importer in (
        GenericCsv(),
        GenericJson(),
        SocialWorkEngland(),
        Sssc(),
        OntarioCollege(),
        UsStateBoard(),
    )
}


def formats_for(regulator: Regulator) -> list[ImporterFormat]:
    """The formats an import for ``regulator`` may use: the adapters written for its exports
    first, then the generic formats (which serve every regulator)."""
    own = [f for f in FORMATS.values() if f.regulators and f.serves(regulator.slug)]
    return own + [f for f in FORMATS.values() if not f.regulators]
