import uuid
from decimal import Decimal

import pytest
from django.core import mail

from candor.catalog.models import Product, Variant
from candor.messaging.models import MailClass, OutboxMessage
from candor.orders.models import Order, OrderLine, OrderSource, OrderStatus, OrderStatusChange
from candor.orders.services import OrderError, OutOfStock, place_order
from tests.factories import ShippingMethodFactory, ShippingZoneFactory, VariantFactory

pytestmark = pytest.mark.django_db


def test_order_copies_lines_and_totals_and_reserves_stock(place, variant):
    """P3: an order records what was bought at what price; stock is taken at placement."""
    other = VariantFactory(price=Decimal("499.50"), stock=3)
    order = place({variant.pk: 2, other.pk: 1})

    assert order.subtotal == Decimal("2499.50")
    assert order.shipping_cost == Decimal("250.00")
    assert order.total == Decimal("2749.50")
    assert order.currency == "PKR"
    assert [(x.sku, x.quantity, x.line_total) for x in order.lines.order_by("id")] == [
        (variant.sku, 2, Decimal("2000.00")),
        (other.sku, 1, Decimal("499.50")),
    ]
    assert Variant.objects.get(pk=variant.pk).stock == 8
    assert Variant.objects.get(pk=other.pk).stock == 2


def test_order_numbers_are_readable_and_unique(place, variant):
    """P3: Order numbers are readable and unique."""
    numbers = {place({variant.pk: 1}).number for _ in range(5)}
    assert len(numbers) == 5
    for number in numbers:
        assert number.startswith("CN-") and len(number) == 12
        assert not set(number) & set("01OIL")


def test_free_shipping_from_threshold(place):
    """P3: Free shipping from threshold."""
    expensive = VariantFactory(price=Decimal("10000.00"), stock=5)
    order = place({expensive.pk: 1})
    assert order.shipping_cost == Decimal("0.00")
    assert order.total == Decimal("10000.00")


@pytest.mark.parametrize(
    ("method", "status"),
    [
        ("cod", OrderStatus.CONFIRMED),
        ("bank_transfer", OrderStatus.PENDING_PAYMENT),
        ("card", OrderStatus.PENDING_PAYMENT),
    ],
)
def test_starting_status_depends_on_payment_method(place, variant, method, status):
    """P3: Starting status depends on payment method."""
    order = place({variant.pk: 1}, payment_method=method)
    assert order.status == status
    history = list(
        OrderStatusChange.objects.filter(order=order).values_list("from_status", "to_status")
    )
    assert history == [("", status)]


def test_same_checkout_token_makes_one_order(place, variant):
    """P3: A double submit or a refresh places one order and takes stock once."""
    token = uuid.uuid4()
    first = place({variant.pk: 2}, checkout_token=token)
    second = place({variant.pk: 2}, checkout_token=token)
    assert first.pk == second.pk
    assert Order.objects.count() == 1
    assert Variant.objects.get(pk=variant.pk).stock == 8


def test_out_of_stock_refuses_and_leaves_nothing(place, variant):
    """P3: Out of stock refuses and leaves nothing."""
    other = VariantFactory(stock=1)
    with pytest.raises(OutOfStock) as refused:
        place({variant.pk: 1, other.pk: 2})
    assert "Only 1" in str(refused.value)
    assert Order.objects.count() == 0
    assert OrderLine.objects.count() == 0
    assert Variant.objects.get(pk=variant.pk).stock == 10  # the first line's stock came back
    assert OutboxMessage.objects.count() == 0


def test_inactive_variant_cannot_be_bought(place, variant):
    """P3: Inactive variant cannot be bought."""
    Variant.objects.filter(pk=variant.pk).update(is_active=False)
    with pytest.raises(OutOfStock):
        place({variant.pk: 1})
    assert Order.objects.count() == 0


def test_retired_product_cannot_be_bought_from_an_old_cart(place, variant):
    """P3: Retired product cannot be bought from an old cart."""
    Product.objects.filter(pk=variant.product_id).update(is_active=False)
    with pytest.raises(OutOfStock):
        place({variant.pk: 1})
    assert Order.objects.count() == 0
    assert Variant.objects.get(pk=variant.pk).stock == 10


@pytest.mark.parametrize("quantities", [{}, {999999: 1}])
def test_empty_or_unknown_items_refused(place, quantities):
    """P3: Empty or unknown items refused."""
    with pytest.raises(OrderError):
        place(quantities)
    assert Order.objects.count() == 0


def test_shipping_method_must_serve_the_country(customer, variant, standard_shipping):
    """P3: Shipping method must serve the country."""
    gulf = ShippingMethodFactory(zone=ShippingZoneFactory(name="Gulf", countries=["AE"]))
    with pytest.raises(OrderError, match="does not deliver"):
        place_order(
            checkout_token=uuid.uuid4(),
            quantities={variant.pk: 1},
            customer=customer,
            shipping_method_id=gulf.pk,
            payment_method="cod",
        )
    assert Order.objects.count() == 0
    assert Variant.objects.get(pk=variant.pk).stock == 10


def test_unknown_payment_method_refused(place, variant):
    """P3: Unknown payment method refused."""
    with pytest.raises(OrderError, match="payment method"):
        place({variant.pk: 1}, payment_method="crypto")
    assert Order.objects.count() == 0


def test_confirmation_mail_is_queued_once_and_transactional(place, variant):
    """P8: the order confirmation always goes out, through the outbox, once."""
    token = uuid.uuid4()
    order = place({variant.pk: 1}, checkout_token=token)
    place({variant.pk: 1}, checkout_token=token)
    messages = list(OutboxMessage.objects.all())
    assert len(messages) == 1
    message = messages[0]
    assert message.mail_class == MailClass.TRANSACTIONAL
    assert message.to_email == "ayesha@example.com"
    assert message.subject == f"Order {order.number} received"
    assert order.number in message.body_text and "cash on delivery" in message.body_text
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ayesha@example.com"]


def test_phone_order_without_email_sends_no_mail(place, variant, customer):
    """P22: a phone order needs no email; without one, nothing is mailed."""
    from dataclasses import replace

    staff = __import__("tests.factories", fromlist=["UserFactory"]).UserFactory(is_staff=True)
    order = place(
        {variant.pk: 1},
        customer=replace(customer, email=""),
        source=OrderSource.PHONE,
        acting_user=staff,
    )
    assert order.source == OrderSource.PHONE and order.taken_by == staff
    assert OutboxMessage.objects.count() == 0
    assert order.history.get().changed_by == staff


def test_broker_outage_after_commit_keeps_the_order_and_its_mail(place, variant, monkeypatch):
    """P8: the mail row is written with the order; if the queue is down it waits, not lost."""
    from candor.messaging.models import OutboxStatus
    from candor.messaging.tasks import deliver_message

    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(deliver_message, "delay", broker_down)
    order = place({variant.pk: 1})
    message = OutboxMessage.objects.get()
    assert Order.objects.get().pk == order.pk
    assert (message.status, message.subject) == (
        OutboxStatus.PENDING,
        f"Order {order.number} received",
    )
    assert len(mail.outbox) == 0
