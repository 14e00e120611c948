import pytest

from candor.cart.models import Cart, CartLine
from candor.cart.services import MAX_QUANTITY, merge_session_cart
from tests.factories import UserFactory, VariantFactory

pytestmark = pytest.mark.django_db


def lines(cart):
    return {line.variant_id: line.quantity for line in cart.lines.all()}


def test_anonymous_cart_add_update_remove(client, variant):
    """P1: a cart needs no account; only the essential session cookie is set."""
    response = client.post("/cart/add/", {"variant": variant.pk, "quantity": 2})
    assert response.status_code == 302
    assert set(response.cookies) == {"sessionid"}
    cart = Cart.objects.get()
    assert cart.user is None and lines(cart) == {variant.pk: 2}

    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})
    assert lines(cart) == {variant.pk: 3}
    line = cart.lines.get()
    client.post(f"/cart/line/{line.pk}/update/", {"quantity": 5})
    assert lines(cart) == {variant.pk: 5}
    page = client.get("/cart/").content.decode()
    assert "5000.00" in page.replace(",", "")
    client.post(f"/cart/line/{line.pk}/remove/")
    assert lines(cart) == {}


def test_quantity_above_stock_is_refused_with_the_number_left(client, variant):
    """P1: Quantity above stock is refused with the number left."""
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 8})
    response = client.post("/cart/add/", {"variant": variant.pk, "quantity": 3})
    assert response.status_code == 400
    assert f"Only 10 of {variant} left in stock." in response.content.decode()
    assert CartLine.objects.get().quantity == 8


def test_out_of_stock_item_cannot_be_added(client):
    """P1: Out of stock item cannot be added."""
    sold_out = VariantFactory(stock=0)
    response = client.post("/cart/add/", {"variant": sold_out.pk, "quantity": 1})
    assert response.status_code == 400
    assert "out of stock" in response.content.decode()
    assert CartLine.objects.count() == 0


def test_session_cart_merges_into_account_cart_on_sign_in(client, variant):
    """P1: The seam accounts use: the anonymous cart folds into the customer's, capped by stock."""
    other = VariantFactory(stock=4)
    user = UserFactory()
    own = Cart.objects.create(user=user)
    CartLine.objects.create(cart=own, variant=variant, quantity=9)
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 3})
    client.post("/cart/add/", {"variant": other.pk, "quantity": 2})
    anonymous = Cart.objects.get(user__isnull=True)

    session = client.session
    merged = merge_session_cart(session=session, user=user)

    assert merged.pk == own.pk
    assert lines(own) == {variant.pk: 10, other.pk: 2}  # 9 + 3 capped at the 10 in stock
    assert not Cart.objects.filter(pk=anonymous.pk).exists()
    assert "cart_id" not in session


def test_merge_respects_the_per_line_maximum():
    """P1: Merge respects the per line maximum."""
    plenty = VariantFactory(stock=100)
    user = UserFactory()
    anonymous = Cart.objects.create()
    CartLine.objects.create(cart=anonymous, variant=plenty, quantity=15)
    own = Cart.objects.create(user=user)
    CartLine.objects.create(cart=own, variant=plenty, quantity=15)
    merge_session_cart(session={"cart_id": anonymous.pk}, user=user)
    assert lines(own) == {plenty.pk: MAX_QUANTITY}


def test_browsing_sets_no_cookie_and_the_header_counts_items(client, variant):
    """P1: looking around sets no cookie at all; a page with a form sets only the essential
    CSRF cookie; the first add to cart sets only the session cookie."""
    for path in ("/", "/cart/", f"/c/{variant.product.category.slug}/", "/search/?q=phone"):
        assert dict(client.get(path).cookies) == {}, path
    product_page = client.get(variant.product.get_absolute_url())
    assert set(product_page.cookies) == {"csrftoken"}
    added = client.post("/cart/add/", {"variant": variant.pk, "quantity": 2})
    assert set(added.cookies) == {"sessionid"}
    page = client.get("/cart/").content.decode()
    assert 'aria-label="2 items"' in page


def test_a_repeat_add_writes_no_session_and_names_what_was_added(client, variant):
    """P1: the cart page says what was added; adding again touches only the cart's rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})
    session_writes = [
        q["sql"]
        for q in queries.captured_queries
        if "django_session" in q["sql"] and not q["sql"].startswith("SELECT")
    ]
    assert session_writes == []
    line = CartLine.objects.get()
    assert response["Location"] == f"/cart/?added={line.pk}"
    page = client.get(response["Location"]).content.decode()
    assert f"Added {variant} to your cart." in page
    other = client.get("/cart/?added=999999").content.decode()
    assert "Added" not in other
