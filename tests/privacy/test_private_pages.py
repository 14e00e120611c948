"""P14: pages reached by a bearer token or showing an account, a cart, a checkout or the back
office are never kept by a cache (`Cache-Control: private, no-store`), and token pages send no
referrer. Every route of the URLconf is classified below, so a new one must be thought about."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from candor.cart.models import CartLine
from candor.privacy.private_pages import CACHE_CONTROL, TOKEN_PAGE_REFERRER_POLICY
from tests.factories import UserFactory, VerifiedEmailFactory

pytestmark = pytest.mark.django_db

# Every named route outside the back office and allauth (which are private as a whole), by
# whether it is private. A route missing here fails test_every_route_is_classified.
PRIVATE = {
    "account_orders:list",
    "account_orders:attach",
    "account_orders:detail",
    "accounts:profile",
    "accounts:addresses",
    "accounts:address-add",
    "accounts:address-edit",
    "accounts:address-delete",
    "accounts:address-default-shipping",
    "accounts:address-default-billing",
    "accounts:disable",
    "accounts:privacy",
    "accounts:privacy_download",
    "accounts:privacy_restrict",
    "accounts:privacy_delete",
    "accounts:privacy_request",
    "messaging:confirm",
    "messaging:unsubscribe",
    "messaging:my_preferences",
    "messaging:preferences",
    "privacy:rights_request",
    "privacy:rights_export",
    "support:mine",
    "support:mine_thread",
    "support:mine_reply",
    "support:mine_file",
    "support:link",
    "support:link_reply",
    "support:link_file",
    "testimonials:mine",
    "testimonials:withdraw",
    "cart:view",
    "cart:add",
    "cart:update",
    "cart:remove",
    "checkout:details",
    "checkout:review",
    "checkout:thanks",
    "checkout:retry-card",
    "checkout:pay-order",
    "orders:lookup",
}
PUBLIC = {
    "healthz",
    "readyz",
    "messaging:subscribe",
    "messaging:preferences_request",
    "privacy:policy",
    "privacy:policy_json",
    "privacy:history",
    "privacy:compare",
    "privacy:diff",
    "privacy:cookies",
    "privacy:cookie_choice",
    "privacy:rights_new",
    "support:contact",
    "support:sent",
    "support:feedback",
    "surveys:list",
    "surveys:detail",
    "surveys:thanks",
    "surveys:withdraw",
    "testimonials:list",
    "testimonials:product",
    "testimonials:write",
    "payments:stripe-webhook",
    "catalog:home",
    "catalog:search",
    "catalog:category",
    "catalog:follow_category",
    "catalog:product",
    "catalog:notify_when_back",
}
TOKEN_ROUTES = {
    "messaging:confirm",
    "messaging:unsubscribe",
    "messaging:preferences",
    "privacy:rights_request",
    "privacy:rights_export",
    "support:link",
    "support:link_reply",
    "support:link_file",
    "checkout:thanks",
    "checkout:retry-card",
    "checkout:pay-order",
    "orders:lookup",
}
DUMMY = {"int": "1", "str": "x", "slug": "x", "path": "x"}


def routes():
    """(view name, an example URL) for every named route; the back office and allauth's pages
    apart, as ("admin" / "allauth", url)."""
    found = []

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.app_name == "admin":
                    found.append(("admin", "/backoffice/"))
                    continue
                inner = pattern.namespace or namespace
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                route = prefix + str(pattern.pattern)
                if route.startswith("accounts/"):
                    groups = pattern.pattern.regex.groupindex
                    url = reverse(pattern.name, kwargs={key: "1a" for key in groups})
                    found.append(("allauth-key" if "key" in groups else "allauth", url))
                    continue
                kwargs = {
                    key: DUMMY[kind]
                    for kind, key in re.findall(r"<(\w+):(\w+)>", str(pattern.pattern))
                }
                found.append((name, reverse(name, kwargs=kwargs)))

    walk(get_resolver().url_patterns, "", None)
    return found


def test_every_route_is_classified_P14():
    names = {name for name, _ in routes() if name not in ("admin", "allauth", "allauth-key")}
    assert names - PRIVATE - PUBLIC == set(), "classify the new route(s) above"
    assert (PRIVATE | PUBLIC) - names == set(), "a classified route no longer exists"


@pytest.fixture
def customer_client():
    user = UserFactory(email="ayesha@example.com")
    VerifiedEmailFactory(user=user)
    # A social provider's sign-in page without a configured app is a 500 here; its headers
    # are what this test reads.
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def test_every_private_route_answers_private_no_store_whatever_its_status_P14(customer_client):
    """Even a refused or missing token page is not kept: the mechanism is the route, not the
    view. Public routes keep whatever caching they had."""
    for name, url in routes():
        if name in ("healthz", "readyz"):  # probes: /readyz is never cached by its own view
            continue
        response = customer_client.get(url)
        private = name in PRIVATE or name in ("admin", "allauth", "allauth-key")
        if private:
            assert response["Cache-Control"] == CACHE_CONTROL, (name, url, response.status_code)
        else:
            assert "no-store" not in response.get("Cache-Control", ""), (name, url)
        if name in TOKEN_ROUTES or name == "allauth-key":
            assert response["Referrer-Policy"] == TOKEN_PAGE_REFERRER_POLICY, name
        else:
            assert response["Referrer-Policy"] == "same-origin", name


def test_real_token_pages_are_private_P14(client, place, variant):
    from candor.checkout.links import return_token
    from candor.messaging import subscriptions
    from candor.messaging.links import preferences_url
    from candor.orders.links import lookup_token

    order = place({variant.pk: 1})
    subscriptions.request_subscription(
        email="ayesha@example.com", topics=[subscriptions.newsletter_topic()], source="test"
    )
    pages = [
        f"/orders/view/{lookup_token(order.number)}/",
        f"/checkout/thanks/{return_token(order.number)}/",
        preferences_url("ayesha@example.com").removeprefix("http://testserver"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == CACHE_CONTROL, url
        assert response["Referrer-Policy"] == TOKEN_PAGE_REFERRER_POLICY, url
        assert order.number.encode() in response.content or "preferences" in url


def test_after_ordering_the_cart_is_asked_for_again_not_kept_P14(
    client, variant, standard_shipping, guest_at_review
):
    """The Back button after ordering showed the old full cart: the cart and every checkout
    step now forbid storing, so the browser asks again and gets the empty cart."""
    initial = guest_at_review(variant, quantity=2)
    for url in ("/cart/", "/checkout/", "/checkout/review/"):
        assert client.get(url)["Cache-Control"] == CACHE_CONTROL, url
    placed = client.post(
        "/checkout/review/",
        {**initial, "shipping_method": standard_shipping.pk, "payment_method": "cod"},
    )
    assert placed.status_code == 302
    thanks = client.get(placed["Location"])
    assert thanks["Cache-Control"] == CACHE_CONTROL
    cart = client.get("/cart/")
    assert cart["Cache-Control"] == CACHE_CONTROL
    assert not CartLine.objects.exists()
    assert variant.product.name.encode() not in cart.content


def test_the_back_office_is_private_P14(admin_client):
    for url in ("/backoffice/", "/backoffice/orders/order/", "/backoffice/accounts/user/"):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == CACHE_CONTROL, url


def test_catalogue_pages_stay_cacheable_P14(client, variant):
    for url in ("/", variant.product.get_absolute_url(), "/privacy/"):
        response = client.get(url)
        assert response.status_code == 200
        assert "Cache-Control" not in response or "no-store" not in response["Cache-Control"]
