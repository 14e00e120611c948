"""P25: the web checkout goes through order screening. A held order is received but not
confirmed or charged; a declined one is refused in neutral words and leaves the cart as it was."""

import copy

import pytest
import responses

import candor.settings as production
from candor.cart.models import CartLine
from candor.catalog.models import Variant
from candor.checkout.views import DECLINED
from candor.messaging.models import OutboxMessage
from candor.orders.links import lookup_token
from candor.orders.models import Order, OrderStatus, ScreeningOutcome, ScreeningResult
from candor.orders.screening.decisions import release_held_order
from candor.payments.models import Payment
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SESSIONS_URL = "https://api.stripe.com/v1/checkout/sessions"


@pytest.fixture
def rules(settings):
    def _rules(**changes):
        settings.ORDER_SCREENING_RULES = {
            **copy.deepcopy(production.ORDER_SCREENING_RULES),
            **changes,
        }

    return _rules


def submit(client, initial, shipping, method="cod", **extra):
    return client.post(
        "/checkout/review/",
        {
            "token": initial["token"],
            "cart_digest": initial["cart_digest"],
            "shipping_method": shipping.pk,
            "payment_method": method,
        },
        **extra,
    )


def test_p25_a_held_card_order_is_received_but_not_sent_to_the_card_page(
    client, variant, standard_shipping, guest_at_review, rules, payments_enabled
):
    rules(review_quantity_above=1)
    initial = guest_at_review(variant, quantity=2)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as stripe:
        response = submit(client, initial, standard_shipping, method="card")
        assert len(stripe.calls) == 0

    order = Order.objects.get()
    assert order.status == OrderStatus.HELD
    assert response.status_code == 302 and "/checkout/thanks/" in response.url
    assert Payment.objects.count() == 0
    assert CartLine.objects.count() == 0  # the order is placed: its lines left the cart
    assert Variant.objects.get(pk=variant.pk).stock == 8

    page = client.get(response.url).content.decode()
    assert (
        "We have received your order and are checking it before we confirm it. We will email "
        "a@example.com when it is confirmed, with how to pay." in page
    )
    assert "Pay by card" not in page
    assert "more than 1" not in page


def test_p25_a_declined_order_is_refused_in_neutral_words_and_the_cart_kept(
    client, variant, standard_shipping, guest_at_review, rules
):
    rules(velocity={"email": {"hour": (None, 1)}})
    initial = guest_at_review(variant, quantity=2)

    response = submit(client, initial, standard_shipping)
    assert response.status_code == 400
    page = response.content.decode()
    assert DECLINED in page
    assert "email address" not in page and "screening" not in page

    order = Order.objects.get()
    assert order.status == OrderStatus.CANCELLED
    assert ScreeningResult.objects.get(order=order).outcome == ScreeningOutcome.REJECT
    assert list(CartLine.objects.values_list("variant_id", "quantity")) == [(variant.pk, 2)]
    assert Variant.objects.get(pk=variant.pk).stock == 10
    assert OutboxMessage.objects.count() == 0

    # The same form sent again (a double click) finds the same declined order.
    again = submit(client, initial, standard_shipping)
    assert again.status_code == 400 and DECLINED in again.content.decode()
    assert Order.objects.count() == 1 and ScreeningResult.objects.count() == 1


def test_p25_a_declined_order_saves_no_address_to_the_book(
    client, variant, standard_shipping, rules
):
    from tests.conftest import GUEST_DETAILS

    shopper = UserFactory(email="a@example.com")
    client.force_login(shopper)
    rules(velocity={"email": {"hour": (None, 1)}})
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})
    client.post("/checkout/", {**GUEST_DETAILS, "save_address": "on"})
    initial = client.get("/checkout/review/").context["form"].initial
    assert client.session["checkout_details"]["save_address"] is True
    assert submit(client, initial, standard_shipping).status_code == 400
    assert shopper.addresses.count() == 0


@pytest.mark.parametrize(
    ("proxies", "headers", "stored"),
    [
        (0, {"REMOTE_ADDR": "198.51.100.23"}, "198.51.100.23"),
        (
            1,
            {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "192.0.2.1, 203.0.113.9"},
            "203.0.113.9",
        ),
    ],
)
def test_p25_the_customer_address_comes_from_the_request_as_the_server_log_reads_it(
    client, variant, standard_shipping, guest_at_review, rules, settings, proxies, headers, stored
):
    rules()
    settings.TRUSTED_PROXY_COUNT = proxies
    initial = guest_at_review(variant)
    assert submit(client, initial, standard_shipping, **headers).status_code == 302
    assert ScreeningResult.objects.get().ip == stored


def test_p25_a_released_card_order_is_paid_from_the_order_page(
    client, place, variant, rules, payments_enabled, committed
):
    rules(review_quantity_above=1)
    order = place({variant.pk: 2}, payment_method="card")
    committed(release_held_order, order=order, acting_user=UserFactory(is_staff=True))
    token = lookup_token(order.number)

    page = client.get(f"/orders/view/{token}/").content.decode()
    assert f'action="/checkout/order/{token}/pay/"' in page
    mail = OutboxMessage.objects.get(template="orders/email/confirmed")
    assert "Pay by card on your order's page: http://testserver/orders/view/" in mail.body_text

    with responses.RequestsMock() as stripe:
        stripe.post(
            SESSIONS_URL,
            json={
                "id": "cs_test_released",
                "object": "checkout.session",
                "url": "https://checkout.stripe.com/c/pay/cs_test_released",
            },
        )
        response = client.post(f"/checkout/order/{token}/pay/")
    assert response.status_code == 302
    assert response.url == "https://checkout.stripe.com/c/pay/cs_test_released"
    assert list(Payment.objects.values_list("order_id", "provider_reference")) == [
        (order.pk, "cs_test_released")
    ]


def test_p25_the_pay_link_refuses_a_bad_token_and_orders_needing_no_card(
    client, place, variant, rules
):
    rules()
    assert client.post("/checkout/order/not-a-token/pay/").status_code == 404
    cod = place({variant.pk: 1})
    token = lookup_token(cod.number)
    response = client.post(f"/checkout/order/{token}/pay/", follow=True)
    assert "This order does not need a card payment." in response.content.decode()
    assert Payment.objects.count() == 0
    assert client.get(f"/checkout/order/{token}/pay/").status_code == 405
