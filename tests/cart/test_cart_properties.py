"""Property-based tests of the cart endpoints, driven through Django's test client.

Whatever a shopper (or a tampering client) posts to /cart/add/, /cart/line/<id>/update/ or
/cart/line/<id>/remove/, the shop never answers 5xx. Refused input answers 400 with the reason
in the page and changes nothing: the cart rows, the cart lines and the stock are exactly what
they were. Accepted input leaves exactly the expected quantity in the cart. P1: all of it works
anonymously, with no account.
"""

from urllib.parse import quote

import pytest
from django import forms
from django.test import Client
from django.utils.html import escape
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from candor.cart.models import Cart, CartLine
from candor.cart.services import MAX_QUANTITY, SESSION_KEY
from candor.catalog.models import Variant
from tests.factories import VariantFactory
from tests.unstorable import refused_before_the_view

pytestmark = pytest.mark.django_db

PROPERTY = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
STOCK = 10

# Anything a form field can carry: no lone surrogates (they cannot be encoded for the wire).
any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
huge_ints = st.integers(min_value=2**31).map(str)
negative_ints = st.integers(max_value=0).map(str)


def snapshot() -> tuple:
    """Everything a cart action could change: carts, lines and stock."""
    return (
        sorted(Cart.objects.values_list("id", "user_id")),
        sorted(CartLine.objects.values_list("id", "cart_id", "variant_id", "quantity")),
        sorted(Variant.objects.values_list("id", "stock", "is_active")),
    )


def reset() -> None:
    """Make each hypothesis example independent: no carts, the stock as the test set it."""
    Cart.objects.all().delete()


def alert(response) -> str:
    """The text of the error shown on the re-rendered cart page."""
    assert response.status_code == 400
    return response.context["error"]


def assert_refused(response, message: str, before: tuple) -> None:
    assert response.status_code == 400
    assert alert(response) == message
    assert f'role="alert">{escape(message)}</p>' in response.content.decode()
    assert snapshot() == before


def shopper_with_line(variant, quantity: int, client=None) -> tuple[Client, CartLine]:
    """A shopper (a fresh session unless given) whose cart holds `quantity` of `variant`."""
    client = client or Client()
    response = client.post("/cart/add/", {"variant": variant.pk, "quantity": quantity})
    assert response.status_code == 302
    return client, CartLine.objects.get(cart_id=client.session[SESSION_KEY], variant=variant)


def django_integer(text: str) -> int | None:
    """How the quantity field reads a value: the same parsing the shop's forms use."""
    try:
        return forms.IntegerField().clean(text)
    except forms.ValidationError:
        return None


# --- /cart/add/ ---------------------------------------------------------------------------


@PROPERTY
@given(quantity=st.one_of(any_text, huge_ints, negative_ints, st.integers(-50, 50).map(str)))
@example(quantity="")
@example(quantity="abc")
@example(quantity="1e3")
@example(quantity="2.5")
@example(quantity="99999999999999999999999999999999")
@example(quantity="\x00")
def test_add_any_quantity_text_is_exact_or_refused(variant, quantity):
    """P1: an anonymous add with any quantity text either adds exactly that many or is refused
    with a 400 that changes nothing."""
    reset()
    client = Client()
    before = snapshot()
    response = client.post("/cart/add/", {"variant": variant.pk, "quantity": quantity})
    assert response.status_code in (302, 400)
    if refused_before_the_view(response, quantity):
        assert snapshot() == before
        return
    parsed = django_integer(quantity)
    if response.status_code == 302:
        assert parsed is not None and 1 <= parsed <= min(STOCK, MAX_QUANTITY)
        assert list(CartLine.objects.values_list("variant_id", "quantity")) == [
            (variant.pk, parsed)
        ]
        assert Variant.objects.get(pk=variant.pk).stock == STOCK  # the cart takes no stock
    else:
        if parsed is None:
            expected = "This field is required." if quantity == "" else "Enter a whole number."
        elif parsed > MAX_QUANTITY:
            expected = f"Ensure this value is less than or equal to {MAX_QUANTITY}."
        elif parsed < 1:
            expected = "Ensure this value is greater than or equal to 1."
        else:
            expected = f"Only {STOCK} of {variant} left in stock."
        assert_refused(response, expected, before)
        assert SESSION_KEY not in client.session


@PROPERTY
@given(quantity=st.integers(min_value=-(10**30), max_value=10**30))
def test_add_integer_quantities(variant, quantity):
    """P1: Every integer gets exactly one of four answers, each with its exact message."""
    reset()
    client = Client()
    before = snapshot()
    response = client.post("/cart/add/", {"variant": variant.pk, "quantity": str(quantity)})
    if quantity < 1:
        assert_refused(response, "Ensure this value is greater than or equal to 1.", before)
    elif quantity > MAX_QUANTITY:
        assert_refused(
            response, f"Ensure this value is less than or equal to {MAX_QUANTITY}.", before
        )
    elif quantity > STOCK:
        assert_refused(response, f"Only {STOCK} of {variant} left in stock.", before)
    else:
        assert response.status_code == 302
        line = CartLine.objects.get()
        assert response["Location"] == f"/cart/?added={line.pk}"
        assert (line.variant_id, line.quantity) == (variant.pk, quantity)


@PROPERTY
@given(
    stock=st.integers(0, 25),
    already=st.integers(0, MAX_QUANTITY),
    quantity=st.integers(1, MAX_QUANTITY),
)
def test_add_respects_stock_and_the_per_line_maximum(variant, stock, already, quantity):
    """P1: Adding to a line already in the cart: the total is capped by stock and by the
    per-line maximum; a refusal leaves the existing line exactly as it was."""
    reset()
    client = Client()
    if already:
        Variant.objects.filter(pk=variant.pk).update(stock=MAX_QUANTITY)
        shopper_with_line(variant, already, client=client)
    Variant.objects.filter(pk=variant.pk).update(stock=stock)
    variant.refresh_from_db()
    before = snapshot()
    response = client.post("/cart/add/", {"variant": variant.pk, "quantity": quantity})
    total = already + quantity
    if total > MAX_QUANTITY:
        assert_refused(response, f"You can order at most {MAX_QUANTITY} of one item.", before)
    elif stock == 0:
        assert_refused(response, f"{variant} is out of stock.", before)
    elif total > stock:
        assert_refused(response, f"Only {stock} of {variant} left in stock.", before)
    else:
        assert response.status_code == 302
        assert list(CartLine.objects.values_list("variant_id", "quantity")) == [(variant.pk, total)]
        assert Variant.objects.get(pk=variant.pk).stock == stock


@PROPERTY
@given(
    variant_field=st.one_of(
        any_text,
        huge_ints,
        negative_ints,
        st.integers(min_value=1, max_value=2**62).map(str),
    )
)
@example(variant_field="")
@example(variant_field="   ")
@example(variant_field=str(2**62 + 1))
@example(variant_field="1; DROP TABLE cart_cart")
def test_add_tampered_variant_id_is_refused(variant, variant_field):
    """A tampered variant id never adds anything and never leaves an empty cart or a session
    cookie behind (P1: a refused add sets no cookie)."""
    reset()
    if django_integer(variant_field) == variant.pk:
        variant_field = str(variant.pk + 1000)
    parsed = django_integer(variant_field)
    if parsed is None:
        expected = "Choose an option first." if variant_field == "" else "Enter a whole number."
    elif parsed < 1:
        expected = "Ensure this value is greater than or equal to 1."
    elif parsed > 2**62:
        expected = f"Ensure this value is less than or equal to {2**62}."
    else:
        expected = "That item does not exist."
    client = Client()
    before = snapshot()
    response = client.post("/cart/add/", {"variant": variant_field, "quantity": "1"})
    if refused_before_the_view(response, variant_field):
        assert snapshot() == before
    else:
        assert_refused(response, expected, before)
    assert SESSION_KEY not in client.session
    assert "sessionid" not in response.cookies


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"is_active": False}, "This item is no longer sold."),
        ({"stock": 0}, "{variant} is out of stock."),
    ],
)
def test_add_unsellable_variant_is_refused(variant, change, message):
    """P1: Add unsellable variant is refused."""
    Variant.objects.filter(pk=variant.pk).update(**change)
    client = Client()
    before = snapshot()
    response = client.post("/cart/add/", {"variant": variant.pk, "quantity": "1"})
    assert_refused(response, message.format(variant=variant), before)
    assert Cart.objects.count() == 0


def test_add_for_a_retired_product_is_refused(variant):
    """P1: Add for a retired product is refused."""
    variant.product.is_active = False
    variant.product.save()
    before = snapshot()
    response = Client().post("/cart/add/", {"variant": variant.pk, "quantity": "1"})
    assert_refused(response, "This item is no longer sold.", before)


def test_refused_add_keeps_the_existing_cart(variant):
    """P1: A refusal on a cart that already exists keeps that cart and its line untouched."""
    client, line = shopper_with_line(variant, 2)
    before = snapshot()
    response = client.post("/cart/add/", {"variant": variant.pk, "quantity": "9"})
    assert_refused(response, f"Only {STOCK} of {variant} left in stock.", before)
    assert client.session[SESSION_KEY] == line.cart_id
    assert CartLine.objects.get(pk=line.pk).quantity == 2


# --- /cart/line/<id>/update/ --------------------------------------------------------------


@PROPERTY
@given(quantity=st.one_of(any_text, huge_ints, negative_ints, st.integers(-5, 30).map(str)))
@example(quantity="0")
@example(quantity="21")
@example(quantity="11")
@example(quantity="10")
def test_update_own_line(variant, quantity):
    """P1: Updating a line sets exactly the quantity asked for, or refuses and changes nothing."""
    reset()
    client, line = shopper_with_line(variant, 3)
    before = snapshot()
    response = client.post(f"/cart/line/{line.pk}/update/", {"quantity": quantity})
    if refused_before_the_view(response, quantity):
        assert snapshot() == before
        return
    parsed = django_integer(quantity)
    if parsed is not None and 1 <= parsed <= STOCK:
        assert response.status_code == 302
        assert list(CartLine.objects.values_list("id", "quantity")) == [(line.pk, parsed)]
        return
    if parsed is None:
        expected = "This field is required." if quantity == "" else "Enter a whole number."
        assert_refused(response, expected, before)
    elif parsed < 1:
        assert_refused(response, "Ensure this value is greater than or equal to 1.", before)
    elif parsed > MAX_QUANTITY:
        assert_refused(
            response, f"Ensure this value is less than or equal to {MAX_QUANTITY}.", before
        )
    else:
        assert_refused(response, f"Only {STOCK} of {variant} left in stock.", before)


@PROPERTY
@given(line_id=st.integers(min_value=0, max_value=10**30), quantity=st.integers(1, 5))
def test_update_foreign_or_unknown_line_is_refused(variant, line_id, quantity):
    """P1: Another session's line, or a line id that does not exist, cannot be changed."""
    reset()
    _, theirs = shopper_with_line(variant, 4)
    me, mine = shopper_with_line(variant, 1)
    if line_id == mine.pk:
        line_id = theirs.pk
    before = snapshot()
    response = me.post(f"/cart/line/{line_id}/update/", {"quantity": quantity})
    assert_refused(response, "That item is not in your cart.", before)
    assert CartLine.objects.get(pk=theirs.pk).quantity == 4


def test_update_without_a_cart_is_refused(variant):
    """P1: Update without a cart is refused."""
    _, theirs = shopper_with_line(variant, 4)
    before = snapshot()
    response = Client().post(f"/cart/line/{theirs.pk}/update/", {"quantity": "1"})
    assert_refused(response, "Your cart is empty.", before)


# --- /cart/line/<id>/remove/ --------------------------------------------------------------


@PROPERTY
@given(line_id=st.integers(min_value=0, max_value=10**30))
def test_remove_foreign_or_unknown_line_is_refused(variant, line_id):
    """P1: Remove foreign or unknown line is refused."""
    reset()
    other = VariantFactory(stock=STOCK)
    _, theirs = shopper_with_line(other, 2)
    me, mine = shopper_with_line(variant, 1)
    if line_id == mine.pk:
        line_id = theirs.pk
    before = snapshot()
    response = me.post(f"/cart/line/{line_id}/remove/")
    assert_refused(response, "That item is not in your cart.", before)
    assert CartLine.objects.filter(pk__in=[theirs.pk, mine.pk]).count() == 2


def test_remove_own_line_removes_exactly_it(variant):
    """P1: Remove own line removes exactly it."""
    other = VariantFactory(stock=STOCK)
    client, line = shopper_with_line(variant, 2)
    client.post("/cart/add/", {"variant": other.pk, "quantity": "3"})
    response = client.post(f"/cart/line/{line.pk}/remove/")
    assert response.status_code == 302
    assert list(CartLine.objects.values_list("variant_id", "quantity")) == [(other.pk, 3)]
    assert sorted(Variant.objects.values_list("stock", flat=True)) == [STOCK, STOCK]


def test_remove_without_a_cart_is_refused(variant):
    """P1: Remove without a cart is refused."""
    _, theirs = shopper_with_line(variant, 4)
    before = snapshot()
    response = Client().post(f"/cart/line/{theirs.pk}/remove/")
    assert_refused(response, "Your cart is empty.", before)


@PROPERTY
@given(segment=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30))
@example(segment="-1")
@example(segment="1.5")
@example(segment="%2e%2e")
def test_line_urls_with_garbage_ids_never_fail(variant, segment):
    """P1: Whatever is in the line-id part of the URL: a 4xx, never a 5xx, nothing changed."""
    reset()
    me, mine = shopper_with_line(variant, 2)
    if segment.isascii() and segment.isdigit() and int(segment) == mine.pk:
        segment = f"{segment}x"
    before = snapshot()
    for action, data in (("update", {"quantity": "1"}), ("remove", {})):
        response = me.post(f"/cart/line/{quote(segment, safe='')}/{action}/", data)
        assert response.status_code in (400, 404)
        assert snapshot() == before
