"""A NUL byte (or a lone surrogate) anywhere a view could take it into a query is refused with
400 and a reason, once, by candor.core.bad_input, before any view runs; nothing is written.

These were 500s on PostgreSQL ("PostgreSQL text fields cannot contain NUL (0x00) bytes"): an
order number or a support thread number from the path, admin list filters, the page-view
chart's page. P14: bad input from anyone never becomes a server error.
"""

import pytest
from django.test import Client

from candor.core.bad_input import has_unstorable
from candor.engagement.support.models import Thread
from candor.privacy.models import RequestLog
from candor.privacy.request_logs import flush
from tests.factories import UserFactory
from tests.privacy.staff_roles import signed_in

pytestmark = pytest.mark.django_db

REASON = "contains a character we cannot accept (a NUL byte or an invalid character)."


def refused(response, where: str) -> None:
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == f"Bad request: {where} {REASON}"


@pytest.fixture
def customer_client(db):
    client = Client()
    client.force_login(UserFactory())
    return client


@pytest.fixture
def superuser_client(db):
    return signed_in(UserFactory(is_staff=True, is_superuser=True))


@pytest.mark.parametrize("path", ["/account/orders/%00/", "/support/mine/x%00/"])
def test_p14_a_nul_in_the_path_is_refused_for_a_customer(customer_client, path):
    refused(customer_client.get(path), "the address")


@pytest.mark.parametrize("path", ["/account/orders/%00/", "/p/x%00/", "/%00"])
def test_p14_a_nul_in_the_path_is_refused_for_anyone(client, path):
    refused(client.get(path), "the address")


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/backoffice/orders/order/?status__exact=%00", "status__exact"),
        ("/backoffice/orders/order/?q=ab%00", "q"),
        ("/backoffice/insights/pageviewday/chart/?path=%00", "path"),
        (
            "/backoffice/support/thread/?status__exact=open&assignee__id__exact=%00",
            "assignee__id__exact",
        ),
    ],
)
def test_p14_a_nul_in_an_admin_filter_is_refused(superuser_client, url, name):
    refused(superuser_client.get(url), f"the query-string parameter {name!r}")


def test_p14_a_nul_in_a_parameter_name_is_refused(client):
    refused(client.get("/search/?a%00b=1"), "the query-string parameter '(a parameter name)'")


def test_p14_a_nul_in_a_form_field_is_refused_and_nothing_is_stored(client):
    response = client.post(
        "/support/",
        {"name": "Sana", "email": "sana@example.com", "subject": "Hi", "message": "a\x00b"},
    )
    refused(response, "the form field 'message'")
    assert not Thread.objects.exists()


def test_p14_a_refused_request_is_still_in_the_server_log(client):
    """P12: the log sits above the refusal, and stores the path without the NUL."""
    client.get("/account/orders/%00/", HTTP_USER_AGENT="curl\x00/8")
    flush()
    row = RequestLog.objects.get()
    assert (row.path, row.status, row.user_agent) == ("/account/orders//", 400, "curl/8")


def test_p14_a_cookie_holding_a_nul_is_ignored_not_an_error(client):
    """A browser never sends such a cookie back to us; refusing every page would lock the
    visitor out, so the cookie is treated as absent (here: no session)."""
    client.cookies["sessionid"] = "abcdefgh\x00ijklmnop"
    response = client.get("/cart/")
    assert response.status_code == 200
    assert response.wsgi_request.session.session_key is None


def test_p14_ordinary_text_passes(client):
    """The control: accents, right-to-left text and emoji are fine, and pages work."""
    assert (
        client.get("/search/?q=%D8%A7%D8%B1%D8%AF%D9%88+caf%C3%A9+%F0%9F%93%B1").status_code == 200
    )


@pytest.mark.parametrize(
    ("text", "bad"),
    [("plain", False), ("é ☎ اردو", False), ("a\x00", True), ("\ud800", True), ("\udfff x", True)],
)
def test_p14_what_counts_as_unstorable(text, bad):
    assert has_unstorable(text) is bad
