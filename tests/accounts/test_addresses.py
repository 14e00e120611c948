"""P3: the address book (/account/addresses/): list, add, edit, delete, default delivery and
billing addresses. At most one default of each kind per customer, and nobody ever sees or
touches another customer's address (404, nothing changed)."""

import re

import pytest
from django.db import IntegrityError, transaction

from candor.accounts import services
from candor.accounts.models import Address
from candor.accounts.services import AccountError, AddressData, AddressNotFound
from tests.factories import AddressFactory, UserFactory

pytestmark = pytest.mark.django_db

GOOD = {
    "name": "Ayesha Khan",
    "line1": "12 Mall Road",
    "line2": "",
    "city": "Lahore",
    "postcode": "54000",
    "country": "PK",
    "phone": "",
}


def alerts(response) -> list[str]:
    return re.findall(r'role="alert">([^<]*)<', response.content.decode())


def book(user) -> list[tuple]:
    return list(
        Address.objects.filter(owner=user)
        .order_by("id")
        .values_list("line1", "is_default_shipping", "is_default_billing")
    )


def snapshot() -> list[tuple]:
    return list(Address.objects.order_by("id").values_list())


# --- adding -------------------------------------------------------------------------------


def test_p3_first_address_becomes_both_defaults_the_next_neither(signed_in, customer_user):
    """P3: the first address is the default for delivery and billing; later ones are not."""
    response = signed_in.post("/account/addresses/add/", GOOD)
    assert (response.status_code, response["Location"]) == (302, "/account/addresses/")
    signed_in.post(
        "/account/addresses/add/", {**GOOD, "line1": "7 Canal View", "phone": "042 35761234"}
    )
    assert book(customer_user) == [("12 Mall Road", True, True), ("7 Canal View", False, False)]
    second = Address.objects.get(line1="7 Canal View")
    assert (second.postcode, second.country.code, second.phone.as_e164) == (
        "54000",
        "PK",
        "+924235761234",
    )
    page = signed_in.get("/account/addresses/").content.decode()
    assert "Address added." in page
    assert page.count("Default delivery address</strong>") == 1
    assert "12 Mall Road" in page and "7 Canal View" in page


def test_p2_optional_address_fields_may_be_left_out(signed_in, customer_user):
    """P2: line 2, postcode and phone are optional and marked so."""
    form = signed_in.get("/account/addresses/add/").content.decode()
    for label in ("Address line 2 (optional)", "Postcode (optional)", "Phone (optional)"):
        assert label in form
    data = {k: v for k, v in GOOD.items() if k in ("name", "line1", "city", "country")}
    assert signed_in.post("/account/addresses/add/", data).status_code == 302
    assert book(customer_user) == [("12 Mall Road", True, True)]


@pytest.mark.parametrize(
    ("change", "field_error"),
    [
        ({"name": ""}, "This field is required."),
        ({"city": "   "}, "This field is required."),
        ({"country": "XX"}, "Select a valid choice. XX is not one of the available choices."),
        ({"postcode": "ABC"}, "This postcode is not in the format used in that country."),
        (
            {"phone": "12"},
            "Enter a valid phone number (e.g. (021) 23456789) or a number with an "
            "international call prefix.",
        ),
        ({"line1": "x" * 201}, "Ensure this value has at most 200 characters (it has 201)."),
    ],
)
def test_p3_bad_address_re_renders_with_the_error_and_saves_nothing(signed_in, change, field_error):
    response = signed_in.post("/account/addresses/add/", {**GOOD, **change})
    assert response.status_code == 400
    assert alerts(response) == [field_error]
    assert Address.objects.count() == 0


def test_p3_a_full_book_refuses_another_address(signed_in, customer_user):
    for i in range(services.MAX_ADDRESSES):
        AddressFactory(owner=customer_user, line1=f"{i} Road")
    before = snapshot()
    response = signed_in.post("/account/addresses/add/", GOOD)
    assert response.status_code == 400
    assert alerts(response) == [
        "Your address book is full (20 addresses). Delete one you no longer use first."
    ]
    assert snapshot() == before
    assert "Your address book is full" in signed_in.get("/account/addresses/").content.decode()


# --- editing, deleting, defaults ----------------------------------------------------------


def test_p3_edit_an_address(signed_in, customer_user):
    address = AddressFactory(owner=customer_user, is_default_shipping=True)
    form = signed_in.get(f"/account/addresses/{address.pk}/edit/")
    assert form.status_code == 200
    assert f'value="{address.line1}"' in form.content.decode()
    response = signed_in.post(
        f"/account/addresses/{address.pk}/edit/", {**GOOD, "line1": "3 New Street", "postcode": ""}
    )
    assert response.status_code == 302
    address.refresh_from_db()
    assert (address.line1, address.postcode, address.is_default_shipping) == (
        "3 New Street",
        "",
        True,
    )


def test_p3_bad_edit_changes_nothing(signed_in, customer_user):
    address = AddressFactory(owner=customer_user)
    before = snapshot()
    response = signed_in.post(f"/account/addresses/{address.pk}/edit/", {**GOOD, "line1": ""})
    assert response.status_code == 400
    assert alerts(response) == ["This field is required."]
    assert snapshot() == before


def test_p3_delete_asks_first_then_deletes(signed_in, customer_user):
    keep, gone = AddressFactory(owner=customer_user), AddressFactory(owner=customer_user)
    confirm = signed_in.get(f"/account/addresses/{gone.pk}/delete/")
    assert confirm.status_code == 200
    assert "Delete this address?" in confirm.content.decode()
    assert Address.objects.count() == 2
    response = signed_in.post(f"/account/addresses/{gone.pk}/delete/")
    assert (response.status_code, response["Location"]) == (302, "/account/addresses/")
    assert list(Address.objects.values_list("pk", flat=True)) == [keep.pk]


def test_p3_make_default_moves_the_one_default_of_that_kind(signed_in, customer_user):
    """P3: one default delivery and one default billing address at most; choosing another
    moves it, and the other kind stays where it was."""
    first = AddressFactory(owner=customer_user, is_default_shipping=True, is_default_billing=True)
    second = AddressFactory(owner=customer_user)
    response = signed_in.post(f"/account/addresses/{second.pk}/default-delivery/")
    assert (response.status_code, response["Location"]) == (302, "/account/addresses/")
    assert book(customer_user) == [(first.line1, False, True), (second.line1, True, False)]
    signed_in.post(f"/account/addresses/{second.pk}/default-billing/")
    assert book(customer_user) == [(first.line1, False, False), (second.line1, True, True)]
    assert (
        "Default billing address changed." in signed_in.get("/account/addresses/").content.decode()
    )


def test_p3_make_default_needs_post(signed_in, customer_user):
    address = AddressFactory(owner=customer_user)
    assert signed_in.get(f"/account/addresses/{address.pk}/default-delivery/").status_code == 405
    assert book(customer_user) == [(address.line1, False, False)]


def test_p3_the_database_refuses_a_second_default_of_a_kind(customer_user):
    """P3: the conditional unique constraints back the service."""
    AddressFactory(owner=customer_user, is_default_shipping=True)
    AddressFactory(owner=customer_user, is_default_billing=True)
    for flag in ("is_default_shipping", "is_default_billing"):
        with pytest.raises(IntegrityError), transaction.atomic():
            AddressFactory(owner=customer_user, **{flag: True})
    # another customer has defaults of their own
    AddressFactory(is_default_shipping=True, is_default_billing=True)
    assert Address.objects.filter(is_default_shipping=True).count() == 2


def test_p3_set_default_refuses_an_unknown_kind(customer_user):
    address = AddressFactory(owner=customer_user)
    with pytest.raises(AccountError, match="delivery or billing"):
        services.set_default_address(owner=customer_user, address_id=address.pk, kind="gift")
    assert book(customer_user) == [(address.line1, False, False)]


# --- nobody touches another customer's addresses -------------------------------------------


def test_p3_another_customers_address_is_not_found_and_untouched(signed_in, customer_user):
    """P3: every page and action on someone else's address is 404 and changes nothing; their
    address never appears in my book."""
    theirs = AddressFactory(owner=UserFactory(), line1="99 Secret Lane", is_default_shipping=True)
    mine = AddressFactory(owner=customer_user)
    before = snapshot()
    base = f"/account/addresses/{theirs.pk}"
    assert signed_in.get(f"{base}/edit/").status_code == 404
    assert signed_in.post(f"{base}/edit/", GOOD).status_code == 404
    assert signed_in.get(f"{base}/delete/").status_code == 404
    assert signed_in.post(f"{base}/delete/").status_code == 404
    assert signed_in.post(f"{base}/default-delivery/").status_code == 404
    assert signed_in.post(f"{base}/default-billing/").status_code == 404
    assert signed_in.get(f"/account/addresses/{2**63 + 5}/edit/").status_code == 404
    assert snapshot() == before
    page = signed_in.get("/account/addresses/").content.decode()
    assert "99 Secret Lane" not in page and mine.line1 in page


def test_p3_services_refuse_another_customers_address(customer_user):
    theirs = AddressFactory(owner=UserFactory(), line1="99 Secret Lane")
    before = snapshot()
    data = AddressData(name="X", line1="Y", city="Z", country="PK")
    with pytest.raises(AddressNotFound):
        services.update_address(owner=customer_user, address_id=theirs.pk, data=data)
    with pytest.raises(AddressNotFound):
        services.delete_address(owner=customer_user, address_id=theirs.pk)
    with pytest.raises(AddressNotFound):
        services.set_default_address(owner=customer_user, address_id=theirs.pk, kind="billing")
    assert snapshot() == before


@pytest.mark.parametrize("n", [3, 15])
def test_p3_address_book_page_queries_are_pinned(
    signed_in, customer_user, django_assert_num_queries, n
):
    """Session, user, the book in one query, the header's cart count, whatever its size."""
    for i in range(n):
        AddressFactory(owner=customer_user, line1=f"{i} Road")
    signed_in.get("/account/addresses/")
    with django_assert_num_queries(4):
        response = signed_in.get("/account/addresses/")
    assert len(response.context["addresses"]) == n


def test_p3_checkout_save_skips_a_full_book_without_failing(customer_user):
    """Saving from checkout never fails the order: a full book (filled in another tab after
    the details step) keeps what it has."""
    for i in range(services.MAX_ADDRESSES):
        AddressFactory(owner=customer_user, line1=f"{i} Road")
    before = snapshot()
    data = AddressData(name="Ayesha Khan", line1="New Road", city="Lahore", country="PK")
    assert services.save_checkout_address(owner=customer_user, data=data) is None
    assert snapshot() == before


@pytest.mark.parametrize(
    ("action", "method", "path"),
    [
        ("update_address", "post", "edit/"),
        ("delete_address", "post", "delete/"),
    ],
)
def test_p3_an_address_deleted_in_another_tab_is_not_found(
    signed_in, customer_user, monkeypatch, action, method, path
):
    """The page was found, but the address went before the service ran: 404, not a 500."""
    address = AddressFactory(owner=customer_user)

    def vanished(**kwargs):
        raise AddressNotFound("That address is not in your address book.")

    monkeypatch.setattr(services, action, vanished)
    response = getattr(signed_in, method)(f"/account/addresses/{address.pk}/{path}", GOOD)
    assert response.status_code == 404
