"""P25: staff work the orders screening held, in the back office: a queue with the reasons, and
release or cancel actions that go through the decision services and are recorded."""

import copy
import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

import candor.settings as production
from candor.catalog.models import Variant
from candor.messaging.models import OutboxMessage
from candor.orders.models import (
    Order,
    OrderSource,
    OrderStatus,
    ScreeningDecision,
    ScreeningOutcome,
    ScreeningResult,
)
from tests.factories import UserFactory, VariantFactory

pytestmark = pytest.mark.django_db

ORDERS = "/backoffice/orders/order/"
RELEASE = "action_release_held_orders__screening_review_done_"
CANCEL = "action_cancel_held_orders__returns_stock__mails_the_customer_"


@pytest.fixture(autouse=True)
def hold_large_quantities(settings):
    """More than one of a variant is held for review; everything else passes."""
    settings.ORDER_SCREENING_RULES = {
        **copy.deepcopy(production.ORDER_SCREENING_RULES),
        "review_quantity_above": 1,
    }


@pytest.fixture
def held(place, variant):
    return place({variant.pk: 2}, client_ip="203.0.113.50")


def _staff(client, mfa_login, *codenames):
    user = UserFactory(email="clerk@candor.example", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    mfa_login(client, user)
    return user


def test_p25_the_queue_lists_held_orders_with_their_reasons(
    admin_client, place, variant, held, django_assert_num_queries
):
    accepted = place({variant.pk: 1})
    everything = admin_client.get(ORDERS).content.decode()
    assert "Held for review (1)" in everything
    assert accepted.number in everything and held.number in everything

    with django_assert_num_queries(12):
        response = admin_client.get(ORDERS + "?status__exact=held")
    page = response.content.decode()
    assert response.status_code == 200
    assert held.number in page and accepted.number not in page
    assert f"<li>2 of {variant.sku} in one order (more than 1).</li>" in page
    assert "203.0.113.50" not in page


def test_p25_the_queue_costs_the_same_queries_for_many_held_orders(
    admin_client, place, django_assert_num_queries
):
    for _ in range(5):
        place({VariantFactory(stock=5).pk: 2})
    admin_client.get(ORDERS)  # the shop's settings are cached after the first page
    with django_assert_num_queries(12):
        admin_client.get(ORDERS + "?status__exact=held")


def test_p25_the_order_page_shows_the_verdict_but_not_the_ip_address(admin_client, held):
    page = admin_client.get(f"{ORDERS}{held.pk}/change/").content.decode()
    assert "order screening" in page
    assert "Held for review" in page
    assert "in one order (more than 1)." in page
    assert "203.0.113.50" not in page


def test_p25_releasing_from_the_queue_asks_for_a_note_then_records_who(
    admin_client, admin_user, held, django_capture_on_commit_callbacks
):
    asked = admin_client.post(ORDERS, {"action": RELEASE, "_selected_action": [held.pk]})
    assert asked.status_code == 200 and b'name="note"' in asked.content
    assert Order.objects.get(pk=held.pk).status == OrderStatus.HELD

    with django_capture_on_commit_callbacks(execute=True):
        done = admin_client.post(
            ORDERS,
            {
                "action": RELEASE,
                "_selected_action": [held.pk],
                "apply": "1",
                "note": "Spoke to the customer",
            },
            follow=True,
        )
    assert f"Released: {held.number}." in done.content.decode()
    held.refresh_from_db()
    assert held.status == OrderStatus.CONFIRMED
    result = ScreeningResult.objects.get(order=held)
    assert (result.decision, result.decided_by, result.decision_note) == (
        ScreeningDecision.RELEASED,
        admin_user,
        "Spoke to the customer",
    )
    assert held.history.last().changed_by == admin_user
    assert OutboxMessage.objects.filter(template="orders/email/confirmed").count() == 1


def test_p25_cancelling_from_the_queue_returns_stock(
    admin_client, held, variant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            ORDERS, {"action": CANCEL, "_selected_action": [held.pk], "apply": "1", "note": ""}
        )
    held.refresh_from_db()
    assert held.status == OrderStatus.CANCELLED
    assert Variant.objects.get(pk=variant.pk).stock == 10
    assert ScreeningResult.objects.get(order=held).decision == ScreeningDecision.CANCELLED
    assert OutboxMessage.objects.filter(template="orders/email/cancelled").count() == 1


def test_p25_an_order_not_held_is_refused_by_the_queue_actions(admin_client, place, variant):
    accepted = place({variant.pk: 1})
    done = admin_client.post(
        ORDERS,
        {"action": RELEASE, "_selected_action": [accepted.pk], "apply": "1", "note": ""},
        follow=True,
    )
    page = done.content.decode()
    assert f"Order {accepted.number} is not held for review (it is “Confirmed”)." in page
    assert "Released: none." in page
    assert Order.objects.get(pk=accepted.pk).status == OrderStatus.CONFIRMED
    assert ScreeningResult.objects.get(order=accepted).decision == ""


def test_p25_only_staff_allowed_to_decide_see_or_use_the_release_and_cancel_actions(
    client, mfa_login, held
):
    _staff(client, mfa_login, "view_order", "change_order")
    page = client.get(ORDERS)
    offered = [value for value, _ in page.context["action_form"].fields["action"].choices]
    assert RELEASE not in offered and CANCEL not in offered
    assert "mark_packed" in offered

    client.post(ORDERS, {"action": RELEASE, "_selected_action": [held.pk], "apply": "1"})
    assert Order.objects.get(pk=held.pk).status == OrderStatus.HELD
    assert ScreeningResult.objects.get(order=held).decision == ""


def test_p25_staff_with_the_decide_permission_get_the_actions(client, mfa_login, held):
    _staff(client, mfa_login, "view_order", "change_order", "decide_held_orders")
    offered = [
        value for value, _ in client.get(ORDERS).context["action_form"].fields["action"].choices
    ]
    assert RELEASE in offered and CANCEL in offered
    client.post(ORDERS, {"action": RELEASE, "_selected_action": [held.pk], "apply": "1"})
    assert Order.objects.get(pk=held.pk).status == OrderStatus.CONFIRMED


def test_p25_the_generic_status_actions_cannot_move_a_held_order(admin_client, held):
    for action in ("mark_packed", "mark_cancelled", "record_payment"):
        admin_client.post(ORDERS, {"action": action, "_selected_action": [held.pk]})
    held.refresh_from_db()
    assert (held.status, held.paid_at) == (OrderStatus.HELD, None)
    assert held.history.count() == 1


def _phone_order(standard_shipping, quantity):
    return {
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
        "quantity_0": str(quantity),
    }


def test_p22_p25_phone_orders_are_screened_too(admin_client, standard_shipping, settings):
    VariantFactory(sku="PH-1", stock=5, price=Decimal("1000"))
    response = admin_client.post(ORDERS + "phone/", _phone_order(standard_shipping, 2), follow=True)
    order = Order.objects.get()
    assert order.source == OrderSource.PHONE and order.status == OrderStatus.HELD
    assert (
        f"Phone order {order.number} recorded and held for review by order screening; see its "
        "screening reasons below." in response.content.decode()
    )
    result = ScreeningResult.objects.get(order=order)
    assert result.ip is None  # the staff member's address is not the customer's

    settings.ORDER_SCREENING_RULES = {
        **settings.ORDER_SCREENING_RULES,
        "velocity": {"phone": {"hour": (None, 2)}},
    }
    response = admin_client.post(ORDERS + "phone/", _phone_order(standard_shipping, 1), follow=True)
    declined = Order.objects.exclude(pk=order.pk).get()
    assert declined.status == OrderStatus.CANCELLED
    assert ScreeningResult.objects.get(order=declined).outcome == ScreeningOutcome.REJECT
    assert (
        f"Phone order {declined.number} was declined by order screening (no stock taken); "
        "see its screening reasons below." in response.content.decode()
    )
    assert Variant.objects.get(sku="PH-1").stock == 3
