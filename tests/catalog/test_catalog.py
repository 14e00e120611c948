from decimal import Decimal

import pytest

from candor.catalog.models import Product
from candor.catalog.queries import search_products
from candor.catalog.services import adjust_prices, refresh_price_from, set_stock
from tests.factories import BrandFactory, CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def phones():
    category = CategoryFactory(name="Smartphones", slug="smartphones")
    apple, samsung = (
        BrandFactory(name="Apple", slug="apple"),
        BrandFactory(name="Samsung", slug="samsung"),
    )
    made = {}
    for name, brand, price in [
        ("iPhone 16", apple, 300000),
        ("Galaxy S25", samsung, 250000),
        ("Galaxy A16", samsung, 55000),
    ]:
        product = ProductFactory(
            name=name,
            slug=name.lower().replace(" ", "-"),
            brand=brand,
            category=category,
            description=f"The {name} smartphone.",
        )
        VariantFactory(product=product, price=Decimal(price))
        made[name] = product
    refresh_price_from([p.pk for p in made.values()])
    return made


def names(response):
    return [p.name for p in response.context["page"]]


def test_category_lists_sorts_and_filters_by_brand_and_price(client, phones):
    """P1: anyone can browse the catalogue without an account or cookie."""
    response = client.get("/c/smartphones/?sort=price_asc")
    assert response.status_code == 200
    assert names(response) == ["Galaxy A16", "Galaxy S25", "iPhone 16"]
    assert "sessionid" not in response.cookies
    assert names(client.get("/c/smartphones/?brand=samsung&sort=price_desc")) == [
        "Galaxy S25",
        "Galaxy A16",
    ]
    assert names(client.get("/c/smartphones/?min_price=100000&max_price=260000")) == ["Galaxy S25"]


def test_contradictory_price_range_is_explained_and_ignored(client, phones):
    """P1: Contradictory price range is explained and ignored."""
    response = client.get("/c/smartphones/?min_price=500&max_price=100")
    assert response.status_code == 200
    assert "The minimum price is above the maximum price." in response.content.decode()
    assert len(names(response)) == 3


def test_pagination(client, settings, phones):
    """P1: Pagination."""
    settings.CATALOG_PAGE_SIZE = 2
    first = client.get("/c/smartphones/?sort=name")
    second = client.get("/c/smartphones/?sort=name&page=2")
    assert names(first) == ["Galaxy A16", "Galaxy S25"]
    assert names(second) == ["iPhone 16"]
    assert 'href="?sort=name&amp;page=2"' in first.content.decode()


def test_product_page_shows_variants_and_stock_state(client):
    """P1: Product page shows variants and stock state."""
    product = ProductFactory(name="Redmi 14C", slug="redmi-14c")
    VariantFactory(product=product, storage="128 GB", colour="Black", stock=0, sku="R-128-B")
    VariantFactory(product=product, storage="256 GB", colour="Green", stock=3, sku="R-256-G")
    page = client.get("/p/redmi-14c/").content.decode()
    assert "Out of stock" in page and "Only 3 left" in page
    assert "R-128-B" in page and "R-256-G" in page
    assert page.count(" disabled") == 1


def test_inactive_and_unknown_products_are_404(client):
    """P1: Inactive and unknown products are 404."""
    ProductFactory(slug="retired", is_active=False)
    assert client.get("/p/retired/").status_code == 404
    assert client.get("/p/never-existed/").status_code == 404
    assert client.get("/c/never-existed/").status_code == 404


def test_search_finds_by_name_brand_and_description(client, phones):
    """P1: Search finds by name brand and description."""
    assert set(names(client.get("/search/?q=galaxy"))) == {"Galaxy S25", "Galaxy A16"}
    assert names(client.get("/search/?q=apple")) == ["iPhone 16"]
    assert names(client.get("/search/?q=nothing-like-this")) == []
    empty = client.get("/search/?q=")
    assert empty.status_code == 200 and "Type what you are looking for" in empty.content.decode()


@pytest.mark.postgres
def test_postgres_search_ranks_and_stems(phones):
    """P1: Full-text search on PostgreSQL: stemming ("smartphones") and ranking by relevance."""
    ProductFactory(
        name="Galaxy Galaxy Case",
        slug="galaxy-case",
        description="A case for the Galaxy phones. Galaxy galaxy.",
    )
    ranked = [p.name for p in search_products("galaxy")]
    assert ranked[0] == "Galaxy Galaxy Case"
    assert set(ranked) == {"Galaxy Galaxy Case", "Galaxy S25", "Galaxy A16"}
    assert len(list(search_products("smartphones"))) == 3


def test_price_from_follows_variants_and_bulk_price_change(phones):
    """P1: Price from follows variants and bulk price change."""
    product = phones["Galaxy A16"]
    cheap = VariantFactory(product=product, price=Decimal("50000"))
    refresh_price_from([product.pk])
    assert Product.objects.get(pk=product.pk).price_from == Decimal("50000.00")
    assert adjust_prices(variant_ids=[cheap.pk], percent=Decimal("-10"), acting_user=None) == 1
    assert Product.objects.get(pk=product.pk).price_from == Decimal("45000.00")


def test_bulk_stock_refuses_negative(variant):
    """P1: Bulk stock refuses negative."""
    with pytest.raises(ValueError):
        set_stock(variant_ids=[variant.pk], quantity=-1, acting_user=None)
    assert set_stock(variant_ids=[variant.pk], quantity=0, acting_user=None) == 1
    variant.refresh_from_db()
    assert variant.stock == 0
