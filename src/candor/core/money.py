"""Money: Decimal amounts in the shop currency, formatted with Babel."""

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel.numbers import format_currency

CENT = Decimal("0.01")


def quantize(amount: Decimal) -> Decimal:
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


@lru_cache(maxsize=4096)
def format_money(amount: Decimal, currency: str, locale: str = "en") -> str:
    """Pure, and a listing formats the same few prices again and again: memoised."""
    return format_currency(quantize(amount), currency, locale=locale)


def to_minor_units(amount: Decimal) -> int:
    """Amount in the currency's smallest unit, as payment gateways expect it."""
    return int(quantize(amount) * 100)
