import pytest
from django.utils import timezone

from candor.catalog.models import Variant
from candor.messaging.models import OutboxMessage
from candor.orders.models import OrderStatus
from candor.orders.services import OrderError, allowed_transitions, change_status, record_payment
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return UserFactory(email="packer@candor.example", is_staff=True)


@pytest.fixture
def walk(committed, staff):
    """Move an order through the given statuses, each step committed as in production."""

    def _walk(order, *steps):
        for step in steps:
            extra = {"carrier": "TCS", "tracking_number": "TCS123456"} if step == "shipped" else {}
            order = committed(
                change_status, order=order, to_status=step, acting_user=staff, **extra
            )
        return order

    return _walk


@pytest.fixture
def pay(committed, staff):
    def _pay(order, **kwargs):
        return committed(record_payment, order=order, acting_user=staff, **kwargs)

    return _pay


def test_full_cash_on_delivery_lifecycle_with_history_and_mail(place, variant, staff, walk):
    """P8: each step of an order's life is recorded and mailed to the customer."""
    order = place({variant.pk: 1})
    order = walk(order, "packed", "shipped", "delivered")
    assert order.status == OrderStatus.DELIVERED
    assert (order.carrier, order.tracking_number) == ("TCS", "TCS123456")
    history = list(order.history.values_list("from_status", "to_status", "changed_by"))
    assert history == [
        ("", "confirmed", None),
        ("confirmed", "packed", staff.pk),
        ("packed", "shipped", staff.pk),
        ("shipped", "delivered", staff.pk),
    ]
    subjects = list(OutboxMessage.objects.order_by("id").values_list("subject", flat=True))
    assert subjects == [
        f"Order {order.number} received",
        f"Order {order.number} has shipped",
        f"Order {order.number} was delivered",
    ]
    shipped = OutboxMessage.objects.get(subject__endswith="has shipped")
    assert "TCS123456" in shipped.body_text and "TCS123456" in shipped.body_html


def test_bank_transfer_paid_then_shipped(place, variant, staff, walk, pay):
    """P3: Bank transfer paid then shipped."""
    order = place({variant.pk: 1}, payment_method="bank_transfer")
    order = pay(order)
    assert order.status == OrderStatus.PAID and order.paid_at is not None
    again = pay(order)
    assert again.paid_at == order.paid_at
    assert OutboxMessage.objects.filter(subject__startswith="Payment received").count() == 1
    order = walk(order, "packed", "shipped")
    assert order.status == OrderStatus.SHIPPED


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("confirmed", "delivered"),
        ("confirmed", "shipped"),
        ("confirmed", "refunded"),
        ("pending_payment", "packed"),
        ("confirmed", "confirmed"),
    ],
)
def test_invalid_transitions_refused_and_nothing_changes(place, variant, staff, start, target):
    """P3: Invalid transitions refused and nothing changes."""
    method = "cod" if start == "confirmed" else "bank_transfer"
    order = place({variant.pk: 1}, payment_method=method)
    with pytest.raises(OrderError, match="cannot go from"):
        change_status(order=order, to_status=target, acting_user=staff)
    order.refresh_from_db()
    assert order.status == start
    assert order.history.count() == 1
    assert Variant.objects.get(pk=variant.pk).stock == 9


def test_terminal_states_allow_nothing(place, variant, staff, walk):
    """P3: Terminal states allow nothing."""
    order = walk(place({variant.pk: 1}), "cancelled")
    assert allowed_transitions(order) == []
    with pytest.raises(OrderError):
        change_status(order=order, to_status="confirmed", acting_user=staff)


def test_shipping_needs_carrier_and_tracking(place, variant, staff, walk):
    """P3: Shipping needs carrier and tracking."""
    order = walk(place({variant.pk: 1}), "packed")
    with pytest.raises(OrderError, match="carrier and a tracking number"):
        change_status(order=order, to_status="shipped", acting_user=staff, carrier="TCS")
    order.refresh_from_db()
    assert order.status == "packed" and order.tracking_number == ""


def test_cancellation_returns_stock_once(place, variant, staff, walk):
    """P3: Cancellation returns stock once."""
    order = place({variant.pk: 3})
    assert Variant.objects.get(pk=variant.pk).stock == 7
    walk(order, "cancelled")
    assert Variant.objects.get(pk=variant.pk).stock == 10
    with pytest.raises(OrderError):
        change_status(order=order, to_status="cancelled", acting_user=staff)
    assert Variant.objects.get(pk=variant.pk).stock == 10
    assert OutboxMessage.objects.filter(subject__endswith="was cancelled").count() == 1


def test_paid_order_is_refunded_not_cancelled(place, variant, staff, walk, pay):
    """P3: Paid order is refunded not cancelled."""
    order = pay(place({variant.pk: 2}, payment_method="bank_transfer"))
    assert "cancelled" not in allowed_transitions(order)
    walk(order, "refunded")
    assert Variant.objects.get(pk=variant.pk).stock == 10


def test_refund_after_delivery_keeps_stock_count(place, variant, staff, walk, pay):
    """P3: Refund after delivery keeps stock count."""
    order = walk(place({variant.pk: 2}), "packed", "shipped", "delivered")
    pay(order, note="Cash collected")
    order.refresh_from_db()
    assert order.status == "delivered" and order.is_paid
    walk(order, "refunded")
    assert Variant.objects.get(pk=variant.pk).stock == 8


def test_payment_on_cancelled_order_is_refused(place, variant, staff, walk):
    """P3: Payment on cancelled order is refused."""
    order = walk(place({variant.pk: 1}, payment_method="bank_transfer"), "cancelled")
    with pytest.raises(OrderError):
        record_payment(order=order, acting_user=staff)
    order.refresh_from_db()
    assert order.paid_at is None


def test_guest_link_opens_order_and_tampering_does_not(client, place, variant):
    """P1: a guest opens their order from the signed link in the mail, no account needed."""
    from candor.orders.links import lookup_token

    order = place({variant.pk: 1})
    token = lookup_token(order.number)
    response = client.get(f"/orders/view/{token}/")
    assert response.status_code == 200
    assert order.number in response.content.decode()
    assert client.get(f"/orders/view/{token[:-2]}xx/").status_code == 404


def test_guest_link_expires(client, place, variant, settings):
    """P3: Guest link expires."""
    from datetime import timedelta
    from unittest import mock

    from candor.orders.links import lookup_token

    order = place({variant.pk: 1})
    token = lookup_token(order.number)
    later = timezone.now().timestamp() + timedelta(days=181).total_seconds()
    with mock.patch("time.time", return_value=later):
        assert client.get(f"/orders/view/{token}/").status_code == 404


def test_cash_paid_before_dispatch_is_refunded_not_stuck(place, variant, walk, pay):
    """P3: A cash-on-delivery order paid at the counter can still be refunded."""
    order = pay(place({variant.pk: 2}))
    assert order.status == "confirmed" and order.is_paid
    assert "refunded" in allowed_transitions(order)
    walk(order, "refunded")
    assert Variant.objects.get(pk=variant.pk).stock == 10
