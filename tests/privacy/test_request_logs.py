"""P12: the server log. Each request is logged (time, address, browser and OS parsed from the
user agent, referrer, method, path, status, user id when signed in), written in batches;
static files and the health probe are not; only staff with the security permission read it."""

import json
import logging
import subprocess
import sys
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from candor.privacy import request_logs
from candor.privacy.checks import check_privacy_middleware_on
from candor.privacy.models import RequestLog
from tests.child_process import child_env
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHROME_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
FIREFOX_ON_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"
SAFARI_ON_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def batch_of(settings):
    """Write the log in batches of `size` requests."""

    def _batch_of(size: int) -> None:
        settings.REQUEST_LOG_BATCH_SIZE = size

    _batch_of(1)
    return _batch_of


def _row_values(**filters):
    return list(
        RequestLog.objects.filter(**filters)
        .order_by("id")
        .values(
            "ip",
            "ip_truncated",
            "user_agent",
            "browser",
            "os",
            "referrer",
            "method",
            "path",
            "status",
            "user_id",
        )
    )


def _log_writes(queries) -> list[str]:
    """Statements that wrote log rows: a COPY on PostgreSQL, an INSERT elsewhere."""
    table = RequestLog._meta.db_table
    return [
        q["sql"]
        for q in queries
        if q["sql"].startswith((f'INSERT INTO "{table}"', f'COPY "{table}"'))
    ]


def test_a_request_is_logged_with_browser_and_os_P12(client, batch_of):
    """P12: time, address, user agent parsed into browser and OS, referrer, path, status."""
    before = timezone.now()
    response = client.get(
        "/",
        HTTP_USER_AGENT=CHROME_ON_WINDOWS,
        HTTP_REFERER="https://search.example/?q=phones",
        REMOTE_ADDR="203.0.113.7",
    )
    after = timezone.now()

    assert response.status_code == 200
    assert _row_values() == [
        {
            "ip": "203.0.113.7",
            "ip_truncated": False,
            "user_agent": CHROME_ON_WINDOWS,
            "browser": "Chrome",
            "os": "Windows",
            "referrer": "https://search.example",
            "method": "GET",
            "path": "/",
            "status": 200,
            "user_id": None,
        }
    ]
    at = RequestLog.objects.get().at
    assert before <= at <= after


def test_other_browsers_are_parsed_P12(client, batch_of):
    client.get("/", HTTP_USER_AGENT=FIREFOX_ON_LINUX)
    client.get("/", HTTP_USER_AGENT=SAFARI_ON_IPHONE)
    client.get("/")  # no user agent at all

    assert list(RequestLog.objects.order_by("id").values_list("browser", "os")) == [
        ("Firefox", "Linux"),
        ("Mobile Safari", "iOS"),
        ("", ""),
    ]


def test_a_signed_in_customers_user_id_is_logged_P12(client, batch_of):
    user = UserFactory()
    client.force_login(user)

    client.get("/")
    client.get("/account/")

    assert list(RequestLog.objects.order_by("id").values_list("path", "user_id")) == [
        ("/", user.pk),
        ("/account/", user.pk),
    ]


def test_a_first_visit_is_logged_without_loading_a_session_P12():
    """Without a session cookie nobody is signed in: the log does not load the session (or ask
    the session store) to find that out."""
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.base import SessionBase
    from django.test import RequestFactory
    from django.utils.functional import SimpleLazyObject

    class Untouchable(SessionBase):
        def load(self):
            raise AssertionError("the session was loaded")

    request = RequestFactory().get("/")
    request.session = Untouchable()
    request.user = SimpleLazyObject(AnonymousUser)

    assert request_logs.user_id(request) is None
    assert request.session.accessed is False


def test_the_consent_vary_joins_a_vary_the_page_already_has_P1():
    from django.http import HttpResponse
    from django.test import RequestFactory

    from candor.privacy.consent_middleware import CookieConsentMiddleware

    def view(request):
        response = HttpResponse("<p>hi</p>")
        response["Vary"] = "Accept-Language, Cookie"
        return response

    response = CookieConsentMiddleware(view)(RequestFactory().get("/"))

    assert response["Vary"] == "Accept-Language, Cookie, Sec-GPC"


def test_a_signed_links_token_is_not_logged_P12_P14(client, batch_of, place, variant):
    """Whoever reads the log must not be able to open what a guest's order link opens."""
    from candor.orders.links import lookup_token

    batch_of(1)
    order = place({variant.pk: 1})
    token = lookup_token(order.number)
    client.get(f"/orders/view/{token}/")

    assert list(RequestLog.objects.values_list("path", flat=True)) == ["/orders/view/<str:token>/"]
    assert not RequestLog.objects.filter(path__contains=token).exists()


def test_a_referrer_from_a_guests_order_page_keeps_no_token_P12_P14(
    client, batch_of, place, variant
):
    """The guest's order page (name, address, phone) links to the shop: the next request's
    Referer carries the order link's token, and the log must not keep it."""
    from candor.orders.links import lookup_token

    order = place({variant.pk: 1})
    token = lookup_token(order.number)
    client.get("/", HTTP_REFERER=f"http://testserver/orders/view/{token}/?from=mail")
    client.get("/", HTTP_REFERER=f"http://testserver/accounts/password/reset/key/1a-{token[:20]}/")
    client.get("/cart/", HTTP_REFERER="http://testserver/search/?q=my+name")

    assert list(RequestLog.objects.order_by("id").values_list("referrer", flat=True)) == [
        "http://testserver/orders/view/<str:token>/",
        "http://testserver/accounts/password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
        "http://testserver/search/",
    ]
    assert not RequestLog.objects.filter(referrer__contains=token[:20]).exists()


def test_only_referrer_paths_without_a_secret_are_remembered_P12_P14(client, batch_of):
    """The log resolves one of our referrers once per distinct page; a token's path is never
    kept in that memory, and is stripped every time."""
    from candor.privacy import paths

    for _ in range(2):
        client.get("/", HTTP_REFERER="http://testserver/search/")
        client.get("/", HTTP_REFERER="http://testserver/orders/view/secret-token-1/")

    assert paths._plain("/search/")
    assert not paths._plain("/orders/view/secret-token-1/")
    assert (
        list(RequestLog.objects.order_by("id").values_list("referrer", flat=True))
        == [
            "http://testserver/search/",
            "http://testserver/orders/view/<str:token>/",
        ]
        * 2
    )


@pytest.mark.parametrize(
    ("referrer", "kept"),
    [
        ("https://partner.example/orders/view/abc123/?q=secret", "https://partner.example"),
        ("http://other.example:8080/a/b", "http://other.example:8080"),
        ("android-app://com.google.android.gm/", ""),
        ("not a url", ""),
        ("", ""),
    ],
)
def test_an_off_site_referrer_is_kept_only_as_its_origin_P12(client, batch_of, referrer, kept):
    client.get("/", HTTP_REFERER=referrer)

    assert RequestLog.objects.get().referrer == kept


def test_the_query_string_is_not_logged_P12(client, batch_of):
    """Search words can be personal; the path is enough for the log's purposes."""
    client.get("/search/?q=my+name")

    assert list(RequestLog.objects.values_list("method", "path")) == [("GET", "/search/")]


def test_refused_and_missing_pages_are_logged_with_their_status_P12(client, batch_of):
    client.get("/no-such-page/")
    refused = client.post("/cart/add/", {"variant": "x"}, HTTP_USER_AGENT=FIREFOX_ON_LINUX)

    assert refused.status_code == 400
    assert list(RequestLog.objects.order_by("id").values_list("method", "path", "status")) == [
        ("GET", "/no-such-page/", 404),
        ("POST", "/cart/add/", 400),
    ]


def test_static_media_and_the_health_probe_are_not_logged_P12(client, batch_of, settings):
    client.get("/healthz")
    client.get("/static/candor.css")
    client.get("/media/products/phone.jpg")
    request_logs.flush()

    assert RequestLog.objects.count() == 0


def test_forwarded_for_is_ignored_without_a_trusted_proxy_P12(client, batch_of, settings):
    settings.TRUSTED_PROXY_COUNT = 0

    client.get("/", REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR="192.0.2.99")

    assert list(RequestLog.objects.values_list("ip", flat=True)) == ["198.51.100.4"]


def test_behind_a_proxy_the_address_it_saw_is_logged_not_the_forged_one_P12(
    client, batch_of, settings
):
    """The entry the trusted proxy added (rightmost), never what the client wrote before it."""
    settings.TRUSTED_PROXY_COUNT = 1

    client.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.99, 198.51.100.4")
    client.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="2001:db8::5")
    client.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-address")
    client.get("/", REMOTE_ADDR="10.0.0.2")  # straight to the app: its own peer

    assert list(RequestLog.objects.order_by("id").values_list("ip", flat=True)) == [
        "198.51.100.4",
        "2001:db8::5",
        None,
        "10.0.0.2",
    ]


def test_two_trusted_proxies_take_the_second_entry_from_the_right_P12(client, batch_of, settings):
    settings.TRUSTED_PROXY_COUNT = 2

    client.get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.99, 198.51.100.4, 10.0.0.1"
    )

    assert list(RequestLog.objects.values_list("ip", flat=True)) == ["198.51.100.4"]


def test_requests_are_written_in_batches_with_one_statement_P12(client, batch_of):
    """P12: a page pays little: two requests write nothing, the third writes all three rows
    with a single statement (COPY on PostgreSQL, INSERT on SQLite)."""
    batch_of(3)

    with CaptureQueriesContext(connection) as first:
        client.get("/", HTTP_USER_AGENT=CHROME_ON_WINDOWS)
    with CaptureQueriesContext(connection) as second:
        client.get("/search/", HTTP_USER_AGENT=FIREFOX_ON_LINUX)
    assert _log_writes(first.captured_queries) == []
    assert _log_writes(second.captured_queries) == []
    assert RequestLog.objects.count() == 0
    assert len(request_logs.buffer) == 2

    with CaptureQueriesContext(connection) as third:
        client.get("/no-such-page/", HTTP_USER_AGENT=SAFARI_ON_IPHONE)

    assert len(_log_writes(third.captured_queries)) == 1
    assert list(RequestLog.objects.order_by("id").values_list("path", "browser", "status")) == [
        ("/", "Chrome", 200),
        ("/search/", "Firefox", 200),
        ("/no-such-page/", "Mobile Safari", 404),
    ]
    assert len(request_logs.buffer) == 0


def test_a_batch_older_than_the_flush_interval_is_written_P12(
    client, batch_of, settings, monkeypatch
):
    batch_of(50)
    settings.REQUEST_LOG_FLUSH_SECONDS = 5
    now = [1000.0]
    monkeypatch.setattr(request_logs, "_clock", lambda: now[0])

    client.get("/")
    now[0] += 4.9
    client.get("/search/")
    assert RequestLog.objects.count() == 0

    now[0] += 0.1  # the first entry has now waited 5 s
    client.get("/no-such-page/")

    assert RequestLog.objects.count() == 3


def test_what_is_waiting_is_written_at_exit_P12(client, batch_of):
    batch_of(50)
    client.get("/")
    client.get("/search/")
    assert RequestLog.objects.count() == 0

    request_logs._flush_at_exit()

    assert list(RequestLog.objects.order_by("id").values_list("path", flat=True)) == [
        "/",
        "/search/",
    ]


def test_a_database_failure_never_becomes_an_error_page_P12(client, batch_of, monkeypatch, caplog):
    def refuse(*args, **kwargs):
        raise DatabaseError("the database is down")

    monkeypatch.setattr(request_logs, "_copy", refuse)  # PostgreSQL
    monkeypatch.setattr(RequestLog.objects, "bulk_create", refuse)  # elsewhere

    with caplog.at_level(logging.ERROR, logger="candor.privacy.request_logs"):
        response = client.get("/")

    assert response.status_code == 200
    assert [r.getMessage() for r in caplog.records] == [
        "Could not write 1 request log rows; they are dropped."
    ]
    assert len(request_logs.buffer) == 0


def test_odd_headers_cannot_sink_a_batch_P12(client, batch_of):
    """A NUL byte (which PostgreSQL text refuses) or a huge header is cleaned, not fatal."""
    batch_of(2)
    client.get(
        "/", HTTP_USER_AGENT="evil\x00agent", HTTP_REFERER="http://testserver/\x00" + "r" * 5000
    )
    client.get("/search/")

    first = RequestLog.objects.order_by("id").first()
    assert first.user_agent == "evilagent"
    assert len(first.referrer) == request_logs.MAX_TEXT
    assert RequestLog.objects.count() == 2


def test_parsing_is_cached_per_user_agent_string_P12(client, batch_of):
    request_logs.parse_user_agent.cache_clear()
    batch_of(4)
    for _ in range(4):
        client.get("/", HTTP_USER_AGENT=CHROME_ON_WINDOWS)

    info = request_logs.parse_user_agent.cache_info()
    assert (info.misses, info.hits) == (1, 3)


# --- Reading the log: the security permission ------------------------------------------------

LOG_URL = "/backoffice/privacy/requestlog/"


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True)


@pytest.fixture
def logged_request(db):
    return RequestLog.objects.create(
        at=timezone.now() - timedelta(minutes=5),
        ip="203.0.113.7",
        user_agent=CHROME_ON_WINDOWS,
        browser="Chrome",
        os="Windows",
        method="GET",
        path="/p/galaxy-s24/",
        status=200,
    )


def test_staff_without_the_security_permission_cannot_read_the_log_P12(
    client, staff, mfa_login, logged_request
):
    mfa_login(client, staff)

    assert client.get(LOG_URL).status_code == 403
    assert client.get(f"{LOG_URL}{logged_request.pk}/change/").status_code == 403
    index = client.get("/backoffice/")
    assert index.status_code == 200
    assert LOG_URL not in index.content.decode()


def test_staff_with_the_security_permission_read_the_log_P12(
    client, staff, mfa_login, logged_request
):
    staff.user_permissions.add(Permission.objects.get(codename="read_request_logs"))
    mfa_login(client, staff)

    listing = client.get(LOG_URL)
    detail = client.get(f"{LOG_URL}{logged_request.pk}/change/")
    searched = client.get(LOG_URL, {"q": "galaxy"})
    missed = client.get(LOG_URL, {"q": "iphone"})
    filtered = client.get(LOG_URL, {"status": "404"})

    assert listing.status_code == 200
    assert "/p/galaxy-s24/" in listing.content.decode()
    assert detail.status_code == 200
    # P15: the detail page masks the IP for every role; it is revealed only with a reason.
    assert "203.0.113.7" not in detail.content.decode()
    assert list(searched.context["cl"].result_list) == [logged_request]
    assert list(missed.context["cl"].result_list) == []
    assert list(filtered.context["cl"].result_list) == []
    assert LOG_URL in client.get("/backoffice/").content.decode()


def test_nobody_can_change_or_delete_a_log_row_P12(admin_client, logged_request):
    """Even a superuser only reads: rows are written by the middleware and aged out by the
    retention job."""
    assert admin_client.get(LOG_URL).status_code == 200
    assert admin_client.post(f"{LOG_URL}{logged_request.pk}/delete/").status_code == 403
    assert admin_client.get(f"{LOG_URL}add/").status_code == 403
    admin_client.post(f"{LOG_URL}{logged_request.pk}/change/", {"path": "/changed/"})

    logged_request.refresh_from_db()
    assert logged_request.path == "/p/galaxy-s24/"
    assert RequestLog.objects.filter(pk=logged_request.pk).count() == 1


def test_a_customer_is_sent_away_from_the_log_P12(client, logged_request):
    client.force_login(UserFactory())

    response = client.get(LOG_URL)

    assert response.status_code == 302
    assert "/backoffice/login/" in response["Location"]


# --- The benchmark's switch ----------------------------------------------------------------

PRIVACY_PATHS = [
    "candor.privacy.consent_middleware.CookieConsentMiddleware",
    "candor.privacy.request_logs.RequestLogMiddleware",
    "candor.insights.middleware.PageViewMiddleware",
]


def _middleware_of_a_fresh_start(tmp_path, **env):
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.MIDDLEWARE))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=child_env(tmp_path, "k" * 50, **env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.returncode, done.stdout, done.stderr


def test_the_privacy_middleware_is_on_by_default_P12(tmp_path):
    code, out, err = _middleware_of_a_fresh_start(tmp_path)

    assert code == 0, err
    middleware = json.loads(out)
    assert sorted(m for m in middleware if m in PRIVACY_PATHS) == sorted(PRIVACY_PATHS)
    assert middleware[:3] == [
        "django.middleware.security.SecurityMiddleware",
        "candor.privacy.request_logs.RequestLogMiddleware",
        "candor.insights.middleware.PageViewMiddleware",
    ]


def test_privacy_middleware_off_removes_consent_logging_and_counting_P12(tmp_path):
    """The switch bench/load.py uses to measure what the privacy middleware costs."""
    on = json.loads(_middleware_of_a_fresh_start(tmp_path)[1])

    code, out, err = _middleware_of_a_fresh_start(tmp_path, PRIVACY_MIDDLEWARE="off")

    assert code == 0, err
    assert json.loads(out) == [m for m in on if m not in PRIVACY_PATHS]


def test_an_unknown_privacy_middleware_value_stops_start_up_P12(tmp_path):
    code, _, err = _middleware_of_a_fresh_start(tmp_path, PRIVACY_MIDDLEWARE="maybe")

    assert code != 0
    assert "PRIVACY_MIDDLEWARE must be 'on' or 'off'" in err


def test_a_check_warns_when_the_privacy_middleware_is_off_in_production_P12(settings):
    settings.PRIVACY_MIDDLEWARE = "off"
    settings.DEBUG = False

    assert [w.id for w in check_privacy_middleware_on()] == ["privacy.W010"]
    settings.DEBUG = True
    assert check_privacy_middleware_on() == []
    settings.DEBUG = False
    settings.PRIVACY_MIDDLEWARE = "on"
    assert check_privacy_middleware_on() == []
