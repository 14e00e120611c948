"""Order screening (P25): every order is judged before it is confirmed.

`orders.services.place_order` builds the order's `ScreeningFacts`, asks the screener the
ORDER_SCREENER setting names for a `Verdict`, and records it as a `ScreeningResult` in the
order's own transaction: accept lets the order go on as usual, review holds it for staff
(`decisions.release_held_order` / `cancel_held_order`), reject declines it.
"""

import dataclasses
import logging
from decimal import Decimal

from django.db import transaction

from ..models import OrderStatus, ScreeningOutcome, ScreeningResult
from . import rules  # noqa: F401  (registers the built-in "rules" screener)
from .base import (
    FACT_FIELDS,
    SCREENERS,
    Screener,
    ScreeningFacts,
    ScreeningLine,
    Verdict,
    configured_screener,
    read_fields,
    register,
    screener_class,
    sent_fields,
    worst,
)

__all__ = [
    "FACT_FIELDS",
    "SCREENERS",
    "Screener",
    "ScreeningFacts",
    "ScreeningLine",
    "Verdict",
    "configured_screener",
    "facts_for",
    "read_fields",
    "record",
    "register",
    "screen",
    "status_after",
    "was_declined",
    "screener_class",
    "sent_fields",
    "worst",
]

logger = logging.getLogger(__name__)


def screen(facts: ScreeningFacts) -> tuple[Screener, Verdict]:
    """Judge one order with the configured screener.

    A screener that fails (a bug, an outside service down) neither lets the order through
    unchecked nor turns the customer away: the order is held for a person to check.
    """
    screener = configured_screener()
    if screener.external:
        facts = only_what_it_reads(facts, screener.reads)
    try:
        with transaction.atomic():  # a savepoint: a failed query must not spoil the order
            verdict = screener.screen(facts)
        if not isinstance(verdict, Verdict):
            raise TypeError(f"{type(verdict).__name__} is not a Verdict")
    except Exception as error:
        logger.exception("order screener %r failed", screener.name)
        verdict = Verdict(
            outcome=ScreeningOutcome.REVIEW,
            reasons=(f"The screener failed ({type(error).__name__}); check this order by hand.",),
        )
    return screener, verdict


# What an unread fact becomes for an outside screener: nothing it could learn from.
_BLANK = {"ip": None, "total": Decimal(0), "lines": (), "user_id": None}


def only_what_it_reads(facts: ScreeningFacts, reads: frozenset[str]) -> ScreeningFacts:
    """The facts with everything the screener does not declare it reads blanked out (P16,
    P25): the data map says an outside screener receives exactly its `reads`."""
    # A fact goes when every data-map field behind it is one the screener's reads declare
    # ("total" declares the currency too).
    declared = {name for fact in reads for name in FACT_FIELDS[fact]}
    blanked = {
        field.name: _BLANK.get(field.name, "")
        for field in dataclasses.fields(facts)
        if not set(FACT_FIELDS[field.name]) <= declared
    }
    return dataclasses.replace(facts, **blanked)


def facts_for(
    *,
    source: str,
    customer,
    client_ip: str | None,
    variants: dict,
    quantities: dict[int, int],
    total,
    currency: str,
    user,
) -> ScreeningFacts:
    """The facts of an order about to be placed (`customer` is orders.services.CustomerDetails)."""
    return ScreeningFacts(
        source=source,
        email=customer.email,
        phone=customer.phone,
        ip=client_ip,
        shipping_country=customer.shipping_country,
        billing_country="" if customer.billing_same_as_shipping else customer.billing_country,
        total=total,
        currency=currency,
        lines=tuple(
            ScreeningLine(
                variant_id=pk,
                sku=variants[pk].sku,
                quantity=quantities[pk],
                unit_price=variants[pk].price,
            )
            for pk in sorted(quantities)
        ),
        user_id=user.pk if user is not None and user.is_authenticated else None,
    )


def status_after(verdict: Verdict, status: str) -> str:
    """The status a new order starts in: as usual when accepted, held for review, or
    cancelled when declined."""
    if verdict.outcome == ScreeningOutcome.REVIEW:
        return OrderStatus.HELD
    if verdict.outcome == ScreeningOutcome.REJECT:
        return OrderStatus.CANCELLED
    return status


def record(*, order, screener: Screener, verdict: Verdict, facts: ScreeningFacts):
    """Keep the verdict with the order; the IP address only if the screener reads it."""
    return ScreeningResult.objects.create(
        order=order,
        screener=screener.name,
        outcome=verdict.outcome,
        reasons=list(verdict.reasons),
        score=verdict.score,
        ip=facts.ip if "ip" in screener.reads else None,
    )


def was_declined(order) -> bool:
    """Whether screening declined this order (it was saved cancelled, with no stock taken)."""
    return ScreeningResult.objects.filter(order=order, outcome=ScreeningOutcome.REJECT).exists()
