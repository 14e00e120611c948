"""P13: a card number typed into an order note never reaches the database. `place_order` masks
the note, so web orders and phone orders (P22) alike; the checkout tells the customer."""

import uuid
from decimal import Decimal

import pytest
from django.utils.html import escape

from candor.orders.models import Order, OrderSource
from candor.privacy.card_numbers import MASKED_NOTICE
from tests.factories import VariantFactory

pytestmark = pytest.mark.django_db


def test_p13_place_order_masks_a_card_number_in_the_note(place, variant):
    order = place({variant.pk: 1}, note="  Ring first. Card 4242 4242 4242 4242 exp 12/27  ")
    assert order.note == "Ring first. Card •••• •••• •••• 4242 exp 12/27"
    assert Order.objects.filter(note__contains="4242 4242").count() == 0


def test_p13_a_note_without_a_card_number_is_kept_as_written(place, variant):
    order = place({variant.pk: 1}, note="Call +92 300 1234567 on arrival; IMEI 352099001761481")
    assert order.note == "Call +92 300 1234567 on arrival; IMEI 352099001761481"


def test_p13_p22_a_phone_order_s_note_is_masked_too(client, mfa_login, standard_shipping):
    from tests.factories import UserFactory

    staff = UserFactory(email="owner@candor.example", is_staff=True, is_superuser=True)
    mfa_login(client, staff)
    VariantFactory(sku="PH-1", stock=5, price=Decimal("1000"))
    response = client.post(
        "/backoffice/orders/order/phone/",
        {
            "token": str(uuid.uuid4()),
            "email": "",
            "phone": "0300 1234567",
            "shipping_name": "Bilal Ahmed",
            "shipping_line1": "5 Canal View",
            "shipping_city": "Lahore",
            "shipping_country": "PK",
            "shipping_method": standard_shipping.pk,
            "payment_method": "cod",
            "sku_0": "PH-1",
            "quantity_0": "1",
            "note": "He read out 5555-5555-5555-4444 to me",
        },
    )
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.source == OrderSource.PHONE
    assert order.note == "He read out •••• •••• •••• 4444 to me"


def _place_at_checkout(client, guest_at_review, variant, standard_shipping, note):
    initial = guest_at_review(variant)
    return client.post(
        "/checkout/review/",
        {
            "token": initial["token"],
            "cart_digest": initial["cart_digest"],
            "shipping_method": standard_shipping.pk,
            "payment_method": "cod",
            "note": note,
        },
        follow=True,
    )


def test_p13_the_checkout_says_when_it_hid_a_card_number(
    client, guest_at_review, variant, standard_shipping
):
    response = _place_at_checkout(
        client, guest_at_review, variant, standard_shipping, "Pay with 4111111111111111"
    )
    assert response.status_code == 200
    assert Order.objects.get().note == "Pay with •••• •••• •••• 1111"
    html = response.content.decode()
    assert "Thank you — order" in html
    assert f'<li class="warning">{escape(MASKED_NOTICE)}</li>' in html


def test_p13_the_checkout_says_nothing_when_nothing_was_hidden(
    client, guest_at_review, variant, standard_shipping
):
    response = _place_at_checkout(
        client, guest_at_review, variant, standard_shipping, "Leave it at the door"
    )
    assert Order.objects.get().note == "Leave it at the door"
    assert escape(MASKED_NOTICE) not in response.content.decode()
