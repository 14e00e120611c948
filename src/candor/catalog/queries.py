"""Catalogue reads shared by the shop pages, search and the cart."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Q, QuerySet

from .models import Brand, Category, Product

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


def active_products() -> QuerySet[Product]:
    return Product.objects.filter(is_active=True).select_related("brand", "category")


def featured_products(limit: int = 8) -> list[Product]:
    return list(active_products().filter(is_featured=True).order_by("-created_at", "id")[:limit])


def new_arrivals(limit: int = 8) -> list[Product]:
    return list(active_products().order_by("-created_at", "id")[:limit])


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
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = SearchVector("search_text", config="english")
        search = SearchQuery(query, config="english", search_type="websearch")
        # Filter with the @@ match (served by the GIN index); ts_rank alone is never zero.
        return (
            active_products()
            .annotate(document=vector, rank=SearchRank(vector, search))
            .filter(document=search)
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
    if listing.query and listing.sort == "relevance":
        return products
    return products.order_by(*SORTS.get(listing.sort, SORTS["newest"]))


def product_detail(slug: str) -> Product:
    """The product with its active variants; raises Product.DoesNotExist."""
    from django.db.models import Prefetch

    from .models import Variant

    return (
        active_products()
        .prefetch_related(Prefetch("variants", queryset=Variant.objects.filter(is_active=True)))
        .get(slug=slug)
    )
