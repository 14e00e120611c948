"""The whole-page cache for visitors without a session (P1): fast, never shared wrongly."""

import re
from decimal import Decimal

import pytest
from django.test import Client

from candor.cart.models import CartLine
from candor.catalog.services import adjust_prices
from candor.core.models import ShopSettings
from tests.factories import VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 30


@pytest.fixture
def product_variant():
    variant = VariantFactory(price=Decimal("1000.00"), stock=5)
    variant.product.is_featured = True
    variant.product.save()
    ShopSettings.load()  # a running shop: creating the settings row would clear the cache
    return variant


@pytest.fixture
def walk_order(committed):
    from candor.orders.services import change_status

    def _walk(order, status):
        return committed(change_status, order=order, to_status=status, acting_user=None)

    return _walk


def csrf_value(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())[1]


def test_second_first_visit_is_served_from_memory(
    product_variant, django_assert_num_queries, committed
):
    """P1: a first visit's page is the same for everyone, so it is rendered once."""
    first = Client().get("/")
    with django_assert_num_queries(0):
        second = Client().get("/")
    assert second.content == first.content
    assert dict(second.cookies) == {}


def test_each_visitor_gets_their_own_form_token(product_variant):
    """The cached product page is not a shared CSRF token: each visitor's works for them."""
    url = product_variant.product.get_absolute_url()
    alice, bob = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    alice_page, bob_page = alice.get(url), bob.get(url)
    assert csrf_value(alice_page) != csrf_value(bob_page)
    assert "__candor_csrf_token__" not in bob_page.content.decode()
    assert set(bob_page.cookies) == {"csrftoken"}
    added = bob.post(
        "/cart/add/",
        {"variant": product_variant.pk, "quantity": 1, "csrfmiddlewaretoken": csrf_value(bob_page)},
    )
    assert added.status_code == 302
    assert CartLine.objects.get().quantity == 1


def test_a_visitor_with_a_cart_sees_their_own_page(product_variant):
    """Never one visitor's cart for another: a session means a freshly rendered page."""
    Client().get("/")  # cached, with an empty cart
    shopper = Client()
    shopper.post("/cart/add/", {"variant": product_variant.pk, "quantity": 2})
    assert 'aria-label="2 items"' in shopper.get("/").content.decode()
    assert 'aria-label="2 items"' not in Client().get("/").content.decode()


def test_a_price_change_shows_at_once(product_variant, committed):
    url = product_variant.product.get_absolute_url()
    assert "1,000.00" in Client().get(url).content.decode()
    committed(
        adjust_prices, variant_ids=[product_variant.pk], percent=Decimal("10"), acting_user=None
    )
    page = Client().get(url).content.decode()
    assert "1,100.00" in page and "1,000.00" not in page


def test_a_price_change_still_shows_after_redis_lost_its_counters(product_variant, committed):
    """Redis restarted empty (or evicted the counters): the pages kept before the loss under
    the counters' first values must not come back. Counters start again at values they never
    had."""
    from django.core.cache import caches

    url = product_variant.product.get_absolute_url()
    assert "1,000.00" in Client().get(url).content.decode()  # kept under the first counters
    committed(
        adjust_prices, variant_ids=[product_variant.pk], percent=Decimal("10"), acting_user=None
    )
    assert "1,100.00" in Client().get(url).content.decode()
    caches["default"].clear()  # the shared cache lost everything; page bodies stay in memory

    page = Client().get(url).content.decode()
    assert "1,100.00" in page and "1,000.00" not in page
    committed(
        adjust_prices, variant_ids=[product_variant.pk], percent=Decimal("10"), acting_user=None
    )
    caches["default"].clear()
    page = Client().get(url).content.decode()
    assert "1,210.00" in page and "1,100.00" not in page


def test_shop_settings_change_shows_at_once(product_variant):
    Client().get("/")
    shop = ShopSettings.load()
    shop.name = "Candor Lahore"
    shop.save()
    assert "Candor Lahore" in Client().get("/").content.decode()


def test_not_found_pages_are_not_kept(client):
    assert Client().get("/p/nothing/").status_code == 404
    from tests.factories import ProductFactory

    ProductFactory(slug="nothing")
    assert Client().get("/p/nothing/").status_code == 200


def test_stock_badge_follows_orders_and_cancellations(product_variant, place, walk_order):
    """A product's cached page is dropped whenever its stock moves, so badges are exact."""
    url = product_variant.product.get_absolute_url()
    assert "Only 5 left" not in Client().get(url).content.decode()  # 5 shows "In stock"
    order = place({product_variant.pk: 2})
    assert "Only 3 left" in Client().get(url).content.decode()
    walk_order(order, "cancelled")
    assert "Only 3 left" not in Client().get(url).content.decode()


def test_pages_of_other_products_stay_cached(product_variant, place, django_assert_num_queries):
    other = VariantFactory(stock=9)
    url = other.product.get_absolute_url()
    Client().get(url)
    place({product_variant.pk: 1})
    with django_assert_num_queries(0):
        Client().get(url)


def test_p10_pages_are_cached_apart_by_cookie_choice_and_gpc(product_variant):
    """P10: the banner shows until a visitor has chosen, and says when GPC was honoured, so a
    page cached for one kind of visitor is never served to another (PAGE_CACHE_VARY_*)."""
    banner = '<section class="cookie-banner"'
    gpc_notice = "Your browser sent a Global Privacy Control signal"
    chosen = Client()
    chosen.cookies["candor_consent"] = "v1:analytics"
    assert banner not in chosen.get("/").content.decode()  # cached without the banner
    assert banner in Client().get("/").content.decode()  # not served that page
    assert banner not in chosen.get("/").content.decode()
    assert gpc_notice in Client().get("/", HTTP_SEC_GPC="1").content.decode()
    assert gpc_notice not in Client().get("/").content.decode()
    # A choice made after the banner page was cached is not answered with that page.
    first = Client()
    assert banner in first.get("/").content.decode()
    first.cookies["candor_consent"] = "v1:"
    page = first.get("/").content.decode()
    assert banner not in page and "candor/analytics.js" not in page
    assert "candor/analytics.js" in chosen.get("/").content.decode()


def test_p10_each_kind_of_visitor_still_gets_a_cached_page(
    product_variant, django_assert_num_queries
):
    chosen = Client()
    chosen.cookies["candor_consent"] = "v1:"
    chosen.get("/")
    with django_assert_num_queries(0):
        again = Client()
        again.cookies["candor_consent"] = "v1:"
        assert '<section class="cookie-banner"' not in again.get("/").content.decode()
