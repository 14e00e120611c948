"""Property-based tests of the checkout: the details form (POST /checkout/) and the review step
(POST /checkout/review/), driven through Django's test client.

Whatever is posted, the shop never answers 5xx. Bad input re-renders the form (400) with the
error next to the field, creates no order and takes no stock. Good input creates exactly one
order. P2: only what delivery needs is required; leaving out optional data (address line 2,
postcode, order note) never blocks a purchase. P1: all of it as a guest, with no account.
"""

import re
import uuid

import phonenumbers
import pytest
from django.test import Client
from django.utils.html import escape
from django_countries import countries
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from candor.cart.models import Cart, CartLine
from candor.cart.services import SESSION_KEY as CART_KEY
from candor.cart.services import contents
from candor.catalog.models import Variant
from candor.checkout.forms import DetailsForm, ReviewForm
from candor.checkout.links import order_number_from
from candor.checkout.services import cart_digest
from candor.checkout.views import DETAILS_KEY, TOKEN_KEY
from candor.core.models import ShopSettings
from candor.core.postcodes import FALLBACK, POSTCODE_PATTERNS
from candor.orders.models import Order
from tests.factories import ShippingMethodFactory, ShippingZoneFactory
from tests.unstorable import refused_before_the_view

pytestmark = pytest.mark.django_db


class ReviewingClient(Client):
    """A shopper's browser: like the review page, it sends the fingerprint of the cart it
    shows along with the review form (unless a test sends its own)."""

    def post(self, path, data=None, **extra):
        if path == "/checkout/review/" and isinstance(data, dict) and "cart_digest" not in data:
            cart_id = self.session.get(CART_KEY)
            cart = Cart.objects.filter(pk=cart_id).first() if cart_id else None
            data = {**data, "cart_digest": cart_digest(contents(cart))}
        return super().post(path, data, **extra)


PROPERTY = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
STOCK = 10
IN_CART = 2

REQUIRED = {
    "email",
    "phone",
    "shipping_name",
    "shipping_line1",
    "shipping_city",
    "shipping_country",
}
GOOD = {
    "email": "ayesha@example.com",
    "phone": "+923001234567",
    "shipping_name": "Ayesha Khan",
    "shipping_line1": "12 Mall Road",
    "shipping_city": "Lahore",
    "shipping_country": "PK",
    "billing_same_as_shipping": "on",  # ticked by default in the rendered form
}
REQUIRED_MESSAGE = "This field is required."
# The example comes from the shop's own country (Pakistan in these tests).
BAD_PHONE = (
    "Enter a valid phone number (e.g. (021) 23456789) or a number with an international call "
    "prefix."
)
BAD_POSTCODE = "This postcode is not in the format used in that country."
NO_POSTCODE = "Addresses in this country have no postcode; leave it empty."
WRONG_ZONE = "That shipping method does not deliver to your country."

any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
# Free text as typed into a form: no control characters, no surrogates.
typed_text = st.characters(blacklist_categories=("Cs", "Cc"))


# --- helpers ------------------------------------------------------------------------------


@pytest.fixture
def shop(variant, standard_shipping):
    """A variant with STOCK units and a standard shipping method to Pakistan."""
    return variant


def state() -> tuple:
    """Everything a checkout could change: orders, stock and cart lines."""
    return (
        sorted(Order.objects.values_list("id", flat=True)),
        sorted(Variant.objects.values_list("id", "stock")),
        sorted(CartLine.objects.values_list("id", "cart_id", "variant_id", "quantity")),
    )


def reset(variant) -> None:
    """Each example starts from the same shop: full stock, no carts."""
    Cart.objects.all().delete()
    Variant.objects.filter(pk=variant.pk).update(stock=STOCK)


def shopper(variant, quantity: int = IN_CART) -> Client:
    """A fresh guest whose cart holds `quantity` of `variant` (built directly: the cart
    endpoints have their own tests, and this keeps each example cheap)."""
    cart = Cart.objects.create()
    CartLine.objects.create(cart=cart, variant=variant, quantity=quantity)
    client = ReviewingClient()
    session = client.session
    session[CART_KEY] = cart.pk
    session.save()
    return client


def at_review(variant, quantity: int = IN_CART) -> tuple[Client, str]:
    """A guest at the review step: good details stored as the details step stores them, and
    the checkout token the review page hands out. Returns (client, token)."""
    form = DetailsForm(GOOD)
    assert form.is_valid(), form.errors
    client = shopper(variant, quantity)
    token = str(uuid.uuid4())
    session = client.session
    session[DETAILS_KEY] = form.session_data()
    session[TOKEN_KEY] = token
    session.save()
    return client, token


def errors(response) -> dict:
    return {name: list(messages) for name, messages in response.context["form"].errors.items()}


def assert_shown(response, message: str) -> None:
    assert f'role="alert">{escape(message)}</' in response.content.decode()


def assert_details_refused(response, client, expected_errors: dict, before: tuple) -> None:
    assert response.status_code == 400
    assert errors(response) == expected_errors
    for messages in expected_errors.values():
        for message in messages:
            assert_shown(response, message)
    assert DETAILS_KEY not in client.session
    assert state() == before


def assert_review_refused(response, field: str, message: str, before: tuple) -> None:
    assert response.status_code == 400
    assert errors(response) == {field: [message]}
    assert_shown(response, message)
    assert state() == before


def region() -> str:
    return ShopSettings.load().country.code


def valid_phone(text: str) -> str | None:
    """The E.164 form of a number the shop's region accepts, or None."""
    try:
        number = phonenumbers.parse(text.strip(), region())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def postcode_pattern(country: str) -> str:
    return POSTCODE_PATTERNS.get(country, FALLBACK)


def normalised(postcode: str) -> str:
    return " ".join(postcode.upper().split())


# --- step one: details --------------------------------------------------------------------


@PROPERTY
@given(
    phone=st.one_of(
        any_text,
        st.from_regex(r"[0-9]{1,6}", fullmatch=True),
        st.from_regex(r"\+?[0-9]{16,30}", fullmatch=True),
        st.from_regex(r"\+(999|0)[0-9]{6,12}", fullmatch=True),
        st.from_regex(r"[A-Za-z .()-]{1,15}", fullmatch=True),
    )
)
@example(phone="")
@example(phone="   ")
@example(phone="+1")
@example(phone="0300 123")
@example(phone="03001234567")
@example(phone="+92 300 1234567")
@example(phone="\x00")
def test_details_phone(shop, phone):
    """P2: A malformed phone number re-renders the form with the error and stores nothing; a
    valid one is kept in E.164 form."""
    reset(shop)
    client = shopper(shop)
    before = state()
    response = client.post("/checkout/", {**GOOD, "phone": phone})
    if refused_before_the_view(response, phone):
        assert state() == before
        return
    expected = valid_phone(phone)
    if expected is None:
        messages = [REQUIRED_MESSAGE if not phone.strip() else BAD_PHONE]
        assert_details_refused(response, client, {"phone": messages}, before)
    else:
        assert response.status_code == 302
        assert client.session[DETAILS_KEY]["phone"] == expected
        assert state() == before


POSTCODE_COUNTRIES = st.sampled_from([*POSTCODE_PATTERNS, "FR", "NL", "JP"])


@PROPERTY
@given(
    country=POSTCODE_COUNTRIES,
    postcode=st.text(
        st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz0123456789 -./#"), min_size=1, max_size=20
    ),
)
@example(country="PK", postcode="5400")
@example(country="PK", postcode="540000")
@example(country="IN", postcode="11000")
@example(country="US", postcode="1234")
@example(country="US", postcode="12345-12")
@example(country="GB", postcode="12345")
@example(country="CA", postcode="A1A1A1A")
@example(country="DE", postcode="1011")
@example(country="AE", postcode="12345")
@example(country="FR", postcode="-")
def test_details_postcode_per_country(shop, country, postcode):
    """P2: Each country's postcode format (checkout/validators.py) is enforced; a malformed
    postcode re-renders the form with the error and stores nothing."""
    reset(shop)
    client = shopper(shop)
    before = state()
    response = client.post(
        "/checkout/", {**GOOD, "shipping_country": country, "shipping_postcode": postcode}
    )
    value = normalised(postcode)
    if not value:
        assert response.status_code == 302
        assert client.session[DETAILS_KEY]["shipping_postcode"] == ""
    elif country == "AE":
        assert_details_refused(response, client, {"shipping_postcode": [NO_POSTCODE]}, before)
    elif re.fullmatch(postcode_pattern(country), value):
        assert response.status_code == 302
        assert client.session[DETAILS_KEY]["shipping_postcode"] == value
    else:
        assert_details_refused(response, client, {"shipping_postcode": [BAD_POSTCODE]}, before)


@PROPERTY
@given(
    country=st.sampled_from([c for c in POSTCODE_PATTERNS if POSTCODE_PATTERNS[c]]),
    lower=st.booleans(),
    data=st.data(),
)
def test_details_well_formed_postcodes_are_accepted(shop, country, lower, data):
    """P2: A postcode in the country's own format is accepted (in either case), stored
    upper-case."""
    reset(shop)
    postcode = data.draw(
        st.from_regex(
            POSTCODE_PATTERNS[country], fullmatch=True, alphabet=st.characters(codec="ascii")
        )
    )
    client = shopper(shop)
    response = client.post(
        "/checkout/",
        {
            **GOOD,
            "shipping_country": country,
            "shipping_postcode": postcode.lower() if lower else postcode,
        },
    )
    assert response.status_code == 302
    assert client.session[DETAILS_KEY]["shipping_postcode"] == postcode


def test_details_billing_postcode_is_checked_too(shop):
    """P2: Details billing postcode is checked too."""
    client = shopper(shop)
    before = state()
    response = client.post(
        "/checkout/",
        {
            **GOOD,
            "billing_same_as_shipping": "",
            "billing_name": "Ayesha Khan",
            "billing_line1": "1 Kurfürstendamm",
            "billing_city": "Berlin",
            "billing_country": "DE",
            "billing_postcode": "1011",
        },
    )
    assert_details_refused(response, client, {"billing_postcode": [BAD_POSTCODE]}, before)


@PROPERTY
@given(code=any_text)
@example(code="XX")
@example(code="pk")
@example(code="PAK")
@example(code="Pakistan")
@example(code=" PK")
@example(code="ZZ")
def test_details_unknown_country_is_refused(shop, code):
    """P2: A country code that is not one of the ISO 3166 choices re-renders with the error."""
    reset(shop)
    if code in {str(c) for c, _ in countries}:
        code += "?"
    client = shopper(shop)
    before = state()
    response = client.post("/checkout/", {**GOOD, "shipping_country": code})
    if refused_before_the_view(response, code):
        assert state() == before
        return
    message = (
        REQUIRED_MESSAGE
        if code == ""
        else f"Select a valid choice. {code} is not one of the available choices."
    )
    assert_details_refused(response, client, {"shipping_country": [message]}, before)


@PROPERTY
@given(
    missing=st.sets(st.sampled_from(sorted(REQUIRED)), min_size=1),
    how=st.sampled_from(["omitted", "empty", "spaces"]),
)
def test_details_missing_required_fields(shop, missing, how):
    """P2: Leaving out any of the required fields names exactly those fields, nothing else."""
    reset(shop)
    data = dict(GOOD)
    for name in missing:
        if how == "omitted":
            del data[name]
        elif how == "empty" or name == "shipping_country":
            data[name] = ""
        else:
            data[name] = "   "
    client = shopper(shop)
    before = state()
    response = client.post("/checkout/", data)
    assert_details_refused(response, client, {name: [REQUIRED_MESSAGE] for name in missing}, before)


@PROPERTY
@given(
    data=st.fixed_dictionaries(
        {name: st.one_of(st.just(value), any_text) for name, value in GOOD.items()}
    )
)
def test_details_any_input_is_stored_whole_or_refused(shop, data):
    """P2: Fuzz every field at once: never a 5xx; either the details are stored and the shopper
    goes on to review, or the form comes back with errors and nothing is stored."""
    reset(shop)
    client = shopper(shop)
    before = state()
    response = client.post("/checkout/", data)
    assert response.status_code in (302, 400)
    assert state() == before
    if refused_before_the_view(response, *data.values()):
        assert DETAILS_KEY not in client.session
        return
    if response.status_code == 302:
        assert response["Location"] == "/checkout/review/"
        stored = client.session[DETAILS_KEY]
        assert stored["phone"] == valid_phone(data["phone"])
        assert stored["shipping_country"] == data["shipping_country"]
    else:
        assert errors(response)
        assert DETAILS_KEY not in client.session


# --- step two: review ---------------------------------------------------------------------


@pytest.fixture
def other_zone_method(db):
    return ShippingMethodFactory(
        zone=ShippingZoneFactory(name="United Kingdom", countries=["GB"]), name="Royal Mail"
    )


@pytest.fixture
def retired_method(standard_shipping):
    return ShippingMethodFactory(zone=standard_shipping.zone, name="Old courier", is_active=False)


@PROPERTY
@given(
    choice=st.one_of(
        st.sampled_from(["other zone", "retired"]),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        any_text,
    )
)
@example(choice="")
@example(choice="abc")
@example(choice="99999999999999999999999999")
@example(choice="1 OR 1=1")
def test_review_tampered_shipping_method(
    shop, standard_shipping, other_zone_method, retired_method, choice
):
    """P2: A shipping method from another zone, a retired one, or one that does not exist places
    no order, takes no stock and leaves the cart as it was."""
    reset(shop)
    value = {"other zone": other_zone_method.pk, "retired": retired_method.pk}.get(choice, choice)
    try:
        if int(str(value)) == standard_shipping.pk:  # the id lookup reads it the same way
            value = retired_method.pk
    except ValueError:
        pass
    client, token = at_review(shop)
    before = state()
    response = client.post(
        "/checkout/review/",
        {"token": token, "shipping_method": value, "payment_method": "cod"},
    )
    if refused_before_the_view(response, value):
        assert state() == before
        return
    message = REQUIRED_MESSAGE if value == "" else WRONG_ZONE
    assert_review_refused(response, "shipping_method", message, before)
    assert client.session[TOKEN_KEY] == token


@PROPERTY
@given(payment=st.one_of(any_text, st.sampled_from(["card", "COD", "cod ", "paypal"])))
@example(payment="")
def test_review_tampered_payment_method(shop, standard_shipping, payment):
    """P2: Only the payment methods the shop offers can be chosen (card is off by default)."""
    reset(shop)
    if payment in ("cod", "bank_transfer"):
        payment = f"{payment}!"
    client, token = at_review(shop)
    before = state()
    response = client.post(
        "/checkout/review/",
        {"token": token, "shipping_method": standard_shipping.pk, "payment_method": payment},
    )
    if refused_before_the_view(response, payment):
        assert state() == before
        return
    message = (
        REQUIRED_MESSAGE
        if payment == ""
        else f"Select a valid choice. {payment} is not one of the available choices."
    )
    assert_review_refused(response, "payment_method", message, before)


def parses_as_uuid(text: str) -> bool:
    try:
        uuid.UUID(text.strip())
    except ValueError:
        return False
    return True


@PROPERTY
@given(token=any_text)
@example(token="")
@example(token="garbage")
@example(token="00000000-0000-0000-0000-00000000000")
@example(token="' OR 1=1 --")
def test_review_garbage_token(shop, standard_shipping, token):
    """P2: A checkout token that is not a UUID is refused; no order, no stock taken."""
    reset(shop)
    if parses_as_uuid(token):
        token = f"x{token}"
    client, _ = at_review(shop)
    before = state()
    response = client.post(
        "/checkout/review/",
        {"token": token, "shipping_method": standard_shipping.pk, "payment_method": "cod"},
    )
    if refused_before_the_view(response, token):
        assert state() == before
        return
    message = REQUIRED_MESSAGE if token.strip() == "" else "Enter a valid UUID."
    assert_review_refused(response, "token", message, before)


@PROPERTY
@given(
    length=st.integers(min_value=1001, max_value=100_000),
    piece=st.text(typed_text.filter(lambda c: not c.isspace()), min_size=1, max_size=30),
)
@example(length=1001, piece="x")
def test_review_huge_note_is_refused(shop, standard_shipping, length, piece):
    """P2: An order note over 1000 characters is refused with its length; nothing is placed."""
    reset(shop)
    note = (piece * length)[:length]
    client, token = at_review(shop)
    before = state()
    response = client.post(
        "/checkout/review/",
        {
            "token": token,
            "shipping_method": standard_shipping.pk,
            "payment_method": "cod",
            "note": note,
        },
    )
    message = f"Ensure this value has at most 1000 characters (it has {len(note)})."
    assert_review_refused(response, "note", message, before)


def order_named_by(response) -> str:
    """The order number in the signed thanks link a response redirects to."""
    match = re.fullmatch(r"http://testserver/checkout/thanks/([^/]+)/", response["Location"])
    assert match, response["Location"]
    return order_number_from(match[1])


def assert_one_order_placed(response, before: tuple, quantity: int) -> Order:
    """Exactly one new order, its stock taken, the cart emptied, the shopper sent on."""
    assert response.status_code == 302
    orders_before, stock_before, _ = before
    (order,) = Order.objects.exclude(pk__in=orders_before)
    assert order_named_by(response) == order.number
    assert list(order.lines.values_list("quantity", flat=True)) == [quantity]
    ((variant_id, stock),) = stock_before
    assert Variant.objects.get(pk=variant_id).stock == stock - quantity
    assert CartLine.objects.count() == 0
    return order


@PROPERTY
@given(
    quantity=st.integers(1, STOCK),
    line2=st.one_of(st.none(), st.text(typed_text, min_size=1, max_size=60)),
    postcode=st.one_of(st.none(), st.just(""), st.from_regex(r"[0-9]{5}", fullmatch=True)),
    note=st.one_of(st.none(), st.text(typed_text.filter(lambda c: not c.isdigit()), max_size=1000)),
    payment=st.sampled_from(["cod", "bank_transfer"]),
    phone=st.sampled_from(["+923001234567", "03001234567", "0300 1234567", "+92 321 7654321"]),
)
def test_good_input_places_exactly_one_order(
    shop, standard_shipping, quantity, line2, postcode, note, payment, phone
):
    """P2: address line 2, postcode and order note may each be given or left out; the order
    is placed either way, once, with exactly what was given."""
    reset(shop)
    details = dict(GOOD, phone=phone)
    if line2 is not None:
        details["shipping_line2"] = line2
    if postcode is not None:
        details["shipping_postcode"] = postcode
    client = shopper(shop, quantity)
    assert client.post("/checkout/", details).status_code == 302
    client.get("/checkout/review/")
    token = client.session[TOKEN_KEY]
    review = {"token": token, "shipping_method": standard_shipping.pk, "payment_method": payment}
    if note is not None:
        review["note"] = note
    before = state()
    response = client.post("/checkout/review/", review)
    order = assert_one_order_placed(response, before, quantity)
    assert order.shipping_line2 == (line2 or "").strip()
    assert order.shipping_postcode == (postcode or "")
    assert order.note == (note or "").strip()
    assert order.payment_method == payment
    assert str(order.phone) == valid_phone(phone)
    assert str(order.checkout_token) == token
    # The same form sent again (a double click) makes no second order and takes no more stock.
    after = state()
    again = client.post("/checkout/review/", review)
    assert again.status_code == 302
    assert order_named_by(again) == order.number
    assert state() == after


@PROPERTY
@given(token=st.uuids(version=4))
def test_token_not_issued_to_this_session_is_refused(shop, standard_shipping, token):
    """P2: A well-formed token that this session was never given (tampered, or another
    shopper's) places nothing: the page asks to review again and nothing changes."""
    reset(shop)
    client, _ = at_review(shop)
    before = state()
    data = {"token": str(token), "shipping_method": standard_shipping.pk, "payment_method": "cod"}
    response = client.post("/checkout/review/", data)
    assert response.status_code == 400
    assert "This checkout page has expired." in response.content.decode()
    assert state() == before


@PROPERTY
@given(repeats=st.integers(min_value=2, max_value=4))
def test_the_issued_token_places_one_order_however_often_it_is_sent(
    shop, standard_shipping, repeats
):
    """P2: The session's own token places exactly one order; every resubmit finds that order."""
    reset(shop)
    client, token = at_review(shop)
    before = state()
    data = {"token": token, "shipping_method": standard_shipping.pk, "payment_method": "cod"}
    order = assert_one_order_placed(client.post("/checkout/review/", data), before, IN_CART)
    after = state()
    for _ in range(repeats - 1):
        assert order_named_by(client.post("/checkout/review/", data)) == order.number
    assert state() == after


@PROPERTY
@given(
    data=st.fixed_dictionaries(
        {
            "token": st.one_of(st.none(), any_text, st.uuids().map(str)),
            "shipping_method": st.one_of(st.none(), any_text, st.integers().map(str)),
            "payment_method": st.one_of(st.none(), any_text, st.sampled_from(["cod", "card"])),
            "note": st.one_of(st.none(), any_text),
        }
    )
)
def test_review_any_input_places_one_order_or_nothing(shop, standard_shipping, data):
    """P2: Fuzz every review field at once: never a 5xx; either exactly one order or none at all,
    with the stock and cart untouched."""
    reset(shop)
    client, _ = at_review(shop)
    before = state()
    response = client.post("/checkout/review/", {k: v for k, v in data.items() if v is not None})
    assert response.status_code in (302, 400)
    if refused_before_the_view(response, *data.values()):
        assert state() == before
        return
    if response.status_code == 302:
        assert_one_order_placed(response, before, IN_CART)
    else:
        assert errors(response)
        assert state() == before


def test_review_with_an_emptied_cart_places_nothing(shop, standard_shipping):
    """P2: The cart emptied in another tab after the details step: refused, with the reason."""
    client, token = at_review(shop)
    CartLine.objects.all().delete()
    before = state()
    response = client.post(
        "/checkout/review/",
        {"token": token, "shipping_method": standard_shipping.pk, "payment_method": "cod"},
    )
    assert response.status_code == 400
    assert response.context["error"] == "Your cart is empty."
    assert_shown(response, "Your cart is empty.")
    assert state() == before


def test_country_without_shipping_is_refused_at_review(shop, standard_shipping):
    """P2: A real country the shop does not ship to: the details are fine, the review page says
    so, and choosing Pakistan's method anyway is refused."""
    client = shopper(shop)
    assert client.post("/checkout/", {**GOOD, "shipping_country": "FR"}).status_code == 302
    page = client.get("/checkout/review/")
    assert "We do not ship to France yet." in page.content.decode()
    before = state()
    response = client.post(
        "/checkout/review/",
        {
            "token": client.session[TOKEN_KEY],
            "shipping_method": standard_shipping.pk,
            "payment_method": "cod",
        },
    )
    assert_review_refused(response, "shipping_method", WRONG_ZONE, before)


def test_review_when_stock_ran_out_places_nothing(shop, standard_shipping):
    """P2: Review when stock ran out places nothing."""
    client, token = at_review(shop, quantity=3)
    Variant.objects.filter(pk=shop.pk).update(stock=1)
    before = state()
    response = client.post(
        "/checkout/review/",
        {"token": token, "shipping_method": standard_shipping.pk, "payment_method": "cod"},
    )
    assert response.status_code == 400
    message = f"Only 1 of {shop} left in stock."
    assert response.context["error"] == message
    assert_shown(response, message)
    assert state() == before


# --- P2: what checkout asks for -----------------------------------------------------------


def test_p2_checkout_requires_exactly_what_delivery_needs(shop, standard_shipping):
    """P2: the checkout requires email, phone, name, address line 1, city and country, and
    nothing else. Everything optional is labelled so, and leaving it all out still buys."""
    form = DetailsForm()
    assert {name for name, field in form.fields.items() if field.required} == REQUIRED
    assert {name for name, field in form.fields.items() if "(optional)" in str(field.label)} == {
        "shipping_line2",
        "shipping_postcode",
        "billing_line2",
        "billing_postcode",
    }
    review_form = ReviewForm(shipping_methods=[standard_shipping], payment_choices=[("cod", "")])
    assert {n for n, f in review_form.fields.items() if f.required} == {
        "token",  # hidden: makes the submit idempotent
        "cart_digest",  # hidden: what the shopper reviewed
        "shipping_method",
        "payment_method",
    }
    assert review_form.fields["note"].label == "Order note (optional)"

    client = shopper(shop)
    page = client.get("/checkout/").content.decode()
    # "Bill to the same address" is ticked in the form as served, so it is sent by default.
    assert re.search(r'<input type="checkbox" name="billing_same_as_shipping"[^>]* checked', page)

    # Posting only the default checkbox names exactly the required fields.
    response = client.post("/checkout/", {"billing_same_as_shipping": "on"})
    assert response.status_code == 400
    assert errors(response) == {name: [REQUIRED_MESSAGE] for name in REQUIRED}

    # The required fields alone are enough to buy: no line 2, no postcode, no note.
    response = client.post(
        "/checkout/", {name: GOOD[name] for name in REQUIRED} | {"billing_same_as_shipping": "on"}
    )
    assert response.status_code == 302
    client.get("/checkout/review/")
    before = state()
    response = client.post(
        "/checkout/review/",
        {
            "token": client.session[TOKEN_KEY],
            "shipping_method": standard_shipping.pk,
            "payment_method": "cod",
        },
    )
    order = assert_one_order_placed(response, before, IN_CART)
    assert (order.shipping_line2, order.shipping_postcode, order.note) == ("", "", "")
    assert (order.billing_name, order.billing_line1, order.billing_city) == ("", "", "")
    assert order.billing_same_as_shipping is True
