"""Actions that change the catalogue: prices, stock, the stock reservations orders make, and
the suggestions product pages show."""

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F, Min, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse

from candor.core.money import quantize
from candor.core.pagecache import forget as forget_pages
from candor.core.pagecache import invalidate as invalidate_pages

from .models import Product, Suggestion, Variant, VariantChange
from .notices import restocked


class OutOfStock(Exception):
    """Raised when a reservation asks for more than is on the shelf; nothing is reserved."""

    def __init__(self, variant: Variant, available: int):
        self.variant = variant
        self.available = available
        super().__init__(f"Only {available} of {variant} left in stock.")


def refresh_price_from(product_ids: Iterable[int]) -> None:
    """Recompute each product's 'from' price from its active variants (0 when it has none)."""
    cheapest = (
        Variant.objects.filter(product=OuterRef("pk"), is_active=True)
        .values("product")
        .annotate(low=Min("price"))
        .values("low")
    )
    Product.objects.filter(pk__in=list(product_ids)).update(
        price_from=Coalesce(Subquery(cheapest), Value(Decimal("0")))
    )
    transaction.on_commit(invalidate_pages)


def _audit(variant: Variant, field: str, old, new, acting_user) -> VariantChange:
    return VariantChange(
        variant=variant, field=field, old_value=str(old), new_value=str(new), changed_by=acting_user
    )


@transaction.atomic
def adjust_prices(*, variant_ids: Iterable[int], percent: Decimal, acting_user) -> int:
    """Raise or lower prices by a percentage (e.g. -10 for a 10% cut); returns rows changed."""
    variants = list(Variant.objects.select_for_update().filter(pk__in=list(variant_ids)))
    factor = (Decimal(100) + Decimal(percent)) / Decimal(100)
    audit = []
    for variant in variants:
        new_price = max(quantize(variant.price * factor), Decimal("0.01"))
        audit.append(_audit(variant, "price", variant.price, new_price, acting_user))
        variant.price = new_price
    Variant.objects.bulk_update(variants, ["price"])
    VariantChange.objects.bulk_create(audit)
    refresh_price_from({v.product_id for v in variants})
    return len(variants)


@transaction.atomic
def set_stock(*, variant_ids: Iterable[int], quantity: int, acting_user) -> int:
    """Set the shelf count after a stock-take. Returns rows changed."""
    if quantity < 0:
        raise ValueError("Stock cannot be negative.")
    variants = list(Variant.objects.select_for_update().filter(pk__in=list(variant_ids)))
    Variant.objects.filter(pk__in=[v.pk for v in variants]).update(stock=quantity)
    VariantChange.objects.bulk_create(
        _audit(v, "stock", v.stock, quantity, acting_user) for v in variants
    )
    if quantity > 0:
        restocked([v.pk for v in variants if v.stock <= 0])
    transaction.on_commit(invalidate_pages)
    return len(variants)


@transaction.atomic
def add_stock(*, variant_ids: Iterable[int], quantity: int, acting_user) -> int:
    """Add a delivery to the shelf. Relative, so orders placed meanwhile are not undone."""
    if quantity < 1:
        raise ValueError("Add at least one unit.")
    variants = list(Variant.objects.select_for_update().filter(pk__in=list(variant_ids)))
    Variant.objects.filter(pk__in=[v.pk for v in variants]).update(stock=F("stock") + quantity)
    VariantChange.objects.bulk_create(
        _audit(v, "stock", v.stock, v.stock + quantity, acting_user) for v in variants
    )
    restocked([v.pk for v in variants if v.stock <= 0 < v.stock + quantity])
    transaction.on_commit(invalidate_pages)
    return len(variants)


def _forget_product_pages(variant_ids) -> None:
    """After commit, drop the cached pages of these variants' products (their stock moved)."""
    slugs = list(
        Product.objects.filter(variants__pk__in=list(variant_ids)).values_list("slug", flat=True)
    )
    transaction.on_commit(lambda: forget_pages(reverse("catalog:product", args=[s]) for s in slugs))


def reserve_stock(quantities: dict[int, int]) -> None:
    """Take stock for an order, all or nothing. Call inside the order's transaction.

    Each decrement is a single conditional UPDATE, so two buyers can never both take the last
    unit: the database serialises the writes and the loser's WHERE no longer matches.
    Variants are visited in id order so concurrent orders lock rows in the same order.
    """
    for variant_id in sorted(quantities):
        quantity = quantities[variant_id]
        # Conditions on this row only: a join would move them into a subquery that
        # PostgreSQL does not re-check after waiting for a concurrent buyer's lock.
        taken = Variant.objects.filter(
            pk=variant_id,
            is_active=True,
            stock__gte=quantity,
            product_id__in=Product.objects.filter(is_active=True).values("pk"),
        ).update(stock=F("stock") - quantity)
        if not taken:
            variant = Variant.objects.select_related("product").get(pk=variant_id)
            sold = variant.is_active and variant.product.is_active
            raise OutOfStock(variant, variant.stock if sold else 0)
    _forget_product_pages(quantities)


def release_stock(quantities: dict[int, int]) -> None:
    """Put reserved stock back (an order cancelled before it shipped)."""
    sold_out = Variant.objects.filter(pk__in=list(quantities), stock__lte=0)
    restocked(list(sold_out.values_list("pk", flat=True)))
    for variant_id in sorted(quantities):
        Variant.objects.filter(pk=variant_id).update(stock=F("stock") + quantities[variant_id])
    _forget_product_pages(quantities)


def replace_suggestions(
    *,
    together: Mapping[int, Sequence[int]],
    popular: Mapping[int, Sequence[int]],
    per_product: int = 4,
) -> int:
    """Replace every product page's suggestions ({product id: suggested ids, best first}) with
    these, keeping the first `per_product` of each kind; returns the rows now stored.

    Called by insights, which works them out from counts (catalog knows no orders). Products
    no longer on sale, and a product suggested for itself, are left out. When nothing changed
    the cached pages are kept; otherwise they are retired after commit.
    """
    wanted: set[tuple[int, str, int, int]] = set()
    on_sale = set(Product.objects.filter(is_active=True).values_list("pk", flat=True))
    for kind, lists in (
        (Suggestion.Kind.BOUGHT_TOGETHER, together),
        (Suggestion.Kind.POPULAR, popular),
    ):
        for product_id, suggested_ids in lists.items():
            if product_id not in on_sale:
                continue
            kept = [s for s in dict.fromkeys(suggested_ids) if s in on_sale and s != product_id]
            wanted.update(
                (product_id, kind.value, position, s)
                for position, s in enumerate(kept[:per_product], start=1)
            )
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Two refreshes at once would each delete and insert; readers are not blocked.
            with connection.cursor() as cursor:
                table = connection.ops.quote_name(Suggestion._meta.db_table)
                cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        stored = set(Suggestion.objects.values_list("product", "kind", "position", "suggested"))
        if stored == wanted:
            return len(wanted)
        Suggestion.objects.all().delete()
        Suggestion.objects.bulk_create(
            Suggestion(product_id=p, kind=k, position=n, suggested_id=s)
            for p, k, n, s in sorted(wanted)
        )
        transaction.on_commit(invalidate_pages)
    return len(wanted)
