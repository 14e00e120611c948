"""P14: the shop, checkout (cash on delivery and the card redirect to Stripe) and the back office
work in Chromium under the enforced Content-Security-Policy: no page breaks a rule.

Every page is watched two ways: the browser's console (where Chromium reports each refused
script, style, image or form target) and `securitypolicyviolation` events, collected by a
listener installed before any page script runs. A control proves the listener hears a
violation when there is one."""

import re
from decimal import Decimal

import pytest
import responses

from tests.conftest import STAFF_PASSWORD, enrol_totp, totp_code
from tests.factories import (
    BrandFactory,
    CategoryFactory,
    ProductFactory,
    UserFactory,
    VariantFactory,
)

LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.effectiveDirective} ${event.blockedURI}`);
});
"""


class Watch:
    """Collects CSP reports from the console and from each page's violation events."""

    def __init__(self, page):
        self.page = page
        self.console: list[str] = []
        page.on("console", self._console)
        page.context.add_init_script(LISTENER)

    def _console(self, message) -> None:
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.console.append(text)

    def events(self) -> list[str]:
        return self.page.evaluate("window.__cspViolations || []")

    def assert_clean(self, where: str) -> None:
        assert self.events() == [], where
        assert self.console == [], where


def enforced(response) -> str:
    headers = response.all_headers()
    assert "content-security-policy-report-only" not in headers
    policy = headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    return policy


@pytest.fixture
def phone(db):
    phones = CategoryFactory(name="Phones", slug="phones")
    product = ProductFactory(
        category=phones,
        brand=BrandFactory(name="Nokia", slug="nokia"),
        name="Nokia G42",
        slug="nokia-g42",
        is_featured=True,
        price_from=Decimal("4500.00"),
    )
    return VariantFactory(
        product=product, storage="128 GB", colour="Grey", price=Decimal("4500.00"), stock=6
    )


def fill_in_details(page) -> None:
    contact = page.get_by_role("group", name="Contact")
    contact.get_by_label("Email").fill("zainab.guest@example.com")
    contact.get_by_label("Phone").fill("+92 300 1234567")
    delivery = page.get_by_role("group", name="Delivery address")
    delivery.get_by_label("Full name").fill("Zainab Ali")
    delivery.get_by_label("Address", exact=True).fill("45 Canal View")
    delivery.get_by_label("City").fill("Lahore")
    delivery.get_by_label("Country").select_option(label="Pakistan")
    page.get_by_role("button", name="Continue to delivery and payment").click()
    page.get_by_role("group", name="Shipping").get_by_role(
        "radio", name=re.compile(r"^Standard delivery")
    ).check()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_p14_the_shop_and_checkout_work_under_the_policy(page, phone, standard_shipping):
    """Home → product → cart → checkout → review → thanks, cash on delivery, and the cookie
    banner's button on the way: no violation anywhere."""
    from playwright.sync_api import expect

    watch = Watch(page)
    enforced(page.goto("/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Phones and accessories")
    watch.assert_clean("home")
    page.get_by_role("region", name="Cookies").get_by_role("button", name="Accept all").click()
    page.get_by_role("link", name=re.compile("Nokia G42")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nokia G42")
    watch.assert_clean("product")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your cart")
    watch.assert_clean("cart")
    page.get_by_role("link", name="Check out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Checkout")
    watch.assert_clean("checkout")
    fill_in_details(page)
    watch.assert_clean("review")
    page.get_by_role("radio", name="Cash on delivery").check()
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Thank you"))
    watch.assert_clean("thanks")

    # The control: a style attribute set from a script is refused, and the watch hears it.
    page.evaluate("document.body.setAttribute('style', 'color: red')")
    page.wait_for_timeout(200)
    assert any(v.startswith("style-src-attr") for v in watch.events())


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_p14_a_card_payment_leaves_for_stripes_page_under_the_policy(
    page, phone, standard_shipping, payments_enabled
):
    """The card payment starts with our form's POST, answered by a redirect to Stripe's hosted
    page: form-action must allow it (Stripe's API and page are stubbed; nothing leaves this
    machine)."""
    from playwright.sync_api import expect

    session = {
        "id": "cs_test_csp",
        "object": "checkout.session",
        "url": "https://checkout.stripe.com/c/pay/cs_test_csp",
        "payment_status": "unpaid",
    }
    page.route(
        "https://checkout.stripe.com/**",
        lambda route: route.fulfill(
            status=200, content_type="text/html", body="<h1>Stripe Checkout (stub)</h1>"
        ),
    )
    watch = Watch(page)
    page.goto(phone.product.get_absolute_url())
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_role("link", name="Check out").click()
    fill_in_details(page)
    page.get_by_role("radio", name=re.compile("^Card")).check()
    with responses.RequestsMock() as stripe:
        stripe.post("https://api.stripe.com/v1/checkout/sessions", json=session)
        page.get_by_role("button", name="Place order").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Stripe Checkout (stub)")
    assert page.url == session["url"]
    assert watch.console == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_p14_the_back_office_works_under_the_policy(page, phone, place):
    """Staff sign in with password and authenticator code, open the dashboard, the order list
    and an order, the page-view chart (an inline SVG with its own <style>, allowed by the
    nonce) and enrol a new authenticator (its QR code is a data: image): no violation."""
    from playwright.sync_api import expect

    from candor.insights.models import PageViewDay

    order = place({phone.pk: 1})
    PageViewDay.objects.create(path="/", day=order.created_at.date(), views=12)
    owner = UserFactory(
        email="owner@example.com", is_staff=True, is_superuser=True, password=STAFF_PASSWORD
    )
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)
    enrol_totp(owner)

    watch = Watch(page)
    page.goto("/backoffice/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_label("Code:").fill(totp_code(owner.totp_secret))
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", level=1, name="Back office")).to_be_visible()
    watch.assert_clean("dashboard")
    enforced(page.goto("/backoffice/orders/order/"))
    expect(page.get_by_role("link", name=order.number)).to_be_visible()
    watch.assert_clean("order list")
    page.get_by_role("link", name=order.number).click()
    expect(page.locator("#content h2, #content h1").first).to_be_visible()
    watch.assert_clean("order page")
    policy = enforced(page.goto("/backoffice/insights/pageviewday/chart/?path=/&days=30"))
    expect(page.locator("figure svg")).to_have_count(1)
    watch.assert_clean("page-view chart")
    assert "'nonce-" in policy
    assert page.locator("figure svg style").evaluate("s => s.sheet !== null")

    # A new staff member is sent to enrol an authenticator: the QR code is a data: image.
    newcomer = UserFactory(email="new.staff@example.com", is_staff=True, password=STAFF_PASSWORD)
    EmailAddress.objects.create(user=newcomer, email=newcomer.email, verified=True, primary=True)
    page.context.clear_cookies()
    page.goto("/backoffice/")
    page.get_by_label("Email").fill(newcomer.email)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    if "/reauthenticate/" in page.url:  # allauth asks for the password again first
        page.get_by_label("Password").fill(STAFF_PASSWORD)
        page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile("/accounts/2fa/totp/activate/"))
    qr = page.locator("img[src^='data:image/svg+xml']")
    expect(qr).to_have_count(1)
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    watch.assert_clean("authenticator enrolment")
