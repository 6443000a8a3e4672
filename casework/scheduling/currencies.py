"""The currencies a fee may be in: ISO 4217, as pycountry ships it, without the codes that
are no money (gold, testing, "no currency", SDR and the like all start with X)."""

import functools

import pycountry


@functools.cache
def currency_choices() -> tuple[tuple[str, str], ...]:
    return tuple(
        (currency.alpha_3, f"{currency.alpha_3} · {currency.name}")
        for currency in sorted(pycountry.currencies, key=lambda c: c.alpha_3)
        if not currency.alpha_3.startswith("X") or currency.alpha_3 in {"XAF", "XCD", "XOF", "XPF"}
    )


@functools.cache
def currency_codes() -> frozenset[str]:
    return frozenset(code for code, _label in currency_choices())


def is_known_currency(code: str) -> bool:
    return code in currency_codes()
