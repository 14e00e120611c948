"""Catalogue reads shared by the shop pages, search and the cart."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import F, Q, QuerySet

from .models import Brand, Category, Product, Suggestion, Variant

SORTS = {
    "newest": ("-created_at", "id"),
    "price_asc": ("price_from", "id"),
    "price_desc": ("-price_from", "id"),
    "name": ("name", "id"),
}


@dataclass(frozen=True)
class ListingFilter:
    brands: tuple[str, ...] = ()
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    sort: str = "newest"
    query: str = ""
    extra: dict = field(default_factory=dict)


# Long columns that product cards never show: listings leave them in the database (the
# description and search text run to hundreds of characters, and specs is JSON to decode).
CARD_UNUSED = ("description", "specs", "search_text", "search_vector")


def active_products() -> QuerySet[Product]:
    return Product.objects.filter(is_active=True).select_related("brand", "category")


def for_cards(products: QuerySet[Product]) -> QuerySet[Product]:
    """Just what catalog/_product_card.html shows: the product row and its brand."""
    return products.select_related(None).select_related("brand").defer(*CARD_UNUSED)


def featured_products(limit: int = 8) -> list[Product]:
    featured = for_cards(active_products().filter(is_featured=True))
    return list(featured.order_by("-created_at", "id")[:limit])


def new_arrivals(limit: int = 8) -> list[Product]:
    return list(for_cards(active_products()).order_by("-created_at", "id")[:limit])


def categories() -> list[Category]:
    return list(Category.objects.all())


def brands_in(category: Category | None) -> list[Brand]:
    brands = Brand.objects.all()
    if category is not None:
        brands = brands.filter(products__category=category, products__is_active=True).distinct()
    return list(brands)


def search_products(query: str) -> QuerySet[Product]:
    """Full-text search with ranking on PostgreSQL; a plain word match elsewhere."""
    query = query.strip()
    if not query:
        return active_products().none()
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank

        search = SearchQuery(query, config="english", search_type="websearch")
        # The @@ match is served by the GIN index on the stored vector (kept by a trigger);
        # ts_rank alone is never zero, so it cannot be the filter.
        return (
            active_products()
            .filter(search_vector=search)
            .annotate(rank=SearchRank(F("search_vector"), search))
            .order_by("-rank", "id")
        )
    condition = Q()
    for word in query.split()[:8]:
        condition &= Q(search_text__icontains=word)
    return active_products().filter(condition).order_by("name", "id")


def product_listing(category: Category | None, listing: ListingFilter) -> QuerySet[Product]:
    products = search_products(listing.query) if listing.query else active_products()
    if category is not None:
        products = products.filter(category=category)
    if listing.brands:
        products = products.filter(brand__slug__in=listing.brands)
    if listing.min_price is not None:
        products = products.filter(price_from__gte=listing.min_price)
    if listing.max_price is not None:
        products = products.filter(price_from__lte=listing.max_price)
    products = for_cards(products)
    if listing.query and listing.sort == "relevance":
        return products
    return products.order_by(*SORTS.get(listing.sort, SORTS["newest"]))


@dataclass(frozen=True)
class ProductDetail:
    product: Product
    variants: list[Variant]  # the active ones, cheapest first
    bought_together: list[Product] = field(default_factory=list)  # for product cards
    popular: list[Product] = field(default_factory=list)  # in the product's category


def suggestions_for(product: Product) -> tuple[list[Product], list[Product]]:
    """The products often bought with `product` and those popular in its category, best
    first, as card-ready products: one query for both lists."""
    rows = (
        Suggestion.objects.filter(product=product, suggested__is_active=True)
        .select_related("suggested__brand")
        .defer(*(f"suggested__{name}" for name in CARD_UNUSED))
        .order_by("kind", "position")
    )
    lists: dict[str, list[Product]] = {kind: [] for kind in Suggestion.Kind.values}
    for row in rows:
        lists[row.kind].append(row.suggested)
    return lists[Suggestion.Kind.BOUGHT_TOGETHER], lists[Suggestion.Kind.POPULAR]


def product_detail(slug: str) -> ProductDetail:
    """The product (with brand and category), its active variants and its suggestions, in
    three queries.

    Raises Product.DoesNotExist. The variants are a plain second query rather than
    prefetch_related, whose machinery cost more than the query on the product page.
    """
    product = active_products().get(slug=slug)
    variants = list(Variant.objects.filter(product=product, is_active=True))
    return ProductDetail(product, variants, *suggestions_for(product))
