"""Browser journeys for customer accounts, marketing consent, cookies and staff sign-in.

Each journey drives Debian's Chromium through the shop served by `live_server` and checks what
the visitor sees and what the database holds afterwards. Mail is read where a person would
read it: the message the shop actually sent (django.core.mail.outbox, the locmem backend), and
the links in it are opened in the same browser.
"""

import re
import time
from decimal import Decimal

import pytest
from django.core import mail

from tests.factories import BrandFactory, CategoryFactory, ProductFactory, VariantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def sent_mail(to: str, subject: str | re.Pattern, *, wait: float = 5.0):
    """The one message sent to `to` whose subject matches, waiting briefly for delivery (it
    goes out after the request's transaction commits, in the live server's thread)."""
    deadline = time.monotonic() + wait
    while True:
        found = [
            m
            for m in mail.outbox
            if to in m.to
            and (subject.search(m.subject) if isinstance(subject, re.Pattern) else m.subject == subject)
        ]
        if found or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert len(found) == 1, [(m.to, m.subject) for m in mail.outbox]
    return found[0]


def link_in(message, pattern: str) -> str:
    """The one link in a message's text body matching `pattern` (a regex on the URL)."""
    urls = [u for u in re.findall(r"https?://\S+", message.body) if re.search(pattern, u)]
    assert len(urls) == 1, message.body
    return urls[0]


@pytest.fixture
def phone_in_stock(db):
    phones = CategoryFactory(name="Phones", slug="phones")
    product = ProductFactory(
        category=phones,
        brand=BrandFactory(name="Samsung", slug="samsung"),
        name="Galaxy A15",
        slug="galaxy-a15",
        is_featured=True,
        price_from=Decimal("3200.00"),
    )
    return VariantFactory(
        product=product, storage="128 GB", colour="Blue", price=Decimal("3200.00"), stock=5
    )


# --- 1. Account: sign-up, verification, address book, checkout, orders (P3, P8) ------------


def test_p3_p8_customer_signs_up_verifies_keeps_an_address_book_and_orders_under_the_account(
    page, screenshot, live_site_url, standard_shipping, phone_in_stock
):
    """P3, P8: a visitor creates an account from the header link (email and the password
    twice), is asked to verify the address, and the verification mail (transactional, P8)
    carries the link that confirms it and signs them in. In the address book they add two
    addresses and make the second the default delivery address. At checkout the details form
    is filled from the book (name and address of the default delivery address, billing from
    the default billing one) and the email is the account's, fixed. A cash-on-delivery order
    is placed under the account and listed at /account/orders/.
    """
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from playwright.sync_api import expect

    from candor.accounts.models import Address
    from candor.messaging.models import MailClass, OutboxMessage
    from candor.orders.models import Order, OrderStatus, PaymentMethod

    email = "hina.customer@example.com"
    User = get_user_model()

    # Sign-up from the header link.
    page.goto("/")
    page.get_by_role("navigation", name="Account").get_by_role(
        "link", name="Create account"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign Up")
    page.get_by_label("Email:").fill(email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again):").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("verify your email", re.I))
    user = User.objects.get(email=email)
    assert not EmailAddress.objects.get(user=user, email=email).verified
    # Not signed in before verifying (mandatory verification).
    expect(page.get_by_role("link", name="Create account")).to_be_visible()

    # The verification mail: transactional, through the outbox, with a confirmation link.
    message = sent_mail(email, re.compile("confirm your email", re.I))
    assert "List-Unsubscribe" not in message.extra_headers
    assert OutboxMessage.objects.get(to_email=email).mail_class == MailClass.TRANSACTIONAL
    page.goto(link_in(message, r"/accounts/confirm-email/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("confirm", re.I))
    page.get_by_role("button", name="Confirm").click()

    # Signed in now, and the address is verified.
    account_nav = page.get_by_role("navigation", name="Account")
    expect(account_nav.get_by_role("link", name="Your account")).to_be_visible()
    expect(account_nav.get_by_role("button", name="Sign out")).to_be_visible()
    assert EmailAddress.objects.get(user=user, email=email).verified

    # Address book: two addresses, the second made the default delivery address.
    page.goto("/account/addresses/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Address book")
    for name, line1, city, postcode in (
        ("Hina Rauf", "7 Jail Road", "Lahore", "54000"),
        ("Hina Rauf", "22 Clifton Block 5", "Karachi", "75600"),
    ):
        page.get_by_role("link", name="Add an address").click()
        form = page.get_by_role("group", name="Address")
        form.get_by_label("Full name").fill(name)
        form.get_by_label("Address", exact=True).fill(line1)
        form.get_by_label("City").fill(city)
        form.get_by_label("Postcode (optional)").fill(postcode)
        form.get_by_label("Country").select_option(label="Pakistan")
        page.get_by_role("button", name="Save address").click()
        expect(page.get_by_text("Address added.")).to_be_visible()
    entries = page.locator(".address-entry")
    expect(entries).to_have_count(2)
    # The first address became the default for both; make the second the delivery default.
    expect(entries.nth(0)).to_contain_text("Default delivery address")
    page.get_by_role("button", name="Make default delivery address (22 Clifton Block 5)").click()
    expect(page.get_by_text("Default delivery address changed.")).to_be_visible()
    karachi = page.locator(".address-entry", has_text="22 Clifton Block 5")
    lahore = page.locator(".address-entry", has_text="7 Jail Road")
    expect(karachi).to_contain_text("Default delivery address")
    expect(lahore).not_to_contain_text("Default delivery address")
    expect(lahore).to_contain_text("Default billing address")
    book = {a.line1: a for a in Address.objects.filter(owner=user)}
    assert (book["22 Clifton Block 5"].is_default_shipping, book["7 Jail Road"].is_default_shipping) == (
        True,
        False,
    )
    assert book["7 Jail Road"].is_default_billing and not book["22 Clifton Block 5"].is_default_billing
    screenshot("account-01-address-book")

    # Cart, then checkout: the details come from the account.
    page.goto("/p/galaxy-a15/")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your cart")
    page.get_by_role("link", name="Check out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Checkout")
    contact = page.get_by_role("group", name="Contact")
    email_box = contact.get_by_label("Email")
    expect(email_box).to_have_value(email)
    expect(email_box).to_be_disabled()
    delivery = page.get_by_role("group", name="Delivery address")
    expect(delivery.get_by_label("Full name")).to_have_value("Hina Rauf")
    expect(delivery.get_by_label("Address", exact=True)).to_have_value("22 Clifton Block 5")
    expect(delivery.get_by_label("City")).to_have_value("Karachi")
    expect(delivery.get_by_label("Postcode (optional)")).to_have_value("75600")
    expect(delivery.get_by_label("Country")).to_have_value("PK")
    billing = page.get_by_role("group", name="Billing address")
    expect(billing.get_by_label("Bill to the same address")).not_to_be_checked()
    expect(billing.get_by_label("Address", exact=True)).to_have_value("7 Jail Road")
    contact.get_by_label("Phone").fill("0321 7654321")
    screenshot("account-02-checkout-prefilled")
    page.get_by_role("button", name="Continue to delivery and payment").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Delivery and payment")
    page.get_by_role("group", name="Shipping").get_by_role(
        "radio", name=re.compile(r"^Standard delivery")
    ).check()
    page.get_by_role("radio", name="Cash on delivery").check()
    page.get_by_role("button", name="Place order").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"^Thank you — order CN-\w{4}-\w{4}$"))
    number = heading.inner_text().removeprefix("Thank you — order ")

    order = Order.objects.get(number=number)
    assert order.user == user
    assert order.email == email
    assert (order.status, order.payment_method) == (
        OrderStatus.CONFIRMED,
        PaymentMethod.CASH_ON_DELIVERY,
    )
    assert (order.shipping_name, order.shipping_line1, order.shipping_city) == (
        "Hina Rauf",
        "22 Clifton Block 5",
        "Karachi",
    )
    assert [(line.sku, line.quantity) for line in order.lines.all()] == [(phone_in_stock.sku, 1)]
    phone_in_stock.refresh_from_db()
    assert phone_in_stock.stock == 4
    confirmation = sent_mail(email, f"Order {number} received")
    assert "List-Unsubscribe" not in confirmation.extra_headers

    # The order is in the account.
    page.goto("/account/orders/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your orders")
    rows = page.locator("table.account-orders tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.get_by_role("link")).to_have_text(number)
    expect(rows).to_contain_text(order.get_status_display())
    screenshot("account-03-orders")
