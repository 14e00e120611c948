"""P3: order history in the account (/account/orders/), and guest orders joining the account.

A customer sees their own orders only: anyone else's order, or a guest order not yet attached,
is not found (404). Guest orders placed under one of the customer's *verified* email addresses
(any letter case) are listed for confirmation and attached only when the customer confirms;
the service checks everything again and attaches all or nothing.
"""

import dataclasses
import re

import pytest
from django.test import Client

from candor.accounts.models import User
from candor.core.models import ShopSettings
from candor.orders.models import Order, OrderStatus, OrderStatusChange
from candor.orders.services import (
    OrderError,
    add_note,
    attach_guest_orders,
    change_status,
    guest_orders_for,
    record_payment,
)
from tests.factories import UserFactory, VariantFactory, VerifiedEmailFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


def alerts(response) -> list[str]:
    return re.findall(r'role="alert">([^<]*)<', response.content.decode())


@pytest.fixture
def shopper(db) -> User:
    user = UserFactory(email="ayesha@example.com")
    VerifiedEmailFactory(user=user)
    return user


@pytest.fixture
def browser(shopper) -> Client:
    client = Client()
    assert client.login(email=shopper.email, password=PASSWORD)
    return client


@pytest.fixture
def stocked():
    return VariantFactory(stock=500)


def owners() -> dict[str, int | None]:
    return dict(Order.objects.values_list("number", "user_id"))


# --- the list -----------------------------------------------------------------------------


def test_p3_order_history_lists_only_my_orders_newest_first(browser, shopper, place, stocked):
    older = place({stocked.pk: 1}, user=shopper)
    newer = place({stocked.pk: 2}, user=shopper, payment_method="bank_transfer")
    theirs = place({stocked.pk: 1}, user=UserFactory())
    guest = place({stocked.pk: 1})  # my email, but not attached
    response = browser.get("/account/orders/")
    assert response.status_code == 200
    assert [o.number for o in response.context["page"]] == [newer.number, older.number]
    html = response.content.decode()
    assert theirs.number not in html and guest.number not in html
    row = re.search(rf"<tr><td><a href=\"/account/orders/{newer.number}/\">.*?</tr>", html)
    assert row, html
    assert "Awaiting payment" in row[0] and newer.created_at.strftime("%Y") in row[0]
    assert "2,250" in row[0]  # 2 × 1,000 + 250 shipping


def test_p3_order_history_is_paginated(browser, shopper, place, stocked):
    placed = [place({stocked.pk: 1}, user=shopper).number for _ in range(23)]
    first = browser.get("/account/orders/")
    assert [o.number for o in first.context["page"]] == placed[::-1][:20]
    assert "Page 1 of 2" in first.content.decode()
    second = browser.get("/account/orders/?page=2")
    assert [o.number for o in second.context["page"]] == placed[::-1][20:]
    for garbage, number in (("x", 1), ("999", 2), ("-1", 2), ("", 1)):
        assert browser.get(f"/account/orders/?page={garbage}").context["page"].number == number


def test_p3_empty_history_says_so(browser):
    html = browser.get("/account/orders/").content.decode()
    assert "You have no orders in your account yet." in html


@pytest.mark.parametrize("n", [3, 30])
def test_p3_order_history_queries_are_pinned(
    browser, shopper, place, stocked, n, django_assert_num_queries
):
    """Session, user, the count and the page of orders, the customer's verified addresses and
    the count of guest orders under them, and the header's cart count."""
    for _ in range(n):
        place({stocked.pk: 1}, user=shopper)
    browser.get("/account/orders/")
    with django_assert_num_queries(7):
        response = browser.get("/account/orders/")
    assert len(response.context["page"]) == min(n, 20)


# --- one order ----------------------------------------------------------------------------


def test_p3_order_detail_shows_lines_addresses_history_and_payment(
    browser, shopper, place, stocked, committed
):
    order = place(
        {stocked.pk: 2},
        user=shopper,
        payment_method="bank_transfer",
        payment_instructions="Pay to IBAN PK00 TEST",
    )
    add_note(order=order, note="Staff only: customer called", acting_user=None)
    page = browser.get(f"/account/orders/{order.number}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<small>SKU " + stocked.sku + "</small>" in html
    assert "12 Mall Road" in html and "+92 300 1234567" in html
    assert "<strong>not paid yet</strong>" in html and "Pay to IBAN PK00 TEST" in html
    assert "Staff only" not in html
    assert [s.to_status for s in page.context["steps"]] == [OrderStatus.PENDING_PAYMENT]

    committed(record_payment, order=order, acting_user=None)
    committed(change_status, order=order, to_status=OrderStatus.PACKED, acting_user=None)
    page = browser.get(f"/account/orders/{order.number}/")
    html = page.content.decode()
    assert "<strong>paid</strong> on" in html and "Pay to IBAN" not in html
    assert [s.to_status for s in page.context["steps"]] == [
        OrderStatus.PENDING_PAYMENT,
        OrderStatus.PAID,
        OrderStatus.PACKED,
    ]


def test_p3_someone_elses_order_or_an_unattached_guest_order_is_not_found(
    browser, shopper, place, stocked
):
    theirs = place({stocked.pk: 1}, user=UserFactory())
    guest = place({stocked.pk: 1})  # placed with my email, not attached
    for number in (theirs.number, guest.number, "CN-NONE-NONE", "x" * 300):
        response = browser.get(f"/account/orders/{number}/")
        assert response.status_code == 404, number
    assert (
        "No order with this number in your account."
        in browser.get(f"/account/orders/{theirs.number}/").content.decode()
    )


@pytest.mark.parametrize("n", [3, 30])
def test_p3_order_detail_queries_are_pinned(browser, shopper, place, n, django_assert_num_queries):
    """Session, user, the order, its lines, its history, the header's cart count."""
    ShopSettings.load()
    order = place({VariantFactory(stock=5).pk: 1 for _ in range(n)}, user=shopper)
    browser.get(f"/account/orders/{order.number}/")
    with django_assert_num_queries(6):
        response = browser.get(f"/account/orders/{order.number}/")
    assert response.content.decode().count("<small>SKU ") == n


# --- guest orders join the account --------------------------------------------------------


def test_p3_guest_orders_with_my_verified_email_are_offered_then_attached_on_confirmation(
    browser, shopper, place, stocked, customer
):
    mine = place({stocked.pk: 1})
    mine_upper = place(
        {stocked.pk: 1}, customer=dataclasses.replace(customer, email="AYESHA@Example.COM")
    )
    strangers = place(
        {stocked.pk: 1}, customer=dataclasses.replace(customer, email="x@example.com")
    )
    before = owners()

    listing = browser.get("/account/orders/").content.decode()
    assert "2 orders were placed with your email address without an account." in listing
    page = browser.get("/account/orders/attach/")
    assert page.status_code == 200
    assert [o.number for o in page.context["orders"]] == [mine.number, mine_upper.number]
    assert strangers.number not in page.content.decode()
    assert owners() == before  # looking attaches nothing

    response = browser.post("/account/orders/attach/", {"order": [mine.pk, mine_upper.pk]})
    assert (response.status_code, response["Location"]) == (302, "/account/orders/")
    assert owners() == {**before, mine.number: shopper.pk, mine_upper.number: shopper.pk}
    notes = OrderStatusChange.objects.filter(note="Attached to the customer's account")
    assert sorted(notes.values_list("order_id", "changed_by_id")) == [
        (mine.pk, shopper.pk),
        (mine_upper.pk, shopper.pk),
    ]
    html = browser.get("/account/orders/").content.decode()
    assert "2 orders added to your account." in html
    assert "without an account" not in html
    assert browser.get(f"/account/orders/{mine.number}/").status_code == 200


def test_p3_nothing_is_offered_while_the_email_is_not_verified(client, place, stocked):
    unverified = UserFactory(email="ayesha@example.com")
    order = place({stocked.pk: 1})
    client.force_login(unverified)
    page = client.get("/account/orders/attach/")
    assert page.context["orders"] == []
    assert "once your email address is verified" in page.content.decode()
    response = client.post("/account/orders/attach/", {"order": [order.pk]})
    assert response.status_code == 400
    assert alerts(response) == [
        "Some of these orders can no longer be attached to your account. Nothing was "
        "changed; please check the list again."
    ]
    assert Order.objects.get(pk=order.pk).user_id is None


def test_p3_a_forged_confirmation_attaches_nothing(browser, shopper, place, stocked, customer):
    """P3: an order of another email, or one already in an account, slipped into the form
    makes the whole confirmation fail: nothing changes."""
    mine = place({stocked.pk: 1})
    other_email = place(
        {stocked.pk: 1}, customer=dataclasses.replace(customer, email="x@example.com")
    )
    already = place({stocked.pk: 1}, user=UserFactory())
    before = owners()
    for forged in ([mine.pk, other_email.pk], [mine.pk, already.pk], [mine.pk, 10**12]):
        response = browser.post("/account/orders/attach/", {"order": forged})
        assert response.status_code == 400
        assert alerts(response) == [
            "Some of these orders can no longer be attached to your account. Nothing was "
            "changed; please check the list again."
        ]
    for garbage in (["abc"], [str(mine.pk), "1e3"], ["9" * 40], []):
        response = browser.post("/account/orders/attach/", {"order": garbage})
        assert response.status_code == 400
        assert alerts(response) == [
            "Those orders could not be read. Nothing was changed; please try again."
        ]
    assert owners() == before
    assert not OrderStatusChange.objects.filter(note__startswith="Attached").exists()


def test_p3_attach_service_rechecks_in_its_transaction(shopper, place, stocked, customer):
    """P3: the list shown may be stale: an order attached elsewhere since is refused."""
    order = place({stocked.pk: 1})
    assert list(guest_orders_for(shopper)) == [order]
    Order.objects.filter(pk=order.pk).update(user=UserFactory())
    with pytest.raises(OrderError):
        attach_guest_orders(user=shopper, order_ids=[order.pk])
    with pytest.raises(OrderError, match="Choose the orders"):
        attach_guest_orders(user=shopper, order_ids=[])
    assert Order.objects.filter(user=shopper).count() == 0


def test_p3_an_order_cannot_be_attached_twice(shopper, place, stocked):
    order = place({stocked.pk: 1})
    assert [o.pk for o in attach_guest_orders(user=shopper, order_ids=[order.pk])] == [order.pk]
    with pytest.raises(OrderError):
        attach_guest_orders(user=shopper, order_ids=[order.pk])
    assert OrderStatusChange.objects.filter(order=order, note__startswith="Attached").count() == 1


def test_p3_phone_orders_without_email_are_never_offered(shopper, place, stocked, customer):
    place({stocked.pk: 1}, customer=dataclasses.replace(customer, email=""))
    VerifiedEmailFactory(user=shopper, email="", primary=False)
    assert list(guest_orders_for(shopper)) == []


def test_p3_attach_page_queries_are_pinned(browser, place, stocked, django_assert_num_queries):
    """Session, user, verified addresses, the guest orders, the verified-address check, and
    the header's cart count."""
    for _ in range(5):
        place({stocked.pk: 1})
    browser.get("/account/orders/attach/")
    with django_assert_num_queries(6):
        response = browser.get("/account/orders/attach/")
    assert len(response.context["orders"]) == 5
