"""Card payments through Stripe Checkout, with Stripe's HTTP API stubbed (no network)."""

import hashlib
import hmac
import json
import re
import time
from urllib.parse import parse_qs

import pytest
import responses
from django.test import Client

from candor.catalog.models import Variant
from candor.messaging.models import OutboxMessage
from candor.orders.models import Order, OrderStatus
from candor.payments.models import Payment, PaymentStatus, WebhookEvent

pytestmark = pytest.mark.django_db

SESSIONS_URL = "https://api.stripe.com/v1/checkout/sessions"
WEBHOOK = "/payments/webhooks/stripe/"


def stripe_session(session_id="cs_test_123", **extra):
    return {
        "id": session_id,
        "object": "checkout.session",
        "url": f"https://checkout.stripe.com/c/pay/{session_id}",
        "payment_status": "unpaid",
        **extra,
    }


def signed(payload: dict, secret="whsec_candor_tests", timestamp=None) -> tuple[bytes, str]:
    """A payload and Stripe-Signature header made the way Stripe signs webhooks."""
    body = json.dumps(payload).encode()
    timestamp = int(timestamp or time.time())
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return body, f"t={timestamp},v1={digest.hexdigest()}"


def event(event_id, event_type, session):
    return {"id": event_id, "object": "event", "type": event_type, "data": {"object": session}}


@pytest.fixture
def card_order(place, variant, payments_enabled, committed):
    """A card order whose Stripe Checkout Session has been created (stubbed)."""
    from candor.payments.services import start_payment

    order = place({variant.pk: 2}, payment_method="card")
    with responses.RequestsMock() as stub:
        stub.post(SESSIONS_URL, json=stripe_session())
        start_payment(
            order=order, success_url="http://testserver/ok", cancel_url="http://testserver/cancel"
        )
    return order


def post_event(client, payload, **kwargs):
    body, signature = signed(payload, **kwargs)
    return client.post(
        WEBHOOK, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )


def paid_session(order, **overrides):
    fields = {
        "payment_status": "paid",
        "amount_total": 225000,
        "currency": "pkr",
        "client_reference_id": order.number,
    }
    return stripe_session(**{**fields, **overrides})


def test_checkout_redirects_to_hosted_page_and_sends_only_what_the_charge_needs(
    client, variant, standard_shipping, payments_enabled, guest_at_review
):
    """P13: our pages never hold a card field; the gateway gets amount, reference, email."""
    guest_at_review(
        variant,
        2,
        email="ayesha@example.com",
        shipping_name="Ayesha Khan",
        shipping_line1="12 Mall Road",
    )
    review = client.get("/checkout/review/")
    page = review.content.decode()
    assert 'value="card"' in page
    input_names = set(re.findall(r'<(?:input|textarea|select)[^>]*name="([^"]+)"', page))
    assert input_names == {
        "q",  # the site search box in the header
        "message",  # the site feedback box in the footer
        "csrfmiddlewaretoken",
        "token",
        "cart_digest",
        "shipping_method",
        "payment_method",
        "note",
    }
    assert "cc-number" not in page and "cvc" not in page.lower()
    token = review.context["form"].initial["token"]
    digest = review.context["form"].initial["cart_digest"]

    with responses.RequestsMock() as stub:
        stub.post(SESSIONS_URL, json=stripe_session())
        response = client.post(
            "/checkout/review/",
            {
                "token": token,
                "cart_digest": digest,
                "shipping_method": standard_shipping.pk,
                "payment_method": "card",
            },
        )
        sent = parse_qs(stub.calls[0].request.body)

    assert response.status_code == 302
    assert response["Location"] == "https://checkout.stripe.com/c/pay/cs_test_123"
    order = Order.objects.get()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert sent["line_items[0][price_data][unit_amount]"] == ["225000"]
    assert sent["line_items[0][price_data][currency]"] == ["pkr"]
    assert sent["client_reference_id"] == [order.number]
    assert sent["customer_email"] == ["ayesha@example.com"]
    # Nothing else about the customer (no phone, no address) goes to the gateway.
    flat = " ".join(f"{k}={v}" for k, v in sent.items())
    assert "Mall Road" not in flat and "3001234567" not in flat and "Ayesha Khan" not in flat
    payment = Payment.objects.get()
    assert (payment.provider_reference, payment.status) == ("cs_test_123", PaymentStatus.PENDING)


def test_gateway_down_keeps_order_and_offers_retry(
    client, variant, standard_shipping, payments_enabled, guest_at_review
):
    """P13: Gateway down keeps order and offers retry."""
    initial = guest_at_review(variant, shipping_name="A B")
    token, digest = initial["token"], initial["cart_digest"]
    with responses.RequestsMock() as stub:
        stub.post(SESSIONS_URL, status=500, json={"error": {"message": "down"}})
        response = client.post(
            "/checkout/review/",
            {
                "token": token,
                "cart_digest": digest,
                "shipping_method": standard_shipping.pk,
                "payment_method": "card",
            },
            follow=True,
        )
    assert response.status_code == 200
    page = response.content.decode()
    assert "could not be opened" in page and "Pay by card" in page
    assert Order.objects.get().status == OrderStatus.PENDING_PAYMENT
    assert Payment.objects.count() == 0


def test_signed_completed_event_marks_order_paid_once(
    client, card_order, django_capture_on_commit_callbacks
):
    """P13: a verified webhook pays the order; a replay of the same event changes nothing."""
    payload = event("evt_1", "checkout.session.completed", paid_session(card_order))
    with django_capture_on_commit_callbacks(execute=True):
        first = post_event(client, payload)
    second = post_event(client, payload)

    assert (first.status_code, first.content) == (200, b"order paid")
    assert (second.status_code, second.content) == (200, b"already processed")
    card_order.refresh_from_db()
    assert card_order.status == OrderStatus.PAID and card_order.is_paid
    assert Payment.objects.get().status == PaymentStatus.SUCCEEDED
    assert WebhookEvent.objects.count() == 1
    assert OutboxMessage.objects.filter(subject__startswith="Payment received").count() == 1


def test_a_new_event_for_an_already_paid_session_changes_nothing(client, card_order):
    """P13: A new event for an already paid session changes nothing."""
    post_event(client, event("evt_1", "checkout.session.completed", paid_session(card_order)))
    paid_at = Order.objects.get().paid_at
    response = post_event(
        client, event("evt_2", "checkout.session.async_payment_succeeded", paid_session(card_order))
    )
    assert response.status_code == 200
    assert Order.objects.get().paid_at == paid_at
    assert Order.objects.get().history.filter(to_status="paid").count() == 1


@pytest.mark.parametrize(
    ("header", "reason"),
    [("", b"Missing Stripe-Signature header."), ("t=1,v1=deadbeef", b"Invalid signature.")],
)
def test_unsigned_or_forged_webhooks_are_refused(client, card_order, header, reason):
    """P13: Unsigned or forged webhooks are refused."""
    body = json.dumps(event("evt_1", "checkout.session.completed", paid_session(card_order)))
    extra = {"HTTP_STRIPE_SIGNATURE": header} if header else {}
    response = client.post(WEBHOOK, body, content_type="application/json", **extra)
    assert (response.status_code, response.content) == (400, reason)
    assert Order.objects.get().status == OrderStatus.PENDING_PAYMENT
    assert WebhookEvent.objects.count() == 0


def test_event_signed_with_another_secret_is_refused(client, card_order):
    """P13: Event signed with another secret is refused."""
    payload = event("evt_1", "checkout.session.completed", paid_session(card_order))
    response = post_event(client, payload, secret="whsec_someone_else")
    assert response.status_code == 400
    assert Order.objects.get().status == OrderStatus.PENDING_PAYMENT


def test_stale_signature_is_refused(client, card_order):
    """P13: Stale signature is refused."""
    payload = event("evt_1", "checkout.session.completed", paid_session(card_order))
    response = post_event(client, payload, timestamp=time.time() - 3600)
    assert response.status_code == 400
    assert not Order.objects.get().is_paid


def test_amount_mismatch_does_not_pay(client, card_order):
    """P13: Amount mismatch does not pay."""
    session = paid_session(card_order, amount_total=100)
    response = post_event(client, event("evt_1", "checkout.session.completed", session))
    assert response.content == b"amount mismatch"
    assert not Order.objects.get().is_paid


def test_unknown_session_and_other_events_are_acknowledged_without_change(client, card_order):
    """P13: Unknown session and other events are acknowledged without change."""
    unknown = post_event(
        client,
        event(
            "evt_1", "checkout.session.completed", stripe_session("cs_other", payment_status="paid")
        ),
    )
    other = post_event(client, event("evt_2", "customer.created", {"id": "cus_1"}))
    assert (unknown.content, other.content) == (b"unknown session", b"ignored")
    assert not Order.objects.get().is_paid


def test_expired_session_cancels_order_and_returns_stock(client, card_order, variant):
    """P13: Expired session cancels order and returns stock."""
    assert Variant.objects.get(pk=variant.pk).stock == 8
    response = post_event(
        client, event("evt_9", "checkout.session.expired", stripe_session(payment_status="unpaid"))
    )
    assert response.content == b"order cancelled"
    assert Order.objects.get().status == OrderStatus.CANCELLED
    assert Payment.objects.get().status == PaymentStatus.FAILED
    assert Variant.objects.get(pk=variant.pk).stock == 10


def test_malformed_payload_is_refused(client, card_order):
    """P13: Malformed payload is refused."""
    body = b"not json"
    timestamp = int(time.time())
    digest = hmac.new(b"whsec_candor_tests", f"{timestamp}.".encode() + body, hashlib.sha256)
    response = client.post(
        WEBHOOK,
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=f"t={timestamp},v1={digest.hexdigest()}",
    )
    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0


def test_card_is_not_offered_without_gateway_secrets(
    client, variant, standard_shipping, payments_enabled, settings, guest_at_review
):
    """P13: Card is not offered without gateway secrets."""
    settings.STRIPE_SECRET_KEY = ""
    guest_at_review(variant, shipping_name="A B")
    page = client.get("/checkout/review/").content.decode()  # as the shopper sees it
    assert 'value="cod"' in page and 'value="card"' not in page


def test_paying_again_replaces_the_open_session(client, card_order, variant):
    """P13: a second 'Pay by card' closes the first session, so one order is paid once;
    the old session's expiry then does not cancel the order."""
    from candor.payments.services import start_payment

    with responses.RequestsMock() as stub:
        stub.post(SESSIONS_URL, json=stripe_session("cs_test_456"))
        stub.post(f"{SESSIONS_URL}/cs_test_123/expire", json=stripe_session(status="expired"))
        start_payment(
            order=card_order,
            success_url="http://testserver/ok",
            cancel_url="http://testserver/cancel",
        )
        assert [call.request.url for call in stub.calls] == [
            SESSIONS_URL,
            f"{SESSIONS_URL}/cs_test_123/expire",
        ]
    statuses = dict(Payment.objects.values_list("provider_reference", "status"))
    assert statuses == {"cs_test_123": PaymentStatus.FAILED, "cs_test_456": PaymentStatus.PENDING}

    response = post_event(
        client, event("evt_old", "checkout.session.expired", stripe_session("cs_test_123"))
    )
    assert response.content == b"payment failed"
    assert Order.objects.get().status == OrderStatus.PENDING_PAYMENT
    assert Variant.objects.get(pk=variant.pk).stock == 8


def test_a_second_paid_session_is_flagged_for_refund(client, card_order):
    """P13: if two sessions were both paid, the order is paid once and staff are told to
    refund the other."""
    Payment.objects.create(
        order=card_order,
        method="card",
        amount=card_order.total,
        currency="PKR",
        provider_reference="cs_test_999",
    )
    post_event(client, event("evt_1", "checkout.session.completed", paid_session(card_order)))
    second = post_event(
        client,
        event("evt_2", "checkout.session.completed", paid_session(card_order, id="cs_test_999")),
    )
    assert second.content == b"duplicate payment"
    order = Order.objects.get()
    assert order.history.filter(from_status="pending_payment", to_status="paid").count() == 1
    assert order.history.last().note == "Second card payment received (cs_test_999): refund it."


def test_money_arriving_after_cancellation_is_flagged_for_refund(client, card_order, committed):
    """P13: Money arriving after cancellation is flagged for refund."""
    from candor.orders.services import change_status

    committed(change_status, order=card_order, to_status="cancelled", acting_user=None)
    response = post_event(
        client, event("evt_1", "checkout.session.completed", paid_session(card_order))
    )
    assert response.content == b"order closed"
    order = Order.objects.get()
    assert order.status == OrderStatus.CANCELLED and not order.is_paid
    assert order.history.last().note == (
        "Card payment received after the order closed (cs_test_123): refund it."
    )


def test_return_addresses_given_to_the_gateway_open_no_personal_data(
    client, variant, standard_shipping, payments_enabled, guest_at_review
):
    """P16: the gateway gets short-lived return links that open only the thanks page, not the
    order page with the customer's addresses; sessions expire within hours."""
    from candor.checkout.links import order_number_from

    initial = guest_at_review(variant)
    with responses.RequestsMock() as stub:
        stub.post(SESSIONS_URL, json=stripe_session())
        before = int(time.time())
        client.post(
            "/checkout/review/",
            {
                "token": initial["token"],
                "cart_digest": initial["cart_digest"],
                "shipping_method": standard_shipping.pk,
                "payment_method": "card",
            },
        )
        sent = parse_qs(stub.calls[0].request.body)
    order = Order.objects.get()
    success = sent["success_url"][0]
    token = re.fullmatch(r"http://testserver/checkout/thanks/([^/]+)/\?card=done", success)[1]
    assert order_number_from(token) == order.number
    assert Client().get(f"/orders/view/{token}/").status_code == 404
    page = Client().get(f"/checkout/thanks/{token}/").content.decode()
    assert order.number in page and "Sana Mir" not in page and "1 Road" not in page
    assert before + 2 * 3600 <= int(sent["expires_at"][0]) <= int(time.time()) + 2 * 3600


# --- signed but malformed, and late events (issue: a signed body of {} was a 500) ----------


def signed_raw(body: bytes, secret="whsec_candor_tests") -> str:
    timestamp = int(time.time())
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({}, "Malformed event: the event id is not a text."),
        ([], "Malformed event: not a JSON object."),
        ("evt_1", "Malformed event: not a JSON object."),
        ({"id": "evt_1"}, "Malformed event: the event type is not a text."),
        (
            {"id": "evt_1", "type": "checkout.session.completed"},
            "Malformed event: data.object is missing.",
        ),
        (
            {"id": "evt_1", "type": "checkout.session.expired", "data": {}},
            "Malformed event: data.object is missing.",
        ),
        (
            {"id": "evt_1", "type": "checkout.session.expired", "data": []},
            "Malformed event: data.object is missing.",
        ),
        (
            {"id": "evt_1", "type": "checkout.session.completed", "data": {"object": {}}},
            "Malformed event: data.object.id is not a text.",
        ),
        (
            {"id": 7, "type": "checkout.session.completed", "data": {"object": {"id": "cs"}}},
            "Malformed event: the event id is not a text.",
        ),
        (
            {"id": "evt_\u0000", "type": "customer.created"},
            "Malformed event: the event id is too long or holds invalid characters.",
        ),
        (
            {"id": "e" * 256, "type": "customer.created"},
            "Malformed event: the event id is too long or holds invalid characters.",
        ),
        (
            event(
                "evt_1", "checkout.session.completed", {"id": "cs_test_123", "amount_total": "1"}
            ),
            "Malformed event: data.object.amount_total is not a whole number.",
        ),
    ],
    ids=[
        "empty-object",
        "array",
        "string",
        "no-type",
        "no-data",
        "data-without-object",
        "data-not-an-object",
        "object-without-id",
        "id-not-text",
        "nul-in-id",
        "id-too-long",
        "amount-not-a-number",
    ],
)
def test_p13_a_signed_but_malformed_event_is_refused_with_the_reason(
    client, card_order, payload, reason
):
    """P13: correctly signed, but not an event Stripe would send: 400 saying what is wrong,
    nothing recorded, the order untouched (these were 500s)."""
    body = json.dumps(payload).encode()
    response = client.post(
        WEBHOOK, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signed_raw(body)
    )
    assert (response.status_code, response.content.decode()) == (400, reason)
    assert WebhookEvent.objects.count() == 0
    assert Order.objects.get().status == OrderStatus.PENDING_PAYMENT
    assert Payment.objects.get().status == PaymentStatus.PENDING


def test_p13_a_signed_body_that_is_not_utf8_is_refused(client, card_order):
    body = b'{"id": "\xff"}'
    response = client.post(
        WEBHOOK, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signed_raw(body)
    )
    assert response.status_code == 400
    assert WebhookEvent.objects.count() == 0


@pytest.mark.parametrize(
    "late", ["checkout.session.async_payment_failed", "checkout.session.expired"]
)
def test_p13_a_late_failure_event_does_not_unpay_a_paid_order(client, card_order, late):
    """Stripe does not promise the order of events: an "expired" or "failed" arriving after
    the session was paid is acknowledged and changes nothing."""
    post_event(client, event("evt_1", "checkout.session.completed", paid_session(card_order)))
    response = post_event(client, event("evt_2", late, stripe_session(payment_status="paid")))
    assert (response.status_code, response.content) == (200, b"already paid")
    order = Order.objects.get()
    assert order.status == OrderStatus.PAID and order.is_paid
    assert Payment.objects.get().status == PaymentStatus.SUCCEEDED
    assert order.history.filter(to_status="cancelled").count() == 0
