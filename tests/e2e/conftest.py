"""Browser fixtures: Playwright (sync API) driving Debian's Chromium against `live_server`.

Playwright's sync API keeps an asyncio event loop running in the test thread, which trips
Django's async-unsafe guard on every ORM call made from the test. The guard is switched off
only while that loop exists (from Playwright's start to its stop), so tests outside tests/e2e/
run with it on. Nothing here downloads a browser: without /usr/bin/chromium the tests skip.
"""

import os
from decimal import Decimal
from pathlib import Path

import pytest

from tests.factories import BrandFactory, CategoryFactory, ProductFactory, VariantFactory

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Full-page screenshots for a human to look at: set E2E_SCREENSHOTS=/some/dir (outside the repo).
SCREENSHOTS_ENV = "E2E_SCREENSHOTS"


@pytest.fixture(scope="package")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium (/usr/bin/chromium) is not installed")
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            yield launched
            launched.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies: an anonymous visitor) with its base URL set."""
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture
def screenshot(page):
    """screenshot(name): a full-page PNG into $E2E_SCREENSHOTS when set; otherwise nothing."""
    folder = os.environ.get(SCREENSHOTS_ENV)

    def _take(name: str) -> None:
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)

    return _take


@pytest.fixture
def live_site_url(settings, live_server):
    """Links the shop builds from SITE_URL (in mail: confirm, unsubscribe, preferences) point
    at the live server, so a test can open them in the browser."""
    settings.SITE_URL = live_server.url
    return live_server.url


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
