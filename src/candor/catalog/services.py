"""Actions that change the catalogue: prices, stock, and the stock reservations orders make."""

from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Min, OuterRef, Subquery

from candor.core.money import quantize

from .models import Product, Variant


class OutOfStock(Exception):
    """Raised when a reservation asks for more than is on the shelf; nothing is reserved."""

    def __init__(self, variant: Variant, available: int):
        self.variant = variant
        self.available = available
        super().__init__(f"Only {available} of {variant} left in stock.")


def refresh_price_from(product_ids: Iterable[int]) -> None:
    """Recompute each product's 'from' price from its active variants."""
    cheapest = (
        Variant.objects.filter(product=OuterRef("pk"), is_active=True)
        .values("product")
        .annotate(low=Min("price"))
        .values("low")
    )
    Product.objects.filter(pk__in=list(product_ids)).update(price_from=Subquery(cheapest))


@transaction.atomic
def adjust_prices(*, variant_ids: Iterable[int], percent: Decimal, acting_user=None) -> int:
    """Raise or lower prices by a percentage (e.g. -10 for a 10% cut); returns rows changed."""
    variants = list(Variant.objects.select_for_update().filter(pk__in=list(variant_ids)))
    factor = (Decimal(100) + Decimal(percent)) / Decimal(100)
    for variant in variants:
        variant.price = max(quantize(variant.price * factor), Decimal("0.01"))
    Variant.objects.bulk_update(variants, ["price"])
    refresh_price_from({v.product_id for v in variants})
    return len(variants)


@transaction.atomic
def set_stock(*, variant_ids: Iterable[int], quantity: int, acting_user=None) -> int:
    if quantity < 0:
        raise ValueError("Stock cannot be negative.")
    return Variant.objects.filter(pk__in=list(variant_ids)).update(stock=quantity)


def reserve_stock(quantities: dict[int, int]) -> None:
    """Take stock for an order, all or nothing. Call inside the order's transaction.

    Each decrement is a single conditional UPDATE, so two buyers can never both take the last
    unit: the database serialises the writes and the loser's WHERE no longer matches.
    Variants are visited in id order so concurrent orders lock rows in the same order.
    """
    for variant_id in sorted(quantities):
        quantity = quantities[variant_id]
        taken = Variant.objects.filter(pk=variant_id, is_active=True, stock__gte=quantity).update(
            stock=F("stock") - quantity
        )
        if not taken:
            variant = Variant.objects.select_related("product").get(pk=variant_id)
            raise OutOfStock(variant, variant.stock if variant.is_active else 0)


def release_stock(quantities: dict[int, int]) -> None:
    """Put reserved stock back (an order cancelled before it shipped)."""
    for variant_id in sorted(quantities):
        Variant.objects.filter(pk=variant_id).update(stock=F("stock") + quantities[variant_id])
