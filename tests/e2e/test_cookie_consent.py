"""Cookie choice in a real browser (P1, P10): what Chromium actually holds before and after
each choice, with and without Global Privacy Control, and after a whole shopping journey.

The browser's cookie jar (`context.cookies()`) is the witness: it holds what the server set
and what scripts set, so it shows both the middleware's and the templates' enforcement.
"""

import re

import pytest

from candor.privacy import cookies

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANALYTICS_SCRIPT = 'script[src$="candor/analytics.js"]'
GPC_NOTICE = (
    "Your browser sent a Global Privacy Control signal; we treat it as declining advertising."
)


@pytest.fixture
def advertising_tag():
    """A test-only advertising tag (an inline script setting `test_ad_id`) and its cookie: the
    shop has none, so GPC is shown to keep one off. The live server runs in this process, so
    it sees the same registry."""
    cookies.register_cookie(
        "test_ad_id", "Test advertiser", "Test only", cookies.ADVERTISING, "10 minutes"
    )
    cookies.register_tag(
        "Test advertising",
        "Test advertiser",
        "Test only",
        cookies.ADVERTISING,
        "privacy/test_advertising_tag.html",
    )
    yield
    cookies.unregister_tag("Test advertising")
    cookies.unregister_cookie("test_ad_id")


def names(context) -> list[str]:
    return sorted(cookie["name"] for cookie in context.cookies())


def jar(context) -> dict[str, str]:
    return {cookie["name"]: cookie["value"] for cookie in context.cookies()}


def banner(page):
    return page.get_by_role("region", name="Cookies")


def wait_for_cookie(page, name: str, seconds: float = 10) -> None:
    """Wait until the browser holds the cookie (set by a script). Polled from here: a string
    predicate in the page would be an eval, which the Content-Security-Policy forbids."""
    for _ in range(int(seconds * 10)):
        if name in names(page.context):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"no {name} cookie after {seconds} s")


# --- 1. First visit, then declining ---------------------------------------------------------------


def test_p1_p10_first_visit_shows_the_banner_and_declining_keeps_only_essential_cookies(
    page, screenshot, phone_in_stock
):
    """P1, P10: a first visit shows the banner with "Accept all", "Decline non-essential" and
    "Choose", and the browser holds no cookie at all on the home page (only csrftoken on a
    page with a form). One click declines: the banner goes, the only new cookie is the
    essential consent cookie, and no analytics script is in the page."""
    from playwright.sync_api import expect

    context = page.context
    page.goto("/")
    shown = banner(page)
    expect(shown).to_be_visible()
    expect(shown.get_by_role("button", name="Accept all")).to_be_visible()
    expect(shown.get_by_role("button", name="Decline non-essential")).to_be_visible()
    expect(shown.get_by_role("link", name="Choose")).to_be_visible()
    expect(page.locator(ANALYTICS_SCRIPT)).to_have_count(0)
    screenshot("consent-01-first-visit")
    assert context.cookies() == []

    page.get_by_role("link", name=re.compile("Galaxy A15")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Galaxy A15")
    expect(banner(page)).to_be_visible()
    assert names(context) == ["csrftoken"]

    # The three choices are equally prominent: the same size (to a pixel's rounding).
    shown = banner(page)
    boxes = [
        shown.get_by_role("button", name="Accept all").bounding_box(),
        shown.get_by_role("button", name="Decline non-essential").bounding_box(),
        shown.get_by_role("link", name="Choose").bounding_box(),
    ]
    for box in boxes[1:]:
        assert abs(box["width"] - boxes[0]["width"]) < 1, boxes
        assert abs(box["height"] - boxes[0]["height"]) < 1, boxes

    banner(page).get_by_role("button", name="Decline non-essential").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Galaxy A15")  # back where it was
    expect(banner(page)).to_have_count(0)
    assert jar(context) == {"candor_consent": "v1:", "csrftoken": jar(context)["csrftoken"]}
    assert all(cookies.cookie(name).category == "essential" for name in names(context))

    page.goto("/")
    expect(page.locator(ANALYTICS_SCRIPT)).to_have_count(0)
    assert "candor_consent" not in page.evaluate("document.cookie")  # HttpOnly
    screenshot("consent-02-declined")


# --- 2. Accepting ---------------------------------------------------------------------------------


def test_p10_accepting_loads_the_analytics_tag_which_sets_its_cookie_and_the_footer_reopens(
    page, screenshot, phone_in_stock
):
    """P10: "Accept all" loads the self-hosted analytics script, which sets candor_analytics
    (a random id); the footer's "Cookie choices" reopens the choice, and declining there
    removes the tag and deletes the analytics cookie at once."""
    from playwright.sync_api import expect

    context = page.context
    page.goto("/")
    banner(page).get_by_role("button", name="Accept all").click()
    expect(banner(page)).to_have_count(0)
    expect(page.locator(ANALYTICS_SCRIPT)).to_have_count(1)
    wait_for_cookie(page, "candor_analytics")
    held = jar(context)
    assert set(held) == {"candor_consent", "candor_analytics"}
    assert held["candor_consent"] == "v1:analytics"
    assert re.fullmatch(r"[0-9a-f]{32}", held["candor_analytics"])
    analytics = next(c for c in context.cookies() if c["name"] == "candor_analytics")
    assert (analytics["path"], analytics["sameSite"], analytics["httpOnly"]) == ("/", "Lax", False)
    screenshot("consent-03-accepted")

    # The id stays the same from page to page.
    page.goto("/p/galaxy-a15/")
    expect(page.locator(ANALYTICS_SCRIPT)).to_have_count(1)
    assert jar(context)["candor_analytics"] == held["candor_analytics"]

    # The footer link reopens the choice; declining there withdraws at once.
    page.locator("footer").get_by_role("link", name="Cookie choices").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cookies")
    expect(page.get_by_text("Now allowed: essential cookies, analytics.")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Analytics")).to_be_checked()
    page.get_by_role("button", name="Decline non-essential").click()
    expect(page.locator(ANALYTICS_SCRIPT)).to_have_count(0)
    assert "candor_analytics" not in names(context)
    assert jar(context)["candor_consent"] == "v1:"


def test_p10_choose_opens_the_cookie_page_with_a_checkbox_per_category(page, phone_in_stock):
    from playwright.sync_api import expect

    page.goto("/p/galaxy-a15/")
    banner(page).get_by_role("link", name="Choose").click()
    expect(page).to_have_url(re.compile(r"/privacy/cookies/$"))
    expect(page.get_by_role("checkbox", name="Analytics")).not_to_be_checked()
    page.get_by_role("checkbox", name="Analytics").check()
    page.get_by_role("button", name="Save my choices").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Galaxy A15")
    expect(page.locator(ANALYTICS_SCRIPT)).to_have_count(1)
    assert jar(page.context)["candor_consent"] == "v1:analytics"


# --- 3. Global Privacy Control --------------------------------------------------------------------


def test_p10_with_gpc_advertising_stays_off_and_the_banner_says_so(
    browser, live_server, advertising_tag
):
    """P10: a browser sending Sec-GPC: 1 is told on the banner and the cookie page that the
    signal counts as declining advertising; "Accept all" then allows analytics only, and the
    advertising tag never loads. The same click without GPC loads it (the control)."""
    from playwright.sync_api import expect

    gpc_context = browser.new_context(base_url=live_server.url, extra_http_headers={"Sec-GPC": "1"})
    try:
        page = gpc_context.new_page()
        page.goto("/")
        expect(banner(page).get_by_text(GPC_NOTICE)).to_be_visible()
        banner(page).get_by_role("button", name="Accept all").click()
        expect(page.locator(ANALYTICS_SCRIPT)).to_have_count(1)
        wait_for_cookie(page, "candor_analytics")
        expect(page.locator("#test-advertising-tag")).to_have_count(0)
        assert jar(gpc_context)["candor_consent"] == "v1:analytics"
        assert "test_ad_id" not in names(gpc_context)

        page.locator("footer").get_by_role("link", name="Cookie choices").click()
        expect(page.get_by_text(GPC_NOTICE)).to_be_visible()
        expect(page.get_by_role("checkbox", name="Advertising")).to_be_disabled()
        expect(page.get_by_role("checkbox", name="Advertising")).not_to_be_checked()
    finally:
        gpc_context.close()

    plain_context = browser.new_context(base_url=live_server.url)
    try:
        page = plain_context.new_page()
        page.goto("/")
        expect(banner(page).get_by_text(GPC_NOTICE)).to_have_count(0)
        banner(page).get_by_role("button", name="Accept all").click()
        expect(page.locator("#test-advertising-tag")).to_have_count(1)
        wait_for_cookie(page, "test_ad_id")
        assert jar(plain_context)["candor_consent"] == "v1:advertising.analytics"
    finally:
        plain_context.close()


# --- 4. After a whole shopping journey ------------------------------------------------------------


def test_p10_every_cookie_held_after_a_shopping_journey_is_on_the_cookie_page(
    page, screenshot, phone_in_stock, standard_shipping
):
    """P10: accept everything, browse, add to the cart, check out as a guest and place a
    cash-on-delivery order; every cookie the browser then holds is listed on
    /privacy/cookies/ with its purpose and lifetime."""
    from playwright.sync_api import expect

    context = page.context
    page.goto("/")
    banner(page).get_by_role("button", name="Accept all").click()
    page.get_by_role("navigation", name="Categories").get_by_role("link", name="Phones").click()
    page.get_by_role("link", name=re.compile("Galaxy A15")).click()
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your cart")
    page.get_by_role("link", name="Check out").click()
    contact = page.get_by_role("group", name="Contact")
    contact.get_by_label("Email").fill("sara.guest@example.com")
    contact.get_by_label("Phone").fill("+92 300 7654321")
    delivery = page.get_by_role("group", name="Delivery address")
    delivery.get_by_label("Full name").fill("Sara Ahmed")
    delivery.get_by_label("Address", exact=True).fill("9 Canal Bank")
    delivery.get_by_label("City").fill("Lahore")
    delivery.get_by_label("Country").select_option(label="Pakistan")
    page.get_by_role("button", name="Continue to delivery and payment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delivery and payment")
    page.get_by_role("group", name="Shipping").get_by_role(
        "radio", name=re.compile(r"^Standard delivery")
    ).check()
    page.get_by_role("radio", name="Cash on delivery").check()
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Thank you"))
    wait_for_cookie(page, "candor_analytics")

    held = names(context)
    assert held == ["candor_analytics", "candor_consent", "csrftoken", "sessionid"]
    page.locator("footer").get_by_role("link", name="Cookie choices").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cookies")
    screenshot("consent-04-cookie-page")
    for name in held:
        row = page.locator("table.cookie-table tr", has=page.locator("code", has_text=name))
        expect(row).to_have_count(1)
        registered = cookies.cookie(name)
        expect(row).to_contain_text(registered.purpose)
        expect(row).to_contain_text(registered.lifetime)
