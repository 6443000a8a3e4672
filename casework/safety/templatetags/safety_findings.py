"""``findings``: detection's categories as the reasons moderators read, in their language."""

from collections.abc import Iterable

from django import template

from casework.safety.detection import REASONS

register = template.Library()


@register.filter
def findings(categories: Iterable[str]) -> str:
    # A category with no reason of its own (a check added later) shows its key, not nothing.
    return " ".join(str(REASONS.get(category, category)) for category in categories)
