"""What a serving process does once, after Django is set up and before its first request."""

import gc

from django.urls import get_resolver


def ready_to_serve() -> None:
    """Import every view now, and then put every object made so far beyond the cyclic garbage
    collector's reach.

    A served process holds about 180,000 objects from its imports (modules, classes,
    functions, the URL patterns) that live as long as it does. Python's full collection walks
    all of them: one every couple of hundred requests, 120-190 ms each, inside whichever
    request was unlucky (``docs/performance.md``). Frozen, they are never walked again; they
    are still freed by reference counting if dropped. Importing the views first also spares
    the first visitor the wait."""
    get_resolver().url_patterns  # noqa: B018  (the URLconf and every view it imports)
    gc.collect()
    gc.freeze()
