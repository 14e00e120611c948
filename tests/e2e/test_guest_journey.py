import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from candor.messaging.models import MailClass, OutboxMessage
from candor.orders.models import Order, OrderStatus, PaymentMethod
from tests.factories import BrandFactory, CategoryFactory, ProductFactory, VariantFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_guest_buys_a_phone_without_an_account_and_gets_a_transactional_confirmation(
    page, screenshot, standard_shipping
):
    """P1, P8: a visitor with no account browses, fills a cart and checks out as a guest
    (P1); the order confirmation goes to the outbox as transactional mail (P8).

    Home page → category → product → variant and quantity → cart → details (Pakistan) →
    shipping and cash on delivery → confirmation with the order number. Afterwards: one
    confirmed order, no user account, the chosen variant's stock down by the quantity bought
    and the other variant's untouched, and exactly one message, transactional, to the
    address typed in, about that order.
    """
    from playwright.sync_api import expect

    phones = CategoryFactory(name="Phones", slug="phones")
    CategoryFactory(name="Accessories", slug="accessories")
    product = ProductFactory(
        category=phones,
        brand=BrandFactory(name="Nokia", slug="nokia"),
        name="Nokia G42",
        slug="nokia-g42",
        is_featured=True,
        price_from=Decimal("4500.00"),
    )
    other = VariantFactory(
        product=product, storage="128 GB", colour="Grey", price=Decimal("4500.00"), stock=6
    )
    chosen = VariantFactory(
        product=product, storage="256 GB", colour="Purple", price=Decimal("4800.00"), stock=3
    )
    email = "zainab.guest@example.com"

    # Home page: the category chips and the featured product.
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Phones and accessories")
    screenshot("01-home")
    page.get_by_role("navigation", name="Categories").get_by_role("link", name="Phones").click()

    # Category page lists the product.
    expect(page.get_by_role("heading", level=1)).to_have_text("Phones")
    expect(page.locator(".results .count")).to_have_text("1 product")
    page.get_by_role("link", name=re.compile(r"Nokia G42")).click()

    # Product page: pick the second variant (the first in-stock one is preselected).
    expect(page.get_by_role("heading", level=1)).to_have_text("Nokia G42")
    cheaper = page.get_by_role("radio", name=re.compile(r"^128 GB · Grey"))
    wanted = page.get_by_role("radio", name=re.compile(r"^256 GB · Purple"))
    expect(cheaper).to_be_checked()
    expect(wanted).not_to_be_checked()
    screenshot("02-product")
    wanted.check()
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()

    # Cart: the shopper lands on it, told what was added; one line, quantity 2.
    expect(page.get_by_role("heading", level=1)).to_have_text("Your cart")
    expect(page.get_by_role("status")).to_have_text("Added Nokia G42 256 GB · Purple to your cart.")
    rows = page.locator("table.cart tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.get_by_role("link")).to_have_text("Nokia G42")
    expect(rows.get_by_label("Quantity")).to_have_value("2")
    screenshot("03-cart")
    page.get_by_role("link", name="Check out").click()

    # Details: contact and delivery address only; no account, no password.
    expect(page.get_by_role("heading", level=1)).to_have_text("Checkout")
    expect(page.get_by_label("Password")).to_have_count(0)
    contact = page.get_by_role("group", name="Contact")
    contact.get_by_label("Email").fill(email)
    contact.get_by_label("Phone").fill("+92 300 1234567")
    delivery = page.get_by_role("group", name="Delivery address")
    delivery.get_by_label("Full name").fill("Zainab Ali")
    delivery.get_by_label("Address", exact=True).fill("45 Canal View")
    delivery.get_by_label("City").fill("Lahore")
    delivery.get_by_label("Postcode (optional)").fill("54000")
    delivery.get_by_label("Country").select_option(label="Pakistan")
    expect(page.get_by_label("Bill to the same address")).to_be_checked()
    screenshot("04-checkout-details")
    page.get_by_role("button", name="Continue to delivery and payment").click()

    # Review: shipping and cash on delivery.
    expect(page.get_by_role("heading", level=1)).to_have_text("Delivery and payment")
    page.get_by_role("group", name="Shipping").get_by_role(
        "radio", name=re.compile(r"^Standard delivery")
    ).check()
    page.get_by_role("radio", name="Cash on delivery").check()
    screenshot("05-checkout-review")
    page.get_by_role("button", name="Place order").click()

    # Confirmation shows the order number.
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"^Thank you — order CN-\w{4}-\w{4}$"))
    number = heading.inner_text().removeprefix("Thank you — order ")
    expect(page.get_by_text(f"A confirmation is on its way to {email}.")).to_be_visible()
    screenshot("06-confirmation")

    order = Order.objects.get(number=number)
    assert Order.objects.count() == 1
    assert order.status == OrderStatus.CONFIRMED
    assert order.payment_method == PaymentMethod.CASH_ON_DELIVERY
    assert order.user is None
    assert get_user_model().objects.count() == 0
    assert order.email == email
    assert order.phone.as_e164 == "+923001234567"
    assert (order.shipping_name, order.shipping_city, order.shipping_country.code) == (
        "Zainab Ali",
        "Lahore",
        "PK",
    )
    assert [(line.sku, line.quantity, line.line_total) for line in order.lines.all()] == [
        (chosen.sku, 2, Decimal("9600.00"))
    ]
    assert (order.subtotal, order.shipping_cost, order.total) == (
        Decimal("9600.00"),
        Decimal("250.00"),
        Decimal("9850.00"),
    )

    chosen.refresh_from_db()
    other.refresh_from_db()
    assert (chosen.stock, other.stock) == (3 - 2, 6)

    messages = list(OutboxMessage.objects.all())
    assert [(m.to_email, m.mail_class, m.subject) for m in messages] == [
        (email, MailClass.TRANSACTIONAL, f"Order {number} received")
    ]
    assert number in messages[0].subject
    assert "List-Unsubscribe" not in messages[0].headers
