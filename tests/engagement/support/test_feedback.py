"""P5: site feedback from the footer of every page. Anonymous: the words and the page path,
no account, address or cookie. It works without JavaScript, and the footer form carries no CSRF
token, so pages still set no cookie before a visitor acts (P1); the endpoint asks the browser
where the request came from instead."""

import html
import re

import pytest
from django.test import Client
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from candor.engagement.support.links import thread_token
from candor.engagement.support.models import Feedback
from candor.orders.links import lookup_token
from candor.privacy.card_numbers import MASKED_NOTICE

from .conftest import SAME_ORIGIN, alerts

pytestmark = pytest.mark.django_db

FORM = '<form class="feedback" method="post" action="/support/feedback/">'


def send(client: Client, message="The filters are hard to find.", referer=None, **extra):
    headers = {**SAME_ORIGIN, **extra}
    if referer is not None:
        headers["HTTP_REFERER"] = referer
    return client.post("/support/feedback/", {"message": message}, **headers)


def test_p5_p1_every_page_has_the_feedback_form_and_still_sets_no_cookie(client, variant):
    for url in ("/", variant.product.get_absolute_url(), "/privacy/", "/support/"):
        response = client.get(url)
        html = response.content.decode()
        assert FORM in html, url
        assert '<label for="site-feedback">' in html
        assert 'maxlength="1000"' in html
    home = client.get("/")
    assert dict(home.cookies) == {}
    footer = home.content.decode().split('<footer class="site-footer">')[1]
    assert "csrfmiddlewaretoken" not in footer


def back_link(response) -> str:
    """Where the thank-you page sends the visitor back to."""
    found = re.search(
        r'<a href="([^"]*)">Back to the page you were on</a>', response.content.decode()
    )
    return html.unescape(found.group(1)) if found else ""


def test_p5_feedback_is_stored_with_the_page_path_only_and_the_visitor_thanked(client):
    response = send(client, referer="http://testserver/c/phones/?q=my+name&page=2")
    assert response.status_code == 200
    assert "Thank you for your feedback." in response.content.decode()
    assert back_link(response) == "/c/phones/?q=my+name&page=2"
    feedback = Feedback.objects.get()
    assert (feedback.message, feedback.page_path) == ("The filters are hard to find.", "/c/phones/")


def test_p5_p1_feedback_starts_no_session_and_sets_no_cookie(client):
    response = send(client, referer="http://testserver/")
    assert response.status_code == 200
    assert dict(response.cookies) == {}
    assert Feedback.objects.count() == 1


def test_p5_feedback_is_anonymous(browser):
    """Even from a signed-in customer: the model has no field for who sent it."""
    send(browser, referer="http://testserver/account/")
    assert {f.name for f in Feedback._meta.concrete_fields} == {
        "id",
        "message",
        "page_path",
        "created_at",
    }
    assert Feedback.objects.get().page_path == "/account/"


@pytest.mark.parametrize(
    "referer",
    [None, "", "https://evil.example/c/phones/", "//evil.example/", "javascript:alert(1)"],
)
def test_p5_a_page_that_is_not_ours_is_not_stored(client, referer):
    response = send(client, referer=referer)
    assert response.status_code == 200 and back_link(response) == "/"
    assert Feedback.objects.get().page_path == ""


def test_p5_p14_the_token_of_a_signed_link_is_not_kept(client, open_thread, place, variant):
    """Feedback sent from a page opened by a mailed link stores the page's route, not the
    token that opens it; the visitor still goes back to the page they were on."""
    order = place({variant.pk: 1})
    thread = open_thread().thread
    for path, route in (
        (f"/orders/view/{lookup_token(order.number)}/", "/orders/view/<str:token>/"),
        (f"/support/t/{thread_token(thread.number)}/", "/support/t/<str:token>/"),
    ):
        response = send(client, referer=f"http://testserver{path}")
        assert back_link(response) == path
        assert Feedback.objects.order_by("id").last().page_path == route


def test_p13_a_card_number_in_feedback_is_masked_and_the_visitor_told(client):
    response = send(client, message="Paid with 4242 4242 4242 4242", referer="http://testserver/")
    assert Feedback.objects.get().message == "Paid with •••• •••• •••• 4242"
    assert escape(MASKED_NOTICE) in response.content.decode()


def test_p5_empty_or_oversized_feedback_is_refused_with_the_form_again(client):
    for message, error in (
        ("", "This field is required."),
        ("   ", "This field is required."),
        ("x" * 1001, "Ensure this value has at most 1000 characters (it has 1001)."),
    ):
        response = send(client, message=message, referer="http://testserver/c/phones/")
        assert response.status_code == 400
        assert alerts(response) == [error]
        html = response.content.decode()
        assert '<input type="hidden" name="page" value="/c/phones/">' in html
    assert not Feedback.objects.exists()
    # Sent again from that page, it keeps the original page and goes back there.
    response = client.post(
        "/support/feedback/", {"message": "Fine now", "page": "/c/phones/"}, **SAME_ORIGIN
    )
    assert back_link(response) == "/c/phones/"
    assert Feedback.objects.get().page_path == "/c/phones/"


def test_p5_feedback_from_another_site_is_refused(client):
    for headers in (
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_ORIGIN": "https://evil.example"},
        {},  # says nothing about where it came from
    ):
        response = client.post("/support/feedback/", {"message": "spam"}, **headers)
        assert response.status_code == 403
        assert "We take feedback only from this site&#x27;s own pages" in (
            response.content.decode()
        )
    assert not Feedback.objects.exists()
    ok = client.post("/support/feedback/", {"message": "ok"}, HTTP_ORIGIN="http://testserver")
    assert ok.status_code == 200


def test_p5_feedback_is_post_only(client):
    assert client.get("/support/feedback/").status_code == 405
    assert not Feedback.objects.exists()


def test_p5_one_visitor_cannot_flood_the_feedback(client):
    for _ in range(10):
        assert send(client).status_code == 200
    assert send(client).status_code == 429
    assert Feedback.objects.count() == 10


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=1200),
    st.one_of(st.none(), st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)),
)
def test_p5_the_feedback_endpoint_never_fails(message, page):
    from django.core.cache import cache

    cache.clear()
    before = Feedback.objects.count()
    data = {"message": message} if page is None else {"message": message, "page": page}
    response = Client().post("/support/feedback/", data, **SAME_ORIGIN)
    assert response.status_code in (200, 400)
    stored = Feedback.objects.count() - before
    assert stored == (1 if response.status_code == 200 else 0)
    if stored:
        path = Feedback.objects.order_by("id").last().page_path
        assert path == "" or (path.startswith("/") and not path.startswith("//"))
        assert len(path) <= 200
