"""Pinned query counts for the shop's pages, so an N+1 cannot slip in.

Every page is measured twice, once with 3 products (or cart lines, or variants, or order lines)
and once with 30, and must take exactly the same number of queries both times. The shop
settings and banners are cached (core.ShopSettings.load, campaigns active_announcements), so
each test warms those caches first: the counts are those of a running shop, not of its very
first request. The payment settings row is
likewise created up front (PaymentSettings.load creates it on first use).

These prove a standard of the shop (no N+1 queries), not a privacy promise, so they cite none.
"""

import uuid
from decimal import Decimal

import pytest
from django.test import Client

from candor.campaigns.services import active_announcements
from candor.cart.models import Cart, CartLine
from candor.cart.services import SESSION_KEY
from candor.checkout.forms import DetailsForm
from candor.checkout.links import return_token
from candor.checkout.views import DETAILS_KEY, TOKEN_KEY
from candor.core.models import ShopSettings
from candor.orders.links import lookup_token
from candor.payments.models import PaymentSettings
from tests.factories import BrandFactory, CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

SIZES = pytest.mark.parametrize("n", [3, 30])

GUEST_DETAILS = {
    "email": "ayesha@example.com",
    "phone": "+923001234567",
    "shipping_name": "Ayesha Khan",
    "shipping_line1": "12 Mall Road",
    "shipping_city": "Lahore",
    "shipping_country": "PK",
    "billing_same_as_shipping": "on",
}


@pytest.fixture(autouse=True)
def _settings_rows(db):
    """The settings singletons exist in a running shop; the shop settings and the banner
    announcements are also cached."""
    ShopSettings.load()
    PaymentSettings.load()
    active_announcements()


def catalogue(n: int) -> list:
    """n active, featured phones in one category, spread over three brands, two variants each,
    all of them matching the search word "phone"."""
    category = CategoryFactory(slug="phones", name="Phones")
    brands = [BrandFactory(slug=f"brand-{i}", name=f"Brand {i}") for i in range(3)]
    variants = []
    for i in range(n):
        product = ProductFactory(
            category=category,
            brand=brands[i % 3],
            is_featured=True,
            price_from=Decimal(1000 + i),
        )
        variants.append(VariantFactory(product=product, price=Decimal(1000 + i), stock=5))
        VariantFactory(product=product, price=Decimal(1100 + i), storage="256 GB", stock=5)
    return variants


def shopper_with(variants) -> Client:
    """A guest whose cart holds one of each of `variants`."""
    cart = Cart.objects.create()
    CartLine.objects.bulk_create(CartLine(cart=cart, variant=v, quantity=1) for v in variants)
    client = Client()
    session = client.session
    session[SESSION_KEY] = cart.pk
    session.save()
    return client


@SIZES
def test_home(client, django_assert_num_queries, n):
    """Featured products, new arrivals, categories: one query each; anonymous, no session."""
    catalogue(n)
    with django_assert_num_queries(3):
        response = client.get("/")
    assert response.status_code == 200
    assert len(response.context["featured"]) == min(n, 8)


@SIZES
def test_category_page_with_filters(client, django_assert_num_queries, n):
    """Category, its brands, the count and the page of products (brand and price already on
    the product row, so the cards need no more)."""
    catalogue(n)
    url = "/c/phones/?brand=brand-0&brand=brand-1&min_price=1000&max_price=5000&sort=price_asc"
    with django_assert_num_queries(4):
        response = client.get(url)
    assert response.status_code == 200
    shown = list(response.context["page"])
    expected = len([i for i in range(n) if i % 3 in (0, 1)])
    assert len(shown) == min(expected, 24)
    assert [p.price_from for p in shown] == sorted(p.price_from for p in shown)


@SIZES
def test_category_page_second_page(client, django_assert_num_queries, n):
    catalogue(n)
    with django_assert_num_queries(4):
        response = client.get("/c/phones/?page=2&sort=name")
    assert response.status_code == 200
    assert len(response.context["page"]) == (n - 24 if n > 24 else n)


@SIZES
def test_product_page(client, django_assert_num_queries, n):
    """The product with brand and category, then its active variants, then its published
    testimonials, then its suggestions (bought together, popular): four queries, however many
    variants it has."""
    (first, *_) = catalogue(3)
    for i in range(n - 2):
        VariantFactory(product=first.product, colour=f"Colour {i}", stock=i % 2)
    with django_assert_num_queries(4):
        response = client.get(f"/p/{first.product.slug}/")
    assert response.status_code == 200
    assert len(response.context["variants"]) == n


@SIZES
def test_search(client, django_assert_num_queries, n):
    """Brands, the count and the page of results."""
    catalogue(n)
    with django_assert_num_queries(3):
        response = client.get("/search/?q=phone")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == n


@SIZES
def test_cart_page(django_assert_num_queries, n):
    """Session, cart, its lines with variant, product and brand, and the header count."""
    client = shopper_with(catalogue(n))
    with django_assert_num_queries(4):
        response = client.get("/cart/")
    assert response.status_code == 200
    assert len(response.context["contents"].items) == n


@SIZES
def test_checkout_details_page(django_assert_num_queries, n):
    client = shopper_with(catalogue(n))
    with django_assert_num_queries(4):
        response = client.get("/checkout/")
    assert response.status_code == 200
    assert len(response.context["contents"].items) == n


@SIZES
def test_checkout_review_page(standard_shipping, django_assert_num_queries, n):
    """Review: session, cart, lines, payment settings, shipping zones, the zone's methods, the
    form's choice of methods, and the header's item count."""
    client = shopper_with(catalogue(n))
    form = DetailsForm(GUEST_DETAILS)
    assert form.is_valid(), form.errors
    session = client.session
    session[DETAILS_KEY] = form.session_data()
    session[TOKEN_KEY] = str(uuid.uuid4())
    session.save()
    with django_assert_num_queries(8):
        response = client.get("/checkout/review/")
    assert response.status_code == 200
    assert len(response.context["contents"].items) == n


@SIZES
def test_thanks_page(place, django_assert_num_queries, n):
    """The order, then its lines in one query, whatever their number."""
    order = place({v.pk: 1 for v in catalogue(n)})
    with django_assert_num_queries(2):
        response = Client().get(f"/checkout/thanks/{return_token(order.number)}/")
    assert response.status_code == 200
    assert response.content.decode().count("<small>SKU ") == n


@SIZES
def test_guest_order_page(place, django_assert_num_queries, n):
    """The guest's order page from the emailed link: order, lines, status history."""
    order = place({v.pk: 1 for v in catalogue(n)})
    with django_assert_num_queries(3):
        response = Client().get(f"/orders/view/{lookup_token(order.number)}/")
    assert response.status_code == 200
    assert response.context["order"].lines.count() == n
