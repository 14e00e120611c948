"""Cookie choice that is enforced (P1, P10): the registry, the banner, the choice, the records,
the middleware that drops what lacks consent, Global Privacy Control and the analytics tag."""

import logging
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import path
from django.utils import timezone

from candor.privacy import cookies
from candor.privacy.consent import consent_for, encode, parse
from candor.privacy.consent_middleware import CookieConsentMiddleware
from candor.privacy.models import ConsentRecord
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHOICE = "/privacy/cookies/choice/"
SAME_ORIGIN = {"HTTP_ORIGIN": "http://testserver"}
GPC = {"HTTP_SEC_GPC": "1"}
GPC_NOTICE = (
    "Your browser sent a Global Privacy Control signal; we treat it as declining advertising."
)
LOGGER = "candor.privacy.cookies"
SIX_MONTHS = 183 * 24 * 3600


@pytest.fixture(autouse=True)
def policy_version(settings):
    settings.PRIVACY_POLICY_VERSION = "test-policy"
    return "test-policy"


@pytest.fixture
def advertising_cookie():
    """A test-only advertising cookie (the shop itself sets none)."""
    cookies.register_cookie(
        "ad_id", "Test advertiser", "Test only", cookies.ADVERTISING, timedelta(days=30)
    )
    yield cookies.cookie("ad_id")
    cookies.unregister_cookie("ad_id")


def banner(page: str) -> str | None:
    found = re.search(r'<section class="cookie-banner".*?</section>', page, re.S)
    return found[0] if found else None


def choose(client, action, *, categories=(), source=None, next_url=None, **headers):
    """POST a choice as the banner does (action only) or as the cookie page does (with
    source, next and categories)."""
    data = {"action": action}
    if source is not None:
        data["source"] = source
    if next_url is not None:
        data["next"] = next_url
    if categories:
        data["category"] = list(categories)
    return client.post(CHOICE, data, **{**SAME_ORIGIN, **headers})


# --- The registry and the cookie page -------------------------------------------------------------


def test_p10_the_framework_cookies_are_registered_as_essential_with_their_lifetimes():
    """P10: Django's session and CSRF cookies, the consent cookie and the analytics cookie,
    each with its provider's lifetime in words; allauth and messages set none (not listed)."""
    registered = {c.name: (c.category, c.lifetime) for c in cookies.cookies()}
    assert registered == {
        settings.SESSION_COOKIE_NAME: ("essential", "2 weeks"),
        settings.CSRF_COOKIE_NAME: ("essential", "1 year"),
        "candor_consent": ("essential", "6 months"),
        "candor_analytics": ("analytics", "13 months"),
    }
    assert [(t.name, t.category) for t in cookies.tags()] == [("Candor analytics", "analytics")]
    assert cookies.categories_in_use() == ["analytics"]


@pytest.mark.parametrize(
    "lifetime, words",
    [
        (timedelta(minutes=1), "1 minute"),
        (timedelta(minutes=30), "30 minutes"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(hours=5), "5 hours"),
        (timedelta(days=1), "1 day"),
        (timedelta(days=3), "3 days"),
        (timedelta(days=7), "1 week"),
        (timedelta(days=14), "2 weeks"),
        (timedelta(days=30), "1 month"),
        (timedelta(days=183), "6 months"),
        (timedelta(weeks=52), "1 year"),
        (timedelta(days=730), "2 years"),
        (timedelta(days=396), "13 months"),
        ("until you close the browser", "until you close the browser"),
    ],
)
def test_p10_lifetimes_are_said_in_words(lifetime, words):
    assert cookies.describe_lifetime(lifetime) == words


def test_p10_a_session_ending_with_the_browser_is_listed_so(settings):
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    assert cookies._session_lifetime() == "until you close the browser"


def test_p10_the_registry_refuses_an_unknown_category():
    with pytest.raises(ValueError, match="Unknown cookie category 'tracking'"):
        cookies.register_cookie("x", "Someone", "Something", "tracking", "1 day")
    assert cookies.cookie("x") is None


def test_p10_cookie_page_lists_every_registered_cookie_and_tag(client, advertising_cookie):
    """P10: /privacy/cookies/ is generated from the registry: every cookie with its provider,
    purpose and lifetime in its category's table, every tag, and the choice form."""
    page = client.get("/privacy/cookies/").content.decode()
    for cookie in cookies.cookies():
        section = re.search(
            rf'<section class="cookie-category" id="cookies-{cookie.category}".*?</section>',
            page,
            re.S,
        )[0]
        row = (
            f"<tr><td><code>{cookie.name}</code></td><td>{cookie.provider}</td>"
            f"<td>{cookie.purpose}</td><td>{cookie.lifetime}</td></tr>"
        )
        assert row in section, cookie.name
    assert page.count("<tr><td><code>") == len(cookies.cookies()) == 5
    for tag in cookies.tags():
        assert f"<tr><td>{tag.name}</td><td>{tag.provider}</td><td>{tag.purpose}</td></tr>" in page
    assert "This shop sets no preferences cookies and loads no preferences scripts." in page
    assert "This shop sets no advertising cookies" not in page  # the test's advertising cookie
    # The choice form asks about the categories in use, and offers all three buttons.
    assert re.findall(r'name="category" value="(\w+)"', page) == ["analytics", "advertising"]
    for button in ("Save my choices", "Accept all", "Decline non-essential"):
        assert f">{button}</button>" in page
    assert "csrfmiddlewaretoken" not in page


def test_p1_p10_cookie_page_sets_no_cookie_and_pins_its_queries(client, django_assert_num_queries):
    from candor.core.models import ShopSettings

    ShopSettings.load()
    with django_assert_num_queries(1):  # the shop settings (announcements are cached)
        response = client.get("/privacy/cookies/")
    assert response.status_code == 200
    assert dict(response.cookies) == {}
    assert "You have not chosen yet, so only essential cookies are allowed." in (
        response.content.decode()
    )


# --- The banner -----------------------------------------------------------------------------------


def test_p10_banner_is_shown_on_every_page_until_a_choice_exists(client, variant):
    """P10: one form with "Accept all" and "Decline non-essential" (equal buttons) and a
    "Choose" link to the cookie page; no CSRF token (it would need a cookie, P1)."""
    for url in ("/", variant.product.get_absolute_url(), "/cart/"):
        page = client.get(url).content.decode()
        shown = banner(page)
        assert shown is not None, url
        assert shown.count("<form") == 1
        assert '<button type="submit" name="action" value="accept">Accept all</button>' in shown
        assert (
            '<button type="submit" name="action" value="decline">Decline non-essential</button>'
            in shown
        )
        assert '<a class="button" href="/privacy/cookies/">Choose</a>' in shown
        # No input at all: no CSRF token (P1), and the page's own address is not echoed.
        assert "<input" not in shown
        assert '<a href="/privacy/cookies/">Cookie choices</a>' in page  # the footer link

    client.cookies["candor_consent"] = "v1:"
    page = client.get("/").content.decode()
    assert banner(page) is None
    assert '<a href="/privacy/cookies/">Cookie choices</a>' in page


def test_p1_the_banner_sets_no_cookie(client):
    response = client.get("/")
    assert banner(response.content.decode()) is not None
    assert dict(response.cookies) == {}


def test_p10_an_unreadable_consent_cookie_counts_as_no_choice(client):
    for value in ("v1:everything", "v0:analytics", "analytics", "v1:analytics.analytics"):
        client.cookies["candor_consent"] = value
        page = client.get("/").content.decode()
        assert banner(page) is not None, value
        assert "analytics.js" not in page, value


# --- The choice -----------------------------------------------------------------------------------


def test_p10_accept_all_sets_the_consent_cookie_and_goes_back(client):
    response = choose(client, "accept", HTTP_REFERER="http://testserver/search/?q=galaxy")
    assert response.status_code == 303
    assert response["Location"] == "/search/?q=galaxy"
    assert set(response.cookies) == {"candor_consent"}
    morsel = response.cookies["candor_consent"]
    assert morsel.value == "v1:analytics"
    assert morsel["max-age"] == SIX_MONTHS
    assert morsel["samesite"] == "Lax"
    assert morsel["httponly"] is True
    assert morsel["secure"] == ""  # Secure in production (SESSION_COOKIE_SECURE)
    assert morsel["path"] == "/"
    assert ConsentRecord.objects.count() == 0  # not signed in: the cookie is the record


def test_p10_the_consent_cookie_is_secure_in_production(client, settings):
    settings.SESSION_COOKIE_SECURE = True
    assert choose(client, "accept").cookies["candor_consent"]["secure"] is True


def test_p10_decline_is_one_click_and_allows_nothing_optional(client):
    response = choose(client, "decline")
    assert response.status_code == 303
    assert response["Location"] == "/"
    assert response.cookies["candor_consent"].value == "v1:"
    assert banner(client.get("/").content.decode()) is None


def test_p10_choose_per_category_on_the_cookie_page(client):
    """P10: "Choose" opens the cookie page with the way back; its checkboxes save exactly
    what is ticked, and the page then shows the choice in force."""
    page = client.get(
        "/privacy/cookies/", HTTP_REFERER="http://testserver/p/galaxy/"
    ).content.decode()
    assert '<input type="hidden" name="next" value="/p/galaxy/">' in page
    assert '<input type="hidden" name="source" value="cookie page">' in page
    assert banner(page) is None  # the page is the choice itself

    saved = choose(
        client, "save", categories=["analytics"], source="cookie page", next_url="/p/galaxy/"
    )
    assert (saved.status_code, saved["Location"]) == (303, "/p/galaxy/")
    assert saved.cookies["candor_consent"].value == "v1:analytics"
    page = client.get("/privacy/cookies/").content.decode()
    assert "Now allowed: essential cookies, analytics." in page
    assert 'name="category" value="analytics" checked' in page

    nothing = choose(client, "save", source="cookie page")
    assert nothing.cookies["candor_consent"].value == "v1:"
    assert "Now allowed: essential cookies." in client.get("/privacy/cookies/").content.decode()


def test_p10_the_way_back_stays_on_this_site(client):
    for next_url in ("https://evil.example/", "//evil.example/x", "", CHOICE, "javascript:x"):
        response = choose(client, "decline", next_url=next_url)
        assert response["Location"] == "/", next_url
    for referer in (
        "https://evil.example/p/x/",
        "http://testserver.evil.example/",
        "http://testserver//evil.example/",
        "http://testserver/\\evil.example/",
        "",
        None,
    ):
        headers = {} if referer is None else {"HTTP_REFERER": referer}
        assert choose(client, "decline", **headers)["Location"] == "/", referer
    page = client.get("/privacy/cookies/", HTTP_REFERER="https://evil.example/p/x/")
    assert '<input type="hidden" name="next" value="/">' in page.content.decode()


def test_p10_a_signed_in_choice_is_recorded_and_a_decline_is_a_withdrawal(client):
    """P10: each choice of a signed-in customer is a new ConsentRecord (categories, policy
    version, source, time); declining later writes a withdrawal and changes no earlier row."""
    user = UserFactory()
    client.force_login(user)
    before = timezone.now()
    choose(client, "accept")
    accepted = ConsentRecord.objects.get()
    assert (accepted.user, accepted.categories, accepted.policy_version) == (
        user,
        ["analytics"],
        "test-policy",
    )
    assert (accepted.source, accepted.gpc) == ("banner", False)
    assert before <= accepted.created_at <= timezone.now()

    choose(client, "decline", source="cookie page")
    withdrawal, first = ConsentRecord.objects.filter(user=user).order_by("-id")
    assert first == accepted and first.categories == ["analytics"]
    assert (withdrawal.categories, withdrawal.source, withdrawal.policy_version) == (
        [],
        "cookie page",
        "test-policy",
    )
    assert str(withdrawal).startswith("essential only · ")


def test_p10_the_record_names_the_published_policy_version(client):
    from candor.privacy.policy import current_version_label

    client.force_login(UserFactory())
    choose(client, "decline")
    assert ConsentRecord.objects.get().policy_version == current_version_label()


def test_p10_withdrawing_deletes_the_cookies_no_longer_allowed(client):
    """P10: withdrawal takes effect at once: the analytics cookie the browser holds is
    deleted in the same response."""
    client.cookies["candor_consent"] = "v1:analytics"
    client.cookies["candor_analytics"] = "abc123"
    response = choose(client, "decline")
    assert response.cookies["candor_consent"].value == "v1:"
    assert response.cookies["candor_analytics"]["max-age"] == 0
    assert response.cookies["candor_analytics"].value == ""


@pytest.mark.parametrize(
    "headers, reason",
    [
        ({}, "this request did not say where it came from (no Sec-Fetch-Site or Origin header)"),
        ({"HTTP_ORIGIN": "https://evil.example"}, "this request came from https://evil.example."),
        ({"HTTP_ORIGIN": "https://testserver"}, "this request came from https://testserver."),
        (
            {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_ORIGIN": "http://testserver"},
            "your browser says this request came from elsewhere (Sec-Fetch-Site: cross-site).",
        ),
        (
            {"HTTP_SEC_FETCH_SITE": "same-site"},
            "your browser says this request came from elsewhere (Sec-Fetch-Site: same-site).",
        ),
    ],
)
def test_p10_a_cross_site_choice_is_refused_and_changes_nothing(headers, reason):
    """P10: no CSRF cookie before a choice (P1), so the endpoint asks the browser where the
    request came from; another site's form, or a request that does not say, gets 403."""
    client = Client()
    client.force_login(UserFactory())
    response = client.post(CHOICE, {"action": "accept", "next": "/"}, **headers)
    assert response.status_code == 403
    page = response.content.decode()
    assert "A cookie choice is accepted only from this site&#x27;s own pages; " in page
    assert reason in page.replace("&#x27;", "'")
    assert "candor_consent" not in response.cookies
    assert ConsentRecord.objects.count() == 0


def test_p10_a_same_origin_fetch_needs_no_origin_header(client):
    response = client.post(CHOICE, {"action": "accept"}, HTTP_SEC_FETCH_SITE="same-origin")
    assert response.status_code == 303
    assert response.cookies["candor_consent"].value == "v1:analytics"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"action": "maybe"}, "Please choose “Accept all”, “Decline non-essential”"),
        ({}, "Please choose “Accept all”, “Decline non-essential”"),
        ({"action": "save", "category": ["analytics", "tracking"]}, "Unknown cookie category: "),
        ({"action": "accept", "source": "elsewhere"}, "came from a form we do not know."),
    ],
)
def test_p10_a_bad_choice_is_refused_with_a_reason_and_changes_nothing(client, data, message):
    client.force_login(UserFactory())
    response = client.post(CHOICE, data, **SAME_ORIGIN)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "candor_consent" not in response.cookies
    assert ConsentRecord.objects.count() == 0


def test_p10_record_choice_refuses_what_it_does_not_know():
    from candor.privacy.consent import ConsentError, record_choice

    user = UserFactory()
    with pytest.raises(ConsentError, match="Unknown source of a cookie choice: somewhere."):
        record_choice(user=user, categories=[], source="somewhere", gpc=False)
    with pytest.raises(ConsentError, match="Unknown cookie category: tracking."):
        record_choice(user=user, categories=["tracking"], source="banner", gpc=False)
    assert ConsentRecord.objects.count() == 0


def test_p10_the_choice_takes_only_post(client):
    assert client.get(CHOICE).status_code == 405


# --- Enforcement ----------------------------------------------------------------------------------


def run_middleware(request, *set_cookies):
    """The response of a view setting `set_cookies` ((name, kwargs) pairs), through the
    middleware."""

    def view(_request):
        response = HttpResponse("ok")
        for name, kwargs in set_cookies:
            response.set_cookie(name, "value", **kwargs)
        return response

    return CookieConsentMiddleware(view)(request)


def test_p10_the_middleware_drops_an_unregistered_cookie_and_logs_it(caplog):
    request = RequestFactory().get("/somewhere/", HTTP_COOKIE="candor_consent=v1:analytics")
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        response = run_middleware(request, ("tracker", {}), ("csrftoken", {}))
    assert set(response.cookies) == {"csrftoken"}
    assert [(r.name, r.levelname, r.getMessage()) for r in caplog.records] == [
        (
            LOGGER,
            "WARNING",
            "Dropped cookie 'tracker' from the response to GET /somewhere/: "
            "it is not in the cookie registry.",
        )
    ]


def test_p10_the_middleware_drops_an_analytics_cookie_without_consent(caplog):
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        no_choice = run_middleware(RequestFactory().get("/"), ("candor_analytics", {}))
        declined = run_middleware(
            RequestFactory().get("/", HTTP_COOKIE="candor_consent=v1:"), ("candor_analytics", {})
        )
    assert dict(no_choice.cookies) == {} and dict(declined.cookies) == {}
    assert [r.getMessage() for r in caplog.records] == [
        "Dropped cookie 'candor_analytics' from the response to GET /: "
        "no cookie choice has been made, so analytics is not allowed.",
        "Dropped cookie 'candor_analytics' from the response to GET /: "
        "the visitor has not agreed to analytics.",
    ]


def test_p10_the_middleware_keeps_what_is_allowed(caplog):
    consented = RequestFactory().get("/", HTTP_COOKIE="candor_consent=v1:analytics")
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        kept = run_middleware(consented, ("candor_analytics", {}), ("sessionid", {}))
        # Essential cookies need no choice; deleting a registered cookie is always allowed.
        deleting = RequestFactory().get("/")
        essential = run_middleware(deleting, ("sessionid", {}), ("candor_consent", {}))
    assert set(kept.cookies) == {"candor_analytics", "sessionid"}
    assert set(essential.cookies) == {"sessionid", "candor_consent"}
    assert caplog.records == []


def test_p10_deleting_a_registered_cookie_is_allowed_but_not_an_unregistered_one(caplog):
    def view(_request):
        response = HttpResponse("ok")
        response.delete_cookie("candor_analytics")
        response.delete_cookie("tracker")
        response.set_cookie("candor_analytics", "", expires="Thu, 01 Jan 1970 00:00:00 GMT")
        return response

    with caplog.at_level(logging.WARNING, logger=LOGGER):
        response = CookieConsentMiddleware(view)(RequestFactory().get("/"))
    assert set(response.cookies) == {"candor_analytics"}
    assert [r.getMessage() for r in caplog.records] == [
        "Dropped cookie 'tracker' from the response to GET /: it is not in the cookie registry."
    ]


@pytest.mark.parametrize(
    "kwargs, deletion",
    [
        ({"max_age": 0}, True),
        ({"max_age": 60}, False),
        ({"expires": "Thu, 01 Jan 1970 00:00:00 GMT"}, True),
        ({"expires": "Fri, 01 Jan 2100 00:00:00 GMT"}, False),
        ({"expires": "not a date"}, False),
        ({}, False),
    ],
)
def test_p10_only_a_past_expiry_or_zero_max_age_counts_as_deleting(kwargs, deletion):
    from candor.privacy.consent_middleware import is_deletion

    response = HttpResponse()
    response.set_cookie("candor_analytics", "", **kwargs)
    assert is_deletion(response.cookies["candor_analytics"]) is deletion
    response.cookies["candor_analytics"]["max-age"] = "soon"
    assert is_deletion(response.cookies["candor_analytics"]) is False


def test_p10_gpc_declines_advertising_whatever_the_cookie_says(advertising_cookie, caplog):
    """P10: Sec-GPC: 1 counts as declining advertising, even with an "accept all" cookie."""
    accepted_all = "candor_consent=v1:advertising.analytics"
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        with_gpc = run_middleware(
            RequestFactory().get("/", HTTP_COOKIE=accepted_all, **GPC),
            ("ad_id", {}),
            ("candor_analytics", {}),
        )
    assert set(with_gpc.cookies) == {"candor_analytics"}
    assert [r.getMessage() for r in caplog.records] == [
        "Dropped cookie 'ad_id' from the response to GET /: "
        "the browser's Global Privacy Control signal declines advertising."
    ]
    without_gpc = run_middleware(RequestFactory().get("/", HTTP_COOKIE=accepted_all), ("ad_id", {}))
    assert set(without_gpc.cookies) == {"ad_id"}


def test_p10_accept_all_under_gpc_leaves_advertising_out_of_the_cookie_and_the_record(
    client, advertising_cookie
):
    client.force_login(UserFactory())
    response = choose(client, "accept", **GPC)
    assert response.cookies["candor_consent"].value == "v1:analytics"
    record = ConsentRecord.objects.get()
    assert (record.categories, record.gpc) == (["analytics"], True)
    assert encode(["analytics", "advertising"]) == "v1:advertising.analytics"
    assert parse("v1:advertising.analytics") == {"advertising", "analytics"}


def test_p10_the_banner_and_the_cookie_page_say_gpc_was_honoured(client, advertising_cookie):
    page = client.get("/", **GPC).content.decode()
    assert GPC_NOTICE.replace("'", "&#x27;") in banner(page)
    cookie_page = client.get("/privacy/cookies/", **GPC).content.decode()
    assert GPC_NOTICE.replace("'", "&#x27;") in cookie_page
    assert re.search(r'name="category" value="advertising" disabled>', cookie_page)
    assert GPC_NOTICE.replace("'", "&#x27;") not in client.get("/").content.decode()


def test_p10_the_session_and_csrf_cookies_pass_through_the_installed_middleware():
    """P1, P10: the middleware sits before the session, CSRF and messages middleware, so it
    judges their cookies; essential ones reach the browser."""
    order = settings.MIDDLEWARE
    mine = order.index("candor.privacy.consent_middleware.CookieConsentMiddleware")
    assert order[mine - 1] == "whitenoise.middleware.WhiteNoiseMiddleware"
    for other in (
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
    ):
        assert order.index(other) > mine


def _sets_a_tracker(request):
    response = HttpResponse("tracked")
    response.set_cookie("tracker", "1")
    response.set_cookie("candor_analytics", "1")
    request.session["seen"] = True  # the session cookie: essential, passes
    return response


urlpatterns = [path("tracker/", _sets_a_tracker)]


@pytest.mark.urls(__name__)
def test_p10_the_installed_middleware_drops_what_a_view_should_not_set(client, caplog):
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        response = client.get("/tracker/")
    assert set(response.cookies) == {"sessionid"}
    assert sorted(r.getMessage().split(":")[0] for r in caplog.records) == [
        "Dropped cookie 'candor_analytics' from the response to GET /tracker/",
        "Dropped cookie 'tracker' from the response to GET /tracker/",
    ]


# --- Tags -----------------------------------------------------------------------------------------

ANALYTICS_TAG = '<script src="/static/candor/analytics.js" defer></script>'


def test_p10_the_analytics_tag_is_rendered_only_with_analytics_consent(client):
    assert ANALYTICS_TAG not in client.get("/").content.decode()
    client.cookies["candor_consent"] = "v1:"
    assert ANALYTICS_TAG not in client.get("/").content.decode()
    client.cookies["candor_consent"] = "v1:analytics"
    page = client.get("/").content.decode()
    assert page.count(ANALYTICS_TAG) == 1
    assert page.index(ANALYTICS_TAG) > page.index("</footer>")


def test_p10_no_tags_without_a_visitor():
    """Rendered without a request (e.g. a mail or an error page), the tag renders nothing."""
    from django.template import Context, Template

    template = Template("{% load privacy_tags %}[{% consented_tags %}]")
    assert template.render(Context({})) == "[]"


def test_p10_consent_is_read_once_per_request():
    request = RequestFactory().get("/", HTTP_COOKIE="candor_consent=v1:analytics", **GPC)
    consent = consent_for(request)
    assert consent_for(request) is consent
    assert (consent.chosen, consent.categories, consent.gpc) == (True, {"analytics"}, True)
    assert consent.allowed == ["analytics"]


def test_p10_the_analytics_script_sets_one_first_party_cookie_and_calls_no_one():
    """P10: the demo analytics tag is self-hosted and makes no network request."""
    script = (settings.BASE_DIR / "static" / "candor" / "analytics.js").read_text()
    assert 'var name = "candor_analytics";' in script
    assert "396 * 24 * 60 * 60" in script  # the registered 13 months
    for network in ("fetch(", "XMLHttpRequest", "sendBeacon", "new Image", "http://", "https://"):
        assert network not in script, network


# --- Back office ----------------------------------------------------------------------------------


def test_p10_staff_read_consent_records_but_cannot_add_change_or_delete_them(admin_client):
    record = ConsentRecord.objects.create(
        user=UserFactory(email="nadia@example.com"),
        categories=["analytics"],
        policy_version="v1",
        source="banner",
    )
    listing = admin_client.get("/backoffice/privacy/consentrecord/")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "nadia@example.com" in page and "analytics" in page
    assert admin_client.get("/backoffice/privacy/consentrecord/add/").status_code == 403
    detail = admin_client.get(f"/backoffice/privacy/consentrecord/{record.pk}/change/")
    assert detail.status_code == 200
    assert 'name="categories"' not in detail.content.decode()  # read only
    deleted = admin_client.post(
        f"/backoffice/privacy/consentrecord/{record.pk}/delete/", {"post": "yes"}
    )
    assert deleted.status_code == 403
    assert ConsentRecord.objects.get() == record
    assert ConsentRecord.objects.get().categories == ["analytics"]
