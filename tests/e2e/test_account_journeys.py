"""Browser journeys for customer accounts, marketing consent, cookies and staff sign-in.

Each journey drives Debian's Chromium through the shop served by `live_server` and checks what
the visitor sees and what the database holds afterwards. Mail is read where a person would
read it: the message the shop actually sent (django.core.mail.outbox, the locmem backend), and
the links in it are opened in the same browser.
"""

import re
import time

import pytest
from django.core import mail

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
            and (
                subject.search(m.subject)
                if isinstance(subject, re.Pattern)
                else m.subject == subject
            )
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
    expect(page.locator(".address-entry")).to_have_count(2)
    karachi = page.locator(".address-entry", has_text="22 Clifton Block 5")
    lahore = page.locator(".address-entry", has_text="7 Jail Road")
    # The first address became the default for both; make the second the delivery default.
    expect(lahore).to_contain_text("Default delivery address")
    expect(karachi).not_to_contain_text("Default")
    page.get_by_role("button", name="Make default delivery address (22 Clifton Block 5)").click()
    expect(page.get_by_text("Default delivery address changed.")).to_be_visible()
    expect(karachi).to_contain_text("Default delivery address")
    expect(lahore).not_to_contain_text("Default delivery address")
    expect(lahore).to_contain_text("Default billing address")
    book = Address.objects.filter(owner=user).order_by("line1")
    assert [(a.line1, a.city, a.is_default_shipping, a.is_default_billing) for a in book] == [
        ("22 Clifton Block 5", "Karachi", True, False),
        ("7 Jail Road", "Lahore", False, True),
    ]
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


# --- 2. Newsletter: double opt-in, then one-click unsubscribe from a marketing mail (P7) -----


def test_p7_newsletter_needs_a_confirmed_click_and_a_marketing_mail_unsubscribes_in_one_click(
    page, screenshot, live_site_url, django_capture_on_commit_callbacks
):
    """P7: the footer's newsletter link asks for an address and promises nothing is sent until
    the person confirms; the mailed link (transactional mail) opens a page that asks, and only
    the click on "Yes, send me this mail" confirms. A marketing message to that confirmed
    subscriber carries a List-Unsubscribe https link; opened in the browser it asks once, and
    "Unsubscribe" ends the subscription at once, recorded in the consent history.
    """
    from playwright.sync_api import expect

    from candor.messaging.marketing import enqueue_marketing
    from candor.messaging.models import (
        MailClass,
        OutboxMessage,
        Subscription,
        SubscriptionEvent,
        SubscriptionStatus,
    )

    email = "bilal.reader@example.com"

    page.goto("/")
    page.locator("footer").get_by_role("link", name="Newsletter and offers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Newsletter and offers")
    page.get_by_label("Your email address").fill(email)
    page.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_role("status")).to_contain_text(
        "a message with a confirmation link is on its way. We send nothing until you click it."
    )
    subscription = Subscription.objects.get(email=email)
    assert subscription.status == SubscriptionStatus.PENDING
    assert subscription.topic.key == "newsletter"

    # The confirmation mail is transactional (no unsubscribe header) and holds the link.
    confirm_mail = sent_mail(email, re.compile(r"^Please confirm: .* mail you asked for$"))
    assert "List-Unsubscribe" not in confirm_mail.extra_headers
    assert OutboxMessage.objects.get(to_email=email).mail_class == MailClass.TRANSACTIONAL
    page.goto(link_in(confirm_mail, r"/mail/confirm/"))

    # Opening the link confirms nothing; the button does.
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your subscription")
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.PENDING
    page.get_by_role("button", name="Yes, send me this mail").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmed")
    expect(page.get_by_role("status")).to_contain_text(
        "You will now receive: Newsletter and offers."
    )
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.CONFIRMED
    assert subscription.confirmed_at is not None
    screenshot("newsletter-01-confirmed")

    # A marketing message to the confirmed subscriber, delivered as in production.
    with django_capture_on_commit_callbacks(execute=True):
        queued = enqueue_marketing(
            subscription=subscription,
            template="messaging/email/test_offer",
            context={},
            idempotency_key=f"e2e-offer:{email}",
            mailing="e2e-offer",
        )
    assert queued is not None and queued.mail_class == MailClass.MARKETING
    offer = sent_mail(email, "A little offer")
    header = offer.extra_headers["List-Unsubscribe"]
    assert offer.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https_links = re.findall(r"<(https?://[^>]+)>", header)
    assert len(https_links) == 1 and "<mailto:" in header, header
    unsubscribe_url = https_links[0]
    assert unsubscribe_url.startswith(f"{live_site_url}/mail/unsubscribe/")
    assert unsubscribe_url in offer.body  # the foot of the message shows the same link

    # The link asks once; the click ends the subscription at once.
    page.goto(unsubscribe_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Unsubscribe")
    expect(page.get_by_text(f"Stop “Newsletter and offers” to {email}?")).to_be_visible()
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.CONFIRMED
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are unsubscribed")
    expect(page.get_by_role("status")).to_contain_text(
        f"We will send no more “Newsletter and offers” to {email}."
    )
    screenshot("newsletter-02-unsubscribed")

    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.UNSUBSCRIBED
    assert subscription.ended_at is not None
    history = list(
        SubscriptionEvent.objects.filter(subscription=subscription)
        .order_by("pk")
        .values_list("action", "source", "mailing")
    )
    assert history == [
        (SubscriptionEvent.Action.REQUESTED, "newsletter form", ""),
        (SubscriptionEvent.Action.CONFIRMED, "confirmation link", ""),
        (SubscriptionEvent.Action.UNSUBSCRIBED, "one-click link", "e2e-offer"),
    ]
    # Nothing more can be written to them.
    assert (
        enqueue_marketing(
            subscription=subscription,
            template="messaging/email/test_offer",
            context={},
            idempotency_key=f"e2e-offer-2:{email}",
        )
        is None
    )


# --- 3. Browsing sets no cookie (P1) --------------------------------------------------------


def test_p1_browsing_sets_no_cookie_and_a_product_page_only_the_csrf_cookie(
    page, screenshot, phone_in_stock
):
    """P1: a new visitor browsing the home page and a category page gets no cookie at all
    (nothing stored in the browser, no session or cart created); the product page, which holds
    the add-to-cart form (a POST), sets only csrftoken."""
    from django.contrib.sessions.models import Session
    from playwright.sync_api import expect

    from candor.cart.models import Cart

    context = page.context

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Phones and accessories")
    assert context.cookies() == []
    page.get_by_role("navigation", name="Categories").get_by_role("link", name="Phones").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Phones")
    expect(page.get_by_role("link", name=re.compile("Galaxy A15"))).to_be_visible()
    assert context.cookies() == []
    assert page.evaluate("document.cookie") == ""
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0

    page.get_by_role("link", name=re.compile("Galaxy A15")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Galaxy A15")
    expect(page.get_by_role("button", name="Add to cart")).to_be_visible()
    assert [cookie["name"] for cookie in context.cookies()] == ["csrftoken"]
    screenshot("cookies-01-product")

    assert Session.objects.count() == 0
    assert Cart.objects.count() == 0


# --- 4. Staff without an authenticator are sent to enrol (P14) -------------------------------


def test_p14_staff_without_an_authenticator_are_sent_to_enrol_then_reach_the_back_office(
    page, screenshot
):
    """P14: a staff member who signs in with a password and has no authenticator app is not
    let into /backoffice/: they are sent to set one up, told why. Once enrolled (password
    confirmed, secret shown, a code from it entered) the back office still asks for a code
    in this session, and opens with it."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from playwright.sync_api import expect

    from candor.accounts.admin_site import CODE_MESSAGE, ENROL_MESSAGE
    from tests.conftest import totp_code
    from tests.factories import UserFactory

    staff = UserFactory(email="packer@candor.example", is_staff=True, first_name="Asad")
    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
    staff_password = "correct horse battery"  # UserFactory's

    page.goto("/backoffice/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=%2Fbackoffice%2F$"))
    page.get_by_label("Email:").fill(staff.email)
    page.get_by_label("Password:").fill(staff_password)
    page.get_by_role("button", name="Sign In").click()

    # Sent to enrol, with the reason; nothing of the back office shown. allauth guards its
    # enrolment page with a fresh password check, so the reason shows on that step.
    expect(page).to_have_url(
        re.compile(r"/accounts/reauthenticate/\?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F$")
    )
    expect(page.get_by_text(ENROL_MESSAGE)).to_be_visible()
    expect(page.get_by_text("Candor back office")).to_have_count(0)
    screenshot("staff-01-sent-to-enrol")
    assert not Authenticator.objects.filter(user=staff).exists()
    # allauth asks for the password again before enrolment; then the activation page.
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm Access")
    page.get_by_label("Password:").fill(staff_password)
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Activate Authenticator App")
    secret = page.get_by_label("Authenticator secret").input_value()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    screenshot("staff-02-activate")
    page.get_by_label("Authenticator code:").fill("000000")
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_text("Incorrect code.")).to_be_visible()
    assert not Authenticator.objects.filter(user=staff).exists()
    page.get_by_label("Authenticator code:").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    assert set(Authenticator.objects.filter(user=staff).values_list("type", flat=True)) == {
        Authenticator.Type.TOTP,
        Authenticator.Type.RECOVERY_CODES,
    }

    # Enrolled, but this session's sign-in had no second factor: the code is asked for.
    page.goto("/backoffice/")
    expect(page.get_by_text(CODE_MESSAGE)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/reauthenticate/\?next=%2Fbackoffice%2F$"))
    # The password alone, offered as the "alternative", still does not open it.
    page.get_by_role("link", name=re.compile("password", re.I)).click()
    page.get_by_label("Password:").fill(staff_password)
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/reauthenticate/\?next=%2Fbackoffice%2F$"))
    expect(page.get_by_text(CODE_MESSAGE)).to_be_visible()
    expect(page.get_by_text("Candor back office")).to_have_count(0)

    page.get_by_label("Code:").fill(totp_code(secret))
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/backoffice/$"))
    expect(page.get_by_text("Candor back office").first).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Back office")
    screenshot("staff-03-back-office")
