"""P3: checkout for a signed-in customer: their email (fixed to the account's), name, phone and
default addresses are filled in; they may deliver to another address of their book, and save
a new one to it; the order is attached to their account. P2: guests keep the same short form.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from candor.accounts.models import Address
from candor.accounts.services import MAX_ADDRESSES
from candor.orders.models import Order
from tests.conftest import GUEST_DETAILS
from tests.factories import AddressFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
DETAILS = {k: v for k, v in GUEST_DETAILS.items() if k != "email"}


def alerts(response) -> list[str]:
    return re.findall(r'role="alert">([^<]*)<', response.content.decode())


@pytest.fixture
def shopper():
    user = UserFactory(
        email="ayesha@example.com", first_name="Ayesha", last_name="Khan", phone="+923001234567"
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def at_checkout(shopper):
    """A signed-in customer with one item in their cart."""
    client = Client()
    assert client.login(email=shopper.email, password=PASSWORD)
    client.post("/cart/add/", {"variant": VariantFactory(stock=5).pk, "quantity": 1})
    return client


def place(client, standard_shipping):
    initial = client.get("/checkout/review/").context["form"].initial
    return client.post(
        "/checkout/review/",
        {**initial, "shipping_method": standard_shipping.pk, "payment_method": "cod"},
    )


def test_p3_details_are_prefilled_from_the_account_and_default_addresses(at_checkout, shopper):
    AddressFactory(owner=shopper, name="Ayesha K.", line1="12 Mall Road", is_default_shipping=True)
    AddressFactory(
        owner=shopper,
        name="Khan Traders",
        line1="5 Office Park",
        city="Karachi",
        postcode="74000",
        is_default_billing=True,
    )
    form = at_checkout.get("/checkout/").context["form"]
    assert form.fields["email"].disabled is True
    values = {name: form[name].value() for name in form.fields}
    assert values == {
        "email": "ayesha@example.com",
        "phone": "+923001234567",
        "shipping_name": "Ayesha K.",
        "shipping_line1": "12 Mall Road",
        "shipping_line2": None,
        "shipping_city": "Lahore",
        "shipping_postcode": "54000",
        "shipping_country": "PK",
        "save_address": None,
        "billing_same_as_shipping": False,
        "billing_name": "Khan Traders",
        "billing_line1": "5 Office Park",
        "billing_line2": None,
        "billing_city": "Karachi",
        "billing_postcode": "74000",
        "billing_country": "PK",
    }


def test_p3_without_an_address_book_name_and_phone_still_come_from_the_profile(at_checkout):
    page = at_checkout.get("/checkout/")
    form = page.context["form"]
    assert (form["shipping_name"].value(), form["phone"].value()) == (
        "Ayesha Khan",
        "+923001234567",
    )
    assert form["shipping_line1"].value() is None
    assert form["billing_same_as_shipping"].value() is True
    assert page.context["address_book"] == []


def test_p3_the_order_goes_to_the_account_email_and_into_the_account(
    at_checkout, shopper, standard_shipping
):
    """A posted email address is ignored for a signed-in customer (the field is fixed)."""
    response = at_checkout.post("/checkout/", {**DETAILS, "email": "someone.else@example.com"})
    assert response.status_code == 302
    assert place(at_checkout, standard_shipping).status_code == 302
    order = Order.objects.get()
    assert (order.email, order.user_id) == ("ayesha@example.com", shopper.pk)
    assert at_checkout.get(f"/account/orders/{order.number}/").status_code == 200


def test_p3_pick_another_address_from_the_book(at_checkout, shopper, standard_shipping):
    AddressFactory(owner=shopper, line1="12 Mall Road", is_default_shipping=True)
    work = AddressFactory(
        owner=shopper,
        name="Ayesha at work",
        line1="5 Office Park",
        city="Karachi",
        postcode="74000",
    )
    page = at_checkout.get("/checkout/").content.decode()
    assert f'href="?address={work.pk}"' in page
    form = at_checkout.get(f"/checkout/?address={work.pk}").context["form"]
    picked = {n: form[n].value() for n in ("shipping_name", "shipping_line1", "shipping_city")}
    assert picked == {
        "shipping_name": "Ayesha at work",
        "shipping_line1": "5 Office Park",
        "shipping_city": "Karachi",
    }


def test_p3_another_customers_address_cannot_be_picked(at_checkout, shopper):
    theirs = AddressFactory(owner=UserFactory(), line1="99 Secret Lane")
    for value in (str(theirs.pk), "abc", "9" * 30, ""):
        response = at_checkout.get(f"/checkout/?address={value}")
        assert response.status_code == 404, value
        assert "99 Secret Lane" not in response.content.decode()


def test_p3_save_this_address_to_my_address_book(at_checkout, shopper, standard_shipping):
    """Ticked, the delivery address joins the book when the order is placed (first address:
    the default); the same address is never saved twice; unticked, nothing is saved."""
    at_checkout.post("/checkout/", {**DETAILS, "save_address": "on"})
    assert Address.objects.count() == 0  # not before the order exists
    place(at_checkout, standard_shipping)
    saved = Address.objects.get(owner=shopper)
    assert (saved.name, saved.line1, saved.city, saved.country.code, str(saved.phone)) == (
        "Sana Mir",
        "1 Road",
        "Lahore",
        "PK",
        "",
    )
    assert (saved.is_default_shipping, saved.is_default_billing) == (True, True)

    for ticked in ({"save_address": "on"}, {}):
        at_checkout.post("/cart/add/", {"variant": VariantFactory(stock=5).pk, "quantity": 1})
        at_checkout.post("/checkout/", {**DETAILS, "shipping_name": "SANA MIR", **ticked})
        place(at_checkout, standard_shipping)
    at_checkout.post("/cart/add/", {"variant": VariantFactory(stock=5).pk, "quantity": 1})
    at_checkout.post("/checkout/", {**DETAILS, "shipping_line1": "2 Road"})
    place(at_checkout, standard_shipping)
    assert Order.objects.filter(user=shopper).count() == 4
    assert list(Address.objects.values_list("line1", flat=True)) == ["1 Road"]


def test_p3_a_full_address_book_is_reported_on_the_details_form(at_checkout, shopper):
    for i in range(MAX_ADDRESSES):
        AddressFactory(owner=shopper, line1=f"{i} Street")
    response = at_checkout.post("/checkout/", {**DETAILS, "save_address": "on"})
    assert response.status_code == 400
    assert alerts(response) == [
        "Your address book is full (20 addresses); untick this box or delete an address in "
        "your account first."
    ]
    assert "checkout_details" not in at_checkout.session
    # an address already in the book may still be "saved" (it is simply not added again)
    same = {
        **DETAILS,
        "shipping_line1": "0 Street",
        "shipping_name": "Ayesha Khan",
        "shipping_postcode": "54000",
        "save_address": "on",
    }
    assert at_checkout.post("/checkout/", same).status_code == 302


def test_p3_details_given_before_signing_in_are_checked_again(client, shopper, standard_shipping):
    """A guest who filled in another email, then signed in, is sent back to the details step;
    the order then goes to the account's address."""
    client.post("/cart/add/", {"variant": VariantFactory(stock=5).pk, "quantity": 1})
    client.post("/checkout/", {**GUEST_DETAILS, "email": "old@example.com"})
    client.login(email=shopper.email, password=PASSWORD)
    response = client.get("/checkout/review/")
    assert (response.status_code, response["Location"]) == (302, "/checkout/")
    page = client.get("/checkout/")
    assert page.context["form"]["email"].value() == "ayesha@example.com"
    assert page.context["form"]["shipping_name"].value() == "Sana Mir"  # kept from before
    assert "You are signed in now: please check your details once more." in page.content.decode()
    client.post("/checkout/", DETAILS)
    assert place(client, standard_shipping).status_code == 302
    assert Order.objects.get().email == "ayesha@example.com"


def test_p2_guests_keep_the_short_form(client):
    """P2: no account, no save box, the email is theirs to type."""
    client.post("/cart/add/", {"variant": VariantFactory(stock=5).pk, "quantity": 1})
    form = client.get("/checkout/").context["form"]
    assert "save_address" not in form.fields
    assert form.fields["email"].disabled is False
    assert client.post("/checkout/", GUEST_DETAILS).status_code == 302


@pytest.mark.parametrize("n", [1, 10])
def test_p3_signed_in_details_page_queries_are_pinned(
    at_checkout, shopper, n, django_assert_num_queries
):
    """Session, user, the cart, its lines, the address book, the header's cart count."""
    for i in range(n):
        AddressFactory(owner=shopper, line1=f"{i} Street", is_default_shipping=i == 0)
    at_checkout.get("/checkout/")
    with django_assert_num_queries(6):
        response = at_checkout.get("/checkout/")
    assert len(response.context["address_book"]) == n
