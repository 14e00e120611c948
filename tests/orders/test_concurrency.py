"""Placing orders under real concurrency, on PostgreSQL (SQLite serialises all writers)."""

import threading
import uuid

import pytest
from django.db import connection

from candor.catalog.models import Variant
from candor.core.models import ShopSettings
from candor.messaging.models import OutboxMessage
from candor.orders.models import Order, OrderLine, ScreeningResult
from candor.orders.services import OutOfStock, place_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _run_concurrently(count: int, work) -> list:
    """Start `count` threads that call work(i) at the same instant; return their outcomes.

    The shop settings row exists before they start, as it does in any shop that has served a
    page: a flushed test database has none, and threads racing to create it inside their
    order transactions would deadlock on it rather than on what the test is about."""
    ShopSettings.load()
    barrier = threading.Barrier(count)
    outcomes: list = [None] * count

    def runner(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[index] = work(index)
        except Exception as error:  # the outcome under test, not a crash of the harness
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def test_fifty_buyers_ten_in_stock_make_exactly_ten_orders(customer, standard_shipping):
    """P3, issue item 7: 50 concurrent buyers of a variant with 10 in stock never oversell."""
    from tests.factories import VariantFactory

    variant = VariantFactory(stock=10)

    def buy(_):
        order, _created = place_order(
            checkout_token=uuid.uuid4(),
            quantities={variant.pk: 1},
            customer=customer,
            shipping_method_id=standard_shipping.pk,
            payment_method="cod",
        )
        return order.pk

    outcomes = _run_concurrently(50, buy)

    placed = [o for o in outcomes if isinstance(o, int)]
    refused = [o for o in outcomes if isinstance(o, OutOfStock)]
    assert len(placed) == 10
    assert len(refused) == 40
    assert Variant.objects.get(pk=variant.pk).stock == 0
    assert Order.objects.count() == 10
    assert sum(OrderLine.objects.values_list("quantity", flat=True)) == 10
    assert OutboxMessage.objects.count() == 10


def test_concurrent_double_submit_makes_one_order(customer, standard_shipping):
    """P3, P25: A double click or refresh racing itself yields one order, one screening record,
    and takes stock once."""
    from tests.factories import VariantFactory

    variant = VariantFactory(stock=10)
    token = uuid.uuid4()

    def submit(_):
        order, created = place_order(
            checkout_token=token,
            quantities={variant.pk: 2},
            customer=customer,
            shipping_method_id=standard_shipping.pk,
            payment_method="cod",
            client_ip="203.0.113.8",
        )
        return order.pk, created

    outcomes = _run_concurrently(10, submit)

    assert all(isinstance(o, tuple) for o in outcomes), outcomes
    assert len({pk for pk, _ in outcomes}) == 1
    assert sum(created for _, created in outcomes) == 1
    assert Order.objects.count() == 1
    assert ScreeningResult.objects.count() == 1  # P25: one screening record too
    assert Variant.objects.get(pk=variant.pk).stock == 8
    assert OutboxMessage.objects.count() == 1


def test_two_variants_in_opposite_orders_do_not_deadlock(customer, standard_shipping):
    """P3: Stock is taken in a fixed order, so carts naming the same variants cannot deadlock."""
    from tests.factories import VariantFactory

    first, second = VariantFactory(stock=100), VariantFactory(stock=100)

    def buy(index):
        quantities = {first.pk: 1, second.pk: 1} if index % 2 else {second.pk: 1, first.pk: 1}
        return place_order(
            checkout_token=uuid.uuid4(),
            quantities=quantities,
            customer=customer,
            shipping_method_id=standard_shipping.pk,
            payment_method="cod",
        )[0].pk

    outcomes = _run_concurrently(20, buy)
    assert all(isinstance(o, int) for o in outcomes), outcomes
    assert Variant.objects.get(pk=first.pk).stock == 80
    assert Variant.objects.get(pk=second.pk).stock == 80
