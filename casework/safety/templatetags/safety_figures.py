"""``count_of``: a count from a month's breakdown in a template (0 when absent)."""

from django import template

register = template.Library()


@register.filter
def count_of(counts: dict[str, int], key: str) -> int:
    return counts.get(key, 0)
