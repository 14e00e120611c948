"""The screening interface (P25): the facts a screener sees, the verdict it gives, and the
registry of screeners the ORDER_SCREENER setting may name.

Screeners are explicit classes registered under a short name; the setting names one of them.
Nothing is imported from a dotted path in settings, so configuration cannot load other code.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ..models import ScreeningOutcome


@dataclass(frozen=True)
class ScreeningLine:
    variant_id: int
    sku: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class ScreeningFacts:
    """One order as a screener sees it, before it is saved."""

    source: str  # OrderSource: web or phone
    email: str  # "" for a phone order taken without one
    phone: str  # E.164
    ip: str | None  # the customer's address; None for phone orders
    shipping_country: str
    billing_country: str  # "" when the bill goes to the delivery address
    total: Decimal
    currency: str
    lines: tuple[ScreeningLine, ...]
    user_id: int | None


# Where each fact is kept, as "model label.field": what the data map marks as read for fraud
# prevention (and, for an external screener, as sent to the fraud screener).
FACT_FIELDS: dict[str, tuple[str, ...]] = {
    "source": ("orders.Order.source",),
    "email": ("orders.Order.email",),
    "phone": ("orders.Order.phone",),
    "ip": ("orders.ScreeningResult.ip",),
    "shipping_country": ("orders.Order.shipping_country",),
    "billing_country": ("orders.Order.billing_country",),
    "total": ("orders.Order.total", "orders.Order.currency"),
    "currency": ("orders.Order.currency",),
    "lines": ("orders.OrderLine.sku", "orders.OrderLine.quantity", "orders.OrderLine.unit_price"),
    "user_id": ("orders.Order.user",),
}


@dataclass(frozen=True)
class Verdict:
    outcome: str  # ScreeningOutcome
    reasons: tuple[str, ...] = ()  # for staff; never shown to the customer
    score: int | None = None  # 0 (no risk) to 100, from screeners that compute one

    def __post_init__(self) -> None:
        if self.outcome not in ScreeningOutcome.values:
            raise ValueError(f"Unknown screening outcome {self.outcome!r}.")
        if self.score is not None and not 0 <= self.score <= 100:
            raise ValueError(f"A screening score is 0 to 100, not {self.score}.")


class Screener(Protocol):
    name: str  # set by register()

    @property
    def external(self) -> bool:
        """True when the facts leave the shop (a third-party service)."""

    @property
    def reads(self) -> frozenset[str]:
        """The ScreeningFacts fields it uses; an external screener sends exactly these."""

    def screen(self, facts: ScreeningFacts) -> Verdict: ...


SCREENERS: dict[str, type[Screener]] = {}

_SEVERITY = [ScreeningOutcome.ACCEPT, ScreeningOutcome.REVIEW, ScreeningOutcome.REJECT]


def worst(outcomes) -> str:
    """The most severe of some outcomes (accept when there are none)."""
    return max(outcomes, key=_SEVERITY.index, default=ScreeningOutcome.ACCEPT)


def register(name: str):
    """Class decorator: make a screener available to the ORDER_SCREENER setting by name."""

    def add(cls):
        cls.name = name
        SCREENERS[name] = cls
        return cls

    return add


def screener_class(name: str | None = None) -> type[Screener]:
    name = settings.ORDER_SCREENER if name is None else name
    try:
        return SCREENERS[name]
    except KeyError:
        known = ", ".join(sorted(SCREENERS)) or "none"
        raise ImproperlyConfigured(
            f"ORDER_SCREENER is {name!r}, which is not a registered screener (known: {known})."
        ) from None


def configured_screener() -> Screener:
    return screener_class()()


def sent_fields(screener: Screener) -> set[str]:
    """The data-map fields ("label.field") an external screener receives; none otherwise."""
    if not screener.external:
        return set()
    return read_fields(screener)


def read_fields(screener: Screener) -> set[str]:
    return {field for fact in screener.reads for field in FACT_FIELDS[fact]}
