"""``{{ moment|reader_date:"short" }}``, ``{{ moment|reader_time }}``,
``{{ moment|reader_datetime:"full" }}``, ``{{ person.time_zone|reader_zone }}``: dates, times
and time zones in the reader's language, order and time zone, in the named styles of
``casework.dates``. Every date and zone a person reads goes through these (Django's ``date``
filter stays only for machine-readable values such as ``'c'``; IANA ids such as
"Europe/Madrid" only in attributes and data)."""

from datetime import date, datetime, time

from django import template

from casework import dates
from casework.accounts.zones import zone_label

register = template.Library()


@register.filter
def reader_date(value: object, style: str = "short") -> str:
    if not isinstance(value, date):
        return ""  # nothing to show, as Django's date filter shows for None or ""
    return dates.reader_date(value, style)


@register.filter
def reader_time(value: object) -> str:
    if not isinstance(value, datetime | time):
        return ""
    return dates.reader_time(value)


@register.filter
def reader_datetime(value: object, style: str = "short") -> str:
    if isinstance(value, datetime):
        return dates.reader_datetime(value, style)
    if isinstance(value, date):
        return dates.reader_date(value, style)  # a day without a time: the day alone
    return ""


@register.filter
def reader_zone(value: object) -> str:
    """A time zone named in the reader's language ("Spain", "España"), never its IANA id."""
    if not isinstance(value, str) or not value:
        return ""
    return zone_label(value)
