"""The whole demo, loaded in the order its parts need: what ``manage.py seed_demo`` runs."""

from dataclasses import dataclass

from casework.demo.care import CareSeed, seed_care
from casework.demo.community import seed_community
from casework.demo.complaints import seed_complaints
from casework.demo.directory import DirectorySeed, seed_directory
from casework.demo.messaging import seed_messaging
from casework.demo.people import DemoPerson, seed_people
from casework.demo.registry import seed_registry
from casework.demo.safety import seed_safety
from casework.demo.scheduling import SchedulingSeed, seed_scheduling


@dataclass(frozen=True)
class DemoSeed:
    people: list[tuple[DemoPerson, bool]]
    directory: DirectorySeed
    scheduling: SchedulingSeed
    conversations: int
    care: CareSeed


def seed_demo() -> DemoSeed:
    """Load the demo once (each part is idempotent) and say what it holds."""
    people = seed_people()
    seed_registry()
    # Each step needs the ones before it: the directory reads the registers, bookings need
    # profiles, and the caseload joins the conversations and bookings to cases.
    directory = seed_directory()
    scheduling = seed_scheduling()
    conversations = seed_messaging()
    care = seed_care()
    # After the conversations: the moderator's message to Robin thanks her for this report.
    seed_safety()
    seed_complaints()
    seed_community()
    return DemoSeed(
        people=people,
        directory=directory,
        scheduling=scheduling,
        conversations=len(conversations),
        care=care,
    )
