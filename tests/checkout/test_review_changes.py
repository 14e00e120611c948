"""What the shopper reviewed is what is ordered (P3), and unpaid orders give stock back."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from candor.cart.models import CartLine
from candor.catalog.models import Variant
from candor.messaging.models import OutboxMessage
from candor.orders.models import Order, OrderStatus
from candor.orders.services import cancel_unpaid_orders
from candor.payments.models import PaymentSettings
from tests.factories import VariantFactory

pytestmark = pytest.mark.django_db


def submit(client, initial, shipping, method="cod"):
    return client.post(
        "/checkout/review/",
        {
            "token": initial["token"],
            "cart_digest": initial["cart_digest"],
            "shipping_method": shipping.pk,
            "payment_method": method,
        },
    )


@pytest.mark.parametrize("change", ["price", "other tab"])
def test_order_refused_when_the_cart_changed_after_review(
    client, variant, standard_shipping, change, guest_at_review
):
    """P3: nobody is charged a total they never saw."""
    initial = guest_at_review(variant)
    if change == "price":
        Variant.objects.filter(pk=variant.pk).update(price=Decimal("1500.00"))
    else:
        client.post("/cart/add/", {"variant": VariantFactory().pk, "quantity": 1})
    response = submit(client, initial, standard_shipping)
    assert response.status_code == 400
    assert "Your cart changed since this page was shown." in response.content.decode()
    assert Order.objects.count() == 0
    assert Variant.objects.get(pk=variant.pk).stock == 10


def test_only_ordered_lines_leave_the_cart(client, variant, standard_shipping, guest_at_review):
    """P3: Only ordered lines leave the cart."""
    initial = guest_at_review(variant)
    assert submit(client, initial, standard_shipping).status_code == 302
    assert CartLine.objects.count() == 0


def test_bank_transfer_instructions_reach_the_page_and_the_mail(
    client, variant, standard_shipping, django_capture_on_commit_callbacks, guest_at_review
):
    """P8: Bank transfer instructions reach the page and the mail."""
    config = PaymentSettings.load()
    config.bank_transfer_instructions = "Meezan Bank, IBAN PK00 MEZN 0000 1234 5678 9012"
    config.save()
    initial = guest_at_review(variant)
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(client, initial, standard_shipping, method="bank_transfer")
    order = Order.objects.get()
    page = client.get(response["Location"]).content.decode()
    mail = OutboxMessage.objects.get()
    for text in (page, mail.body_text, mail.body_html):
        assert "IBAN PK00 MEZN 0000 1234 5678 9012" in text
    assert f"Reference: {order.number}" in mail.body_text


def test_unpaid_orders_are_cancelled_after_their_grace_period(place, variant, committed):
    """P3: Stock held by orders nobody pays for goes back on sale; paid and COD orders stay."""
    bank = place({variant.pk: 2}, payment_method="bank_transfer")
    card = place({variant.pk: 1}, payment_method="card")
    cod = place({variant.pk: 1})
    Order.objects.update(created_at=timezone.now() - timedelta(hours=30))
    recent = place({variant.pk: 1}, payment_method="bank_transfer")
    assert Variant.objects.get(pk=variant.pk).stock == 5

    cancelled = committed(
        cancel_unpaid_orders,
        older_than={"bank_transfer": timedelta(hours=24), "card": timedelta(hours=24)},
    )

    assert sorted(cancelled) == sorted([bank.number, card.number])
    statuses = dict(Order.objects.values_list("number", "status"))
    assert statuses == {
        bank.number: OrderStatus.CANCELLED,
        card.number: OrderStatus.CANCELLED,
        cod.number: OrderStatus.CONFIRMED,
        recent.number: OrderStatus.PENDING_PAYMENT,
    }
    assert Variant.objects.get(pk=variant.pk).stock == 8
    assert Order.objects.get(pk=bank.pk).history.last().note == "Not paid in time"


def test_the_beat_task_uses_the_configured_grace_periods(place, variant, settings, committed):
    """P3: The beat task uses the configured grace periods."""
    from candor.orders.tasks import cancel_unpaid_orders as task

    settings.UNPAID_ORDER_HOURS = {"bank_transfer": 1}
    order = place({variant.pk: 1}, payment_method="bank_transfer")
    Order.objects.update(created_at=timezone.now() - timedelta(minutes=90))
    assert committed(task) == [order.number]
