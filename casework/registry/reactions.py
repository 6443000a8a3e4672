"""The registry's reactions to domain events (listed in ``casework/events/subscribers.py``)."""

from casework.events.catalogue import ClaimNews
from casework.registry.notifications import tell_claimant_news


def tell_claimant(event: ClaimNews) -> None:
    tell_claimant_news(claim_id=event.claim_id, news=event.news)
