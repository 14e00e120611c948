"""P25 on PostgreSQL: velocity lookups that use their indexes, and parallel checkouts that
cannot slip under a velocity limit (a racing double submit: tests/orders/test_concurrency.py)."""

import uuid

import pytest
from django.db import connection

from candor.orders.screening.rules import recent_orders
from candor.orders.services import place_order
from tests.orders.test_concurrency import _run_concurrently

pytestmark = [pytest.mark.postgres]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "value", "index"),
    [
        ("email", "Ayesha@Example.com", "order_email_recent"),
        ("phone", "+923001234567", "order_phone_recent"),
        ("ip", "203.0.113.8", "screening_ip_recent"),
    ],
)
def test_p25_velocity_lookups_use_their_indexes(key, value, index):
    from django.utils import timezone

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table would be scanned anyway
    plan = recent_orders(key, value, timezone.now()).explain()
    assert index in plan, plan


@pytest.mark.django_db(transaction=True)
def test_p25_parallel_checkouts_with_one_email_cannot_slip_under_the_velocity_limit(
    customer, standard_shipping, settings
):
    """Six orders with one email at once, held from the 3rd in an hour: each is screened
    after the one before is saved, so exactly two go through and four are held."""
    from tests.factories import VariantFactory

    settings.ORDER_SCREENING_RULES = {
        "velocity": {"email": {"hour": (3, None)}},
        "country_mismatch": None,
        "review_total_above": None,
        "review_quantity_above": None,
    }
    variant = VariantFactory(stock=50)

    def submit(_):
        order, _created = place_order(
            checkout_token=uuid.uuid4(),
            quantities={variant.pk: 1},
            customer=customer,
            shipping_method_id=standard_shipping.pk,
            payment_method="cod",
        )
        return order.status

    outcomes = _run_concurrently(6, submit)

    assert sorted(outcomes) == ["confirmed"] * 2 + ["held"] * 4, outcomes
