"""``{{ moment|reader_date:"short" }}``, ``{{ moment|reader_time }}``,
``{{ moment|reader_datetime:"full" }}``: dates and times in the reader's language, order and
time zone, in the named styles of ``casework.dates``. Every date a person reads goes through
these (Django's ``date`` filter stays only for machine-readable values such as ``'c'``)."""

from datetime import date, datetime, time

from django import template

from casework import dates

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
