"""What product pages suggest, learnt from shoppers as a whole (P18).

- **Often bought together**: pairs of products in the same counted order, over the last
  SUGGESTION_DAYS days. A pair is shown only when at least SUGGESTION_MIN_CUSTOMERS different
  customers bought both in one order, so a suggestion never retells one person's basket.
- **Popular in a category**: the products most customers bought over the same days, then the
  most viewed (page counts, P11), within each category.

Every figure comes from an aggregate query (GROUP BY in the database); only the small
per-product results are sorted here. Nothing is kept about a visitor or a customer: what is
stored is which product is shown with which (catalog.Suggestion), without the counts.
Orders of customers who restricted processing are not counted (insights.counting).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Exists, F, OuterRef, Sum
from django.urls import reverse

from candor.catalog.models import Product, Variant
from candor.orders.models import OrderLine

from .counting import Restricted, counted, customer, restricted_customers
from .models import PageViewDay

PER_PRODUCT = 4  # suggestions of each kind on a page


@dataclass(frozen=True)
class Rankings:
    together: dict[int, list[int]]  # product id: products bought with it, most customers first
    popular: dict[int, list[int]]  # product id: popular products of its category, best first


def _on_sale() -> dict[int, tuple[int, str]]:
    """Products still on sale (active, with an active variant): id → (category id, slug)."""
    sold = Variant.objects.filter(product=OuterRef("pk"), is_active=True)
    rows = Product.objects.filter(Exists(sold), is_active=True).values_list(
        "pk", "category_id", "slug"
    )
    return {pk: (category, slug) for pk, category, slug in rows}


def bought_together(
    *, start: date, end: date, min_customers: int, restricted: Restricted
) -> dict[int, list[int]]:
    """For each product, the products that at least `min_customers` customers bought in the
    same order with it, most customers first: one GROUP BY over pairs of order lines."""
    lines = counted(
        OrderLine.objects.all(), start=start, end=end, restricted=restricted, order="order__"
    )
    pairs = (
        lines.annotate(first=F("variant__product"), second=F("order__lines__variant__product"))
        .exclude(first=F("second"))
        .filter(first__isnull=False, second__isnull=False)
        .values("first", "second")
        .annotate(customers=Count(customer("order__"), distinct=True))
        .filter(customers__gte=min_customers)
        .order_by("first", "-customers", "second")
    )
    together: dict[int, list[int]] = defaultdict(list)
    for row in pairs:
        together[row["first"]].append(row["second"])
    return dict(together)


def popular(
    *, start: date, end: date, on_sale: dict[int, tuple[int, str]], restricted: Restricted
) -> dict[int, list[int]]:
    """For each product on sale, the most popular other products of its category: most
    customers first, then most page views."""
    lines = counted(
        OrderLine.objects.all(), start=start, end=end, restricted=restricted, order="order__"
    )
    buyers = dict(
        lines.filter(variant__product__is_active=True)
        .values_list("variant__product")
        .annotate(customers=Count(customer("order__"), distinct=True))
        .order_by()
    )
    page = reverse("catalog:product", args=["slug"])
    prefix, suffix = page[: page.index("slug")], page[page.index("slug") + 4 :]
    by_path = {f"{prefix}{slug}{suffix}": pk for pk, (_, slug) in on_sale.items()}
    views: dict[int, int] = {}
    counted_pages = (
        PageViewDay.objects.filter(day__gte=start, day__lte=end, path__startswith=prefix)
        .values_list("path")
        .annotate(total=Sum("views"))
        .order_by()
    )
    for path, total in counted_pages:
        if path in by_path:
            views[by_path[path]] = total
    ranked: dict[int, list[int]] = defaultdict(list)
    for pk in sorted(
        (pk for pk in on_sale if buyers.get(pk) or views.get(pk)),
        key=lambda pk: (-buyers.get(pk, 0), -views.get(pk, 0), pk),
    ):
        ranked[on_sale[pk][0]].append(pk)
    result = {}
    for pk, (category, _) in on_sale.items():
        others = [other for other in ranked.get(category, ())[: PER_PRODUCT + 1] if other != pk]
        if others:
            result[pk] = others[:PER_PRODUCT]
    return result


def compute(*, today: date, days: int, min_customers: int) -> Rankings:
    """Both kinds of suggestion over the `days` days ending `today`."""
    start = today - timedelta(days=days - 1)
    on_sale = _on_sale()
    restricted = restricted_customers()
    pairs = bought_together(
        start=start, end=today, min_customers=min_customers, restricted=restricted
    )
    together = {
        pk: kept[:PER_PRODUCT]
        for pk, others in pairs.items()
        if pk in on_sale and (kept := [other for other in others if other in on_sale])
    }
    return Rankings(
        together=together,
        popular=popular(start=start, end=today, on_sale=on_sale, restricted=restricted),
    )
