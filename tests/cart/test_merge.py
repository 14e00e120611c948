"""P1, P3: a cart started anonymously joins the customer's cart when they sign in.

The merge happens where the cart is looked up for a request: the first signed-in request that
still carries the anonymous cart's id in its session folds the lines in (no signal, no import
of the accounts app). Stock limits still apply when merging.
"""

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse

from candor.cart.models import Cart, CartLine
from candor.cart.services import MAX_QUANTITY, SESSION_KEY
from candor.catalog.models import Variant
from candor.core.models import ShopSettings
from tests.factories import UserFactory, VariantFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


@pytest.fixture
def shopper():
    user = UserFactory(email="ayesha@example.com")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def lines_of(user) -> dict[int, int]:
    return dict(CartLine.objects.filter(cart__user=user).values_list("variant_id", "quantity"))


def test_p1_p3_anonymous_cart_joins_the_account_cart_after_sign_in(client, shopper):
    phone, case = VariantFactory(stock=10), VariantFactory(stock=10)
    client.post("/cart/add/", {"variant": phone.pk, "quantity": 2})
    client.post("/cart/add/", {"variant": case.pk, "quantity": 1})
    anonymous = Cart.objects.get(user__isnull=True)

    assert client.login(email=shopper.email, password=PASSWORD)
    assert client.session[SESSION_KEY] == anonymous.pk  # sign-in keeps the session's data
    page = client.get("/cart/")

    assert [(i.variant.pk, i.quantity) for i in page.context["contents"].items] == [
        (phone.pk, 2),
        (case.pk, 1),
    ]
    assert lines_of(shopper) == {phone.pk: 2, case.pk: 1}
    assert not Cart.objects.filter(pk=anonymous.pk).exists()
    assert SESSION_KEY not in client.session
    assert 'aria-label="3 items"' in page.content.decode()


def test_p1_p3_merge_through_the_allauth_sign_in_form(client, shopper):
    """The real sign-in page; the first page after it (any page: the header counts the cart)
    already shows the merged cart."""
    variant = VariantFactory(stock=10)
    own = Cart.objects.create(user=shopper)
    CartLine.objects.create(cart=own, variant=variant, quantity=1)
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 3})

    response = client.post(
        reverse("account_login"), {"login": "Ayesha@Example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    home = client.get("/")
    assert 'aria-label="4 items"' in home.content.decode()
    assert lines_of(shopper) == {variant.pk: 4}
    assert Cart.objects.count() == 1


def test_p1_merge_applies_stock_limits(client, shopper):
    """Stock moved while the shopper was signing in: each line is capped by what is left; an
    item sold out or withdrawn is not carried over; a line the customer already had is never
    reduced by the merge."""
    dwindling = VariantFactory(stock=10)
    sold_out = VariantFactory(stock=10)
    withdrawn = VariantFactory(stock=10)
    already = VariantFactory(stock=10)
    own = Cart.objects.create(user=shopper)
    CartLine.objects.create(cart=own, variant=already, quantity=6)
    for variant, quantity in ((dwindling, 5), (sold_out, 1), (withdrawn, 2), (already, 1)):
        client.post("/cart/add/", {"variant": variant.pk, "quantity": quantity})
    Variant.objects.filter(pk=dwindling.pk).update(stock=3)
    Variant.objects.filter(pk=sold_out.pk).update(stock=0)
    Variant.objects.filter(pk=withdrawn.pk).update(is_active=False)
    Variant.objects.filter(pk=already.pk).update(stock=4)

    client.login(email=shopper.email, password=PASSWORD)
    client.get("/cart/")

    assert lines_of(shopper) == {dwindling.pk: 3, already.pk: 6}
    assert Cart.objects.count() == 1


def test_p1_merge_caps_at_the_per_line_maximum(client, shopper):
    plenty = VariantFactory(stock=100)
    own = Cart.objects.create(user=shopper)
    CartLine.objects.create(cart=own, variant=plenty, quantity=15)
    client.post("/cart/add/", {"variant": plenty.pk, "quantity": 15})
    client.login(email=shopper.email, password=PASSWORD)
    client.get("/checkout/")
    assert lines_of(shopper) == {plenty.pk: MAX_QUANTITY}


def test_p1_someone_elses_cart_id_in_the_session_is_never_merged(shopper):
    """A session can only point at an anonymous cart; another customer's cart stays theirs."""
    other = UserFactory()
    variant = VariantFactory(stock=10)
    theirs = Cart.objects.create(user=other)
    CartLine.objects.create(cart=theirs, variant=variant, quantity=2)
    client = Client()
    client.login(email=shopper.email, password=PASSWORD)
    session = client.session
    session[SESSION_KEY] = theirs.pk
    session.save()
    page = client.get("/cart/")
    assert page.context["contents"].items == ()
    assert lines_of(other) == {variant.pk: 2} and lines_of(shopper) == {}
    assert SESSION_KEY not in client.session


def test_p1_signing_in_with_an_empty_session_creates_no_cart(client, shopper):
    client.login(email=shopper.email, password=PASSWORD)
    assert client.get("/cart/").status_code == 200
    assert Cart.objects.count() == 0


@pytest.mark.parametrize("n", [3, 30])
def test_p1_signed_in_cart_page_queries_are_pinned(client, shopper, n, django_assert_num_queries):
    """After the merge: session, user, the cart, its lines, the header's count."""
    ShopSettings.load()
    for _ in range(n):
        client.post("/cart/add/", {"variant": VariantFactory(stock=5).pk, "quantity": 1})
    client.login(email=shopper.email, password=PASSWORD)
    client.get("/cart/")  # merges
    with django_assert_num_queries(5):
        response = client.get("/cart/")
    assert len(response.context["contents"].items) == n
