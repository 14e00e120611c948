"""P11: page views are counted per page per day, with no cookie, address, user id or user agent
stored; obvious bots and the back office are not counted; staff see a chart per page."""

import datetime as dt
import logging
import re
import threading

import pytest
from django.contrib.auth.models import Permission
from django.db import DatabaseError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from candor.insights import middleware, services
from candor.insights.middleware import ViewCounter
from candor.insights.models import PageViewDay
from candor.privacy import datamap
from candor.privacy.datamap import NotPersonal
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
TODAY = dt.date(2026, 11, 20)


@pytest.fixture
def counting(settings, monkeypatch):
    """Views are written one by one, on a fixed day."""
    settings.PAGE_VIEW_BATCH_ROWS = 1
    monkeypatch.setattr(middleware.timezone, "localdate", lambda: TODAY)

    def _on(day: dt.date) -> None:
        monkeypatch.setattr(middleware.timezone, "localdate", lambda: day)

    return _on


@pytest.fixture
def browser(client):
    client.defaults["HTTP_USER_AGENT"] = BROWSER
    return client


def _counts():
    return sorted(PageViewDay.objects.values_list("path", "day", "views"))


def test_views_are_counted_per_page_per_day_P11(browser, counting):
    product = ProductFactory()
    page = f"/p/{product.slug}/"

    browser.get("/")
    browser.get("/")
    browser.get(page)
    counting(TODAY + dt.timedelta(days=1))
    browser.get("/")

    assert _counts() == [
        ("/", TODAY, 2),
        ("/", TODAY + dt.timedelta(days=1), 1),
        (page, TODAY, 1),
    ]


def test_a_customer_who_restricted_processing_is_not_counted_P20_P11(browser, counting):
    """Restricting processing stops even anonymous counting of that person's visits; other
    signed-in customers are counted as before."""
    from tests.factories import UserFactory

    restricted = UserFactory(processing_restricted=True)
    browser.force_login(restricted)
    browser.get("/")
    browser.get("/search/")
    assert _counts() == []

    browser.force_login(UserFactory())
    browser.get("/")
    assert _counts() == [("/", TODAY, 1)]


def test_a_signed_links_page_is_counted_by_its_route_not_its_token_P11_P14(
    browser, counting, place, variant
):
    """The token in a guest's order link opens the order: the count keeps the route."""
    from candor.orders.links import lookup_token

    order = place({variant.pk: 1})
    token = lookup_token(order.number)
    assert browser.get(f"/orders/view/{token}/").status_code == 200

    assert _counts() == [("/orders/view/<str:token>/", TODAY, 1)]
    assert not PageViewDay.objects.filter(path__contains=token).exists()


def test_the_query_string_is_not_part_of_the_page_P11(browser, counting):
    browser.get("/search/?q=galaxy")
    browser.get("/search/?q=iphone")

    assert _counts() == [("/search/", TODAY, 2)]


def test_nothing_identifying_is_stored_P11():
    """P11: the model has no field for a cookie, address, user or user agent; only a page, a
    day and a number. The data map says none of it is personal."""
    assert [f.name for f in PageViewDay._meta.get_fields()] == ["id", "path", "day", "views"]
    declaration = datamap.declaration_for(PageViewDay)
    assert sorted(declaration.fields) == ["day", "path", "views"]
    assert all(isinstance(spec, NotPersonal) for spec in declaration.fields.values())


def test_counting_sets_no_cookie_P11(browser, counting, settings):
    """The same page with and without the counter sends the same (no) cookies."""
    first = browser.get("/")
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != "candor.insights.middleware.PageViewMiddleware"
    ]
    without = Client(HTTP_USER_AGENT=BROWSER).get("/")  # a new client loads the new MIDDLEWARE

    assert list(first.cookies) == list(without.cookies) == []
    assert "Set-Cookie" not in first.headers
    assert _counts() == [("/", TODAY, 1)]


@pytest.mark.parametrize(
    "user_agent",
    [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Mozilla/5.0 (compatible; SemrushCrawler/1.0)",
        "Mozilla/5.0 (compatible; UptimeMonitor/2.0)",
        "WhatsApp/2.23.20 link preview",
        "",
    ],
)
def test_obvious_bots_are_not_counted_P11(client, counting, user_agent):
    client.get("/", HTTP_USER_AGENT=user_agent)
    middleware.flush()

    assert _counts() == []


def test_only_pages_a_person_looks_at_are_counted_P11(browser, counting, admin_client):
    """Not counted: a POST, a missing page, a non-HTML answer, a redirect, a HEAD, a prefetch,
    the back office."""
    browser.post("/cart/add/", {"variant": "x"})
    browser.get("/no-such-page/")
    browser.get("/healthz")
    browser.get("/account/")  # redirects to sign-in
    browser.head("/")
    browser.get("/", HTTP_SEC_PURPOSE="prefetch")
    admin_client.get("/backoffice/", HTTP_USER_AGENT=BROWSER)
    middleware.flush()

    assert _counts() == []


def test_views_are_written_in_batches_P11(browser, counting, settings):
    settings.PAGE_VIEW_BATCH_ROWS = 3
    table = PageViewDay._meta.db_table

    # Three views of two pages are two rows: not a full batch yet.
    with CaptureQueriesContext(connection) as before:
        browser.get("/")
        browser.get("/search/")
        browser.get("/")
    with CaptureQueriesContext(connection) as third_page:
        browser.get("/privacy/")

    def writes(queries):
        return [q for q in queries if f'INSERT INTO "{table}"' in q["sql"]]

    assert writes(before.captured_queries) == []
    assert len(writes(third_page.captured_queries)) == 1
    assert _counts() == [("/", TODAY, 2), ("/privacy/", TODAY, 1), ("/search/", TODAY, 1)]


def test_a_batch_older_than_the_flush_interval_is_written_P11(
    browser, counting, settings, monkeypatch
):
    settings.PAGE_VIEW_BATCH_ROWS = 50
    settings.PAGE_VIEW_FLUSH_SECONDS = 5
    now = [100.0]
    monkeypatch.setattr(middleware, "_clock", lambda: now[0])

    browser.get("/")
    now[0] += 4.9
    browser.get("/")
    assert _counts() == []
    now[0] += 0.1
    browser.get("/")

    assert _counts() == [("/", TODAY, 3)]


def test_flushes_add_to_the_stored_total_P11():
    PageViewDay.objects.create(path="/", day=TODAY, views=5)

    added = services.record_views(counts={("/", TODAY): 3, ("/search/", TODAY): 2})

    assert added == 5
    assert _counts() == [("/", TODAY, 8), ("/search/", TODAY, 2)]


def test_what_is_waiting_is_written_at_exit_P11(browser, counting, settings):
    settings.PAGE_VIEW_BATCH_ROWS = 50
    browser.get("/")

    middleware._flush_at_exit()

    assert _counts() == [("/", TODAY, 1)]


def test_a_database_failure_never_becomes_an_error_page_P11(browser, counting, monkeypatch, caplog):
    def refuse(**kwargs):
        raise DatabaseError("down")

    monkeypatch.setattr(services, "record_views", refuse)
    with caplog.at_level(logging.ERROR, logger="candor.insights"):
        response = browser.get("/")

    assert response.status_code == 200
    assert [r.getMessage() for r in caplog.records] == [
        "Could not record 1 page views; they are dropped."
    ]
    assert len(middleware.counter) == 0


# --- Concurrency: two processes flushing the same page and day both count ------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_flushes_of_the_same_page_and_day_all_count_P11():
    """P11: eight workers, each flushing its own counter 25 times at once, on their own
    connections: every view is counted (the upsert adds; nothing reads then overwrites)."""
    workers, rounds = 8, 25
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []

    def worker() -> None:
        counter = ViewCounter()
        try:
            barrier.wait(timeout=30)
            for _ in range(rounds):
                counter.add("/", TODAY)
                counter.add("/search/", TODAY)
                assert counter.flush() == 2
        except BaseException as error:  # the outcome under test, not a crash of the harness
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert _counts() == [("/", TODAY, workers * rounds), ("/search/", TODAY, workers * rounds)]


# --- The chart, for staff ---------------------------------------------------------------------

TOP_URL = "/backoffice/insights/pageviewday/"
CHART_URL = "/backoffice/insights/pageviewday/chart/"


@pytest.fixture
def counted(db):
    from django.utils import timezone

    today = timezone.localdate()
    PageViewDay.objects.bulk_create(
        [
            PageViewDay(path="/", day=today, views=40),
            PageViewDay(path="/", day=today - dt.timedelta(days=1), views=25),
            PageViewDay(path="/p/galaxy-s24/", day=today - dt.timedelta(days=2), views=7),
            PageViewDay(path="/old/", day=today - dt.timedelta(days=200), views=99),
        ]
    )
    return today


def test_staff_see_the_most_viewed_pages_with_a_sparkline_P11(admin_client, counted):
    response = admin_client.get(TOP_URL)

    assert response.status_code == 200
    pages = response.context["pages"]
    assert [(p["path"], p["total"]) for p in pages] == [("/", 65), ("/p/galaxy-s24/", 7)]
    body = response.content.decode()
    assert body.count("<polyline") == 2
    assert "/old/" not in body


def test_the_chart_page_draws_views_over_time_as_svg_P11(admin_client, counted):
    response = admin_client.get(CHART_URL, {"path": "/", "days": "30"})

    assert response.status_code == 200
    body = response.content.decode()
    chart = str(response.context["chart"])
    assert chart.startswith('<svg role="img" aria-label="Views per day, last 30 days" ')
    # Placed with the response's CSP nonce on its one <style> (P14).
    nonce = response.wsgi_request.csp_nonce
    assert chart.replace("<style ", f'<style nonce="{nonce}" ') in body
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
    # Drawn on the server: no script, and no address but the SVG namespace's.
    assert "<script" not in chart
    assert re.findall(r"https?://[^\"' ]+", chart) == ["http://www.w3.org/2000/svg"]
    assert "65 views in the last 30 days" in body
    assert response.context["days"] == 30


def test_the_chart_asks_for_a_page_when_none_is_given_P11(admin_client, counted):
    response = admin_client.get(CHART_URL)

    assert response.status_code == 400
    assert "Choose a page from the list of most viewed pages." in response.content.decode()


def test_an_unknown_period_falls_back_to_the_default_P11(admin_client, counted):
    response = admin_client.get(CHART_URL, {"path": "/", "days": "abc"})

    assert response.status_code == 200
    assert response.context["days"] == 90


def test_the_pages_queries_are_pinned_P11(admin_client, counted, django_assert_num_queries):
    admin_client.get(TOP_URL)  # the session and permissions are loaded once per request
    # session, user, MFA check, the shop's context processors (3), and 2 for the pages
    with django_assert_num_queries(8):
        admin_client.get(TOP_URL)
    with django_assert_num_queries(7):
        admin_client.get(CHART_URL, {"path": "/"})


def test_staff_who_may_not_view_page_counts_get_403_P11(client, mfa_login, counted):
    mfa_login(client, UserFactory(is_staff=True))

    assert client.get(TOP_URL).status_code == 403
    assert client.get(CHART_URL, {"path": "/"}).status_code == 403


def test_staff_with_the_view_permission_see_the_chart_P11(client, mfa_login, counted):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_pageviewday"))
    mfa_login(client, staff)

    assert client.get(TOP_URL).status_code == 200
    assert "<svg" in client.get(CHART_URL, {"path": "/"}).content.decode()


def test_customers_and_visitors_are_sent_to_sign_in_P11(client, counted):
    anonymous = client.get(CHART_URL, {"path": "/"})
    client.force_login(UserFactory())
    customer = client.get(CHART_URL, {"path": "/"})

    for response in (anonymous, customer):
        assert response.status_code == 302
        assert "/backoffice/login/" in response["Location"]
