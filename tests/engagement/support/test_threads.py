"""P5: customers read and reply to their support threads, signed in (/support/mine/) or through
the signed link in our mail (P14: signed, expiring). Someone else's thread is "not found", a
forged or expired link discloses nothing, and a double submit posts one reply."""

import re
import time
import uuid
from unittest import mock

import pytest
from django.core import signing
from django.test import Client
from django.utils.html import escape

from candor.engagement.support import services
from candor.engagement.support.links import SALT, thread_token
from candor.engagement.support.models import EventKind, Message, Thread, ThreadStatus
from candor.engagement.support.views import BAD_LINK, EXPIRED_LINK, NOT_FOUND
from candor.privacy.card_numbers import MASKED_NOTICE
from tests.factories import UserFactory

from .conftest import alerts

pytestmark = pytest.mark.django_db


def reply_token(client: Client, url: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', client.get(url).content.decode())[1]


def link(thread: Thread) -> str:
    return f"/support/t/{thread_token(thread.number)}/"


def not_found(response) -> str:
    assert response.status_code == 404
    return re.search(r"<h1>[^<]*</h1><p>(.*?)</p>", response.content.decode())[1]


# --- the account's list and page ----------------------------------------------------------------


def test_p5_the_account_lists_my_threads_only_newest_first(browser, shopper, open_thread):
    older = open_thread(customer=shopper, email=shopper.email, subject="First").thread
    newer = open_thread(customer=shopper, email=shopper.email, subject="Second").thread
    theirs = open_thread(customer=UserFactory(), subject="Not mine").thread
    guest = open_thread(email=shopper.email, subject="As a guest").thread
    Thread.objects.filter(pk=older.pk).update(last_activity_at=newer.last_activity_at.replace(2020))
    response = browser.get("/support/mine/")
    assert response.status_code == 200
    assert [t.number for t in response.context["page"]] == [newer.number, older.number]
    html = response.content.decode()
    assert theirs.number not in html and guest.number not in html
    assert '<a href="/support/mine/" aria-current="page">Support</a>' in html


def test_p5_the_account_pages_need_signing_in(client, open_thread):
    thread = open_thread().thread
    for url in ("/support/mine/", f"/support/mine/{thread.number}/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_p5_my_thread_shows_the_conversation_but_never_internal_notes(
    browser, shopper, open_thread, admin_user
):
    thread = open_thread(customer=shopper, email=shopper.email).thread
    services.add_internal_note(thread=thread, body="Customer seems upset", acting_user=admin_user)
    services.answer_thread(thread=thread, body="Please restart it.", acting_user=admin_user)
    html = browser.get(f"/support/mine/{thread.number}/").content.decode()
    assert "My new phone&#x27;s screen flickers." in html
    assert "Please restart it." in html
    assert "Customer seems upset" not in html
    assert admin_user.email not in html  # staff are "customer service", not named
    assert "Status: <strong>Waiting on customer</strong>" in html


def test_p5_someone_else_s_thread_is_not_found(browser, open_thread):
    theirs = open_thread(customer=UserFactory()).thread
    guest = open_thread().thread
    for thread in (theirs, guest):
        assert not_found(browser.get(f"/support/mine/{thread.number}/")) == NOT_FOUND
        before = Message.objects.count()
        response = browser.post(
            f"/support/mine/{thread.number}/reply/", {"token": uuid.uuid4(), "message": "hi"}
        )
        assert not_found(response) == NOT_FOUND
        assert Message.objects.count() == before
    assert not_found(browser.get("/support/mine/SR-NONE-NONE/")) == NOT_FOUND


def test_p5_the_thread_page_pins_its_queries(
    browser, shopper, open_thread, admin_user, django_assert_num_queries
):
    thread = open_thread(customer=shopper, email=shopper.email).thread
    for n in range(3):
        services.answer_thread(thread=thread, body=f"Answer {n}", acting_user=admin_user)
        services.reply_to_thread(thread=thread, body=f"Reply {n}", token=uuid.uuid4())
    url = f"/support/mine/{thread.number}/"
    browser.get(url)
    # session, user, cart count; thread with its order, messages, attachments
    with django_assert_num_queries(6):
        response = browser.get(url)
    assert len(response.context["thread_messages"]) == 7
    with django_assert_num_queries(3):  # no session or user: thread, messages, attachments
        assert Client().get(link(thread)).status_code == 200


# --- replying ---------------------------------------------------------------------------------


def test_p5_replying_reopens_the_thread_for_staff(browser, shopper, open_thread, admin_user):
    thread = open_thread(customer=shopper, email=shopper.email).thread
    services.answer_thread(thread=thread, body="Try this.", acting_user=admin_user)
    url = f"/support/mine/{thread.number}/"
    response = browser.post(
        f"{url}reply/", {"token": reply_token(browser, url), "message": "Did not help."}
    )
    assert response.status_code == 302 and response["Location"] == url
    thread.refresh_from_db()
    assert thread.status == ThreadStatus.OPEN
    assert list(thread.messages.values_list("author_kind", "body")) == [
        ("customer", "My new phone's screen flickers."),
        ("staff", "Try this."),
        ("customer", "Did not help."),
    ]
    assert "Your reply was sent." in browser.get(url).content.decode()


def test_p5_a_double_submitted_reply_is_one_message(browser, shopper, open_thread):
    thread = open_thread(customer=shopper, email=shopper.email).thread
    url = f"/support/mine/{thread.number}/"
    data = {"token": reply_token(browser, url), "message": "Hello again"}
    assert browser.post(f"{url}reply/", data).status_code == 302
    assert browser.post(f"{url}reply/", data).status_code == 302
    assert thread.messages.filter(body="Hello again").count() == 1


def test_p5_a_reply_token_used_on_another_thread_is_refused(browser, shopper, open_thread):
    first = open_thread(customer=shopper, email=shopper.email).thread
    second = open_thread(customer=shopper, email=shopper.email).thread
    token = reply_token(browser, f"/support/mine/{first.number}/")
    browser.post(f"/support/mine/{first.number}/reply/", {"token": token, "message": "One"})
    response = browser.post(
        f"/support/mine/{second.number}/reply/", {"token": token, "message": "Two"}
    )
    assert response.status_code == 400
    assert alerts(response) == ["This form was already used. Please reload the page and try again."]
    assert not second.messages.filter(body="Two").exists()


def test_p5_a_closed_thread_says_it_reopens_by_replying(browser, shopper, open_thread, admin_user):
    thread = open_thread(customer=shopper, email=shopper.email).thread
    services.close_thread(thread=thread, acting_user=admin_user)
    url = f"/support/mine/{thread.number}/"
    assert "This conversation is closed. Reopen it by replying below." in (
        browser.get(url).content.decode()
    )
    browser.post(f"{url}reply/", {"token": reply_token(browser, url), "message": "Again"})
    thread.refresh_from_db()
    assert thread.status == ThreadStatus.OPEN
    assert list(thread.events.values_list("kind", "acting_user", "detail")) == [
        (EventKind.CLOSED, admin_user.pk, ""),
        (EventKind.REOPENED, None, "The customer replied."),
    ]
    assert "This conversation is closed" not in browser.get(url).content.decode()


def test_p13_a_card_number_in_a_reply_is_masked_and_the_customer_told(
    browser, shopper, open_thread
):
    thread = open_thread(customer=shopper, email=shopper.email).thread
    url = f"/support/mine/{thread.number}/"
    response = browser.post(
        f"{url}reply/",
        {"token": reply_token(browser, url), "message": "Use 5555 5555 5555 4444 please"},
        follow=True,
    )
    assert thread.messages.last().body == "Use •••• •••• •••• 4444 please"
    assert escape(MASKED_NOTICE) in response.content.decode()


def test_p5_an_empty_or_oversized_reply_is_refused_and_nothing_stored(
    browser, shopper, open_thread
):
    thread = open_thread(customer=shopper, email=shopper.email).thread
    url = f"/support/mine/{thread.number}/"
    for message, error in (
        ("", "This field is required."),
        ("x" * 5001, "Ensure this value has at most 5000 characters (it has 5001)."),
    ):
        response = browser.post(
            f"{url}reply/", {"token": reply_token(browser, url), "message": message}
        )
        assert response.status_code == 400
        assert alerts(response) == [error]
    assert thread.messages.count() == 1


def test_p5_replies_are_post_only(browser, shopper, open_thread):
    thread = open_thread(customer=shopper, email=shopper.email).thread
    assert browser.get(f"/support/mine/{thread.number}/reply/").status_code == 405
    assert Client().get(f"{link(thread)}reply/").status_code == 405
    assert thread.messages.count() == 1


def test_p5_html_in_a_reply_is_escaped(browser, shopper, open_thread):
    thread = open_thread(customer=shopper, email=shopper.email).thread
    url = f"/support/mine/{thread.number}/"
    nasty = "<b onmouseover=alert(1)>hi</b>"
    browser.post(f"{url}reply/", {"token": reply_token(browser, url), "message": nasty})
    html = browser.get(url).content.decode()
    assert nasty not in html and escape(nasty) in html


# --- the signed link --------------------------------------------------------------------------


def test_p5_p14_the_link_opens_the_thread_and_takes_a_reply_without_signing_in(open_thread):
    thread = open_thread().thread
    guest = Client()
    url = link(thread)
    response = guest.get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "All your support conversations" not in response.content.decode()
    reply = guest.post(f"{url}reply/", {"token": reply_token(guest, url), "message": "Thanks"})
    assert reply.status_code == 302 and reply["Location"] == url
    assert thread.messages.last().body == "Thanks"


def test_p14_a_forged_link_is_not_found_and_says_nothing_more(open_thread):
    thread = open_thread().thread
    forged = signing.dumps({"t": thread.number}, salt="another.salt", compress=True)
    tampered = thread_token(thread.number)[:-2] + "xx"
    for token in (forged, tampered, "nonsense", thread.number):
        for response in (
            Client().get(f"/support/t/{token}/"),
            Client().post(f"/support/t/{token}/reply/", {"message": "x", "token": uuid.uuid4()}),
        ):
            assert response.status_code == 404
            html = response.content.decode()
            assert BAD_LINK in html.replace("&#x27;", "'")
            assert thread.number not in html and thread.subject not in html
    assert thread.messages.count() == 1


def test_p14_an_expired_link_is_gone_and_says_nothing_more(open_thread, settings):
    thread = open_thread().thread
    settings.SUPPORT_LINK_DAYS = 90
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 91 * 86400):
        expired = thread_token(thread.number)
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 89 * 86400):
        still_valid = thread_token(thread.number)
    for response in (
        Client().get(f"/support/t/{expired}/"),
        Client().post(f"/support/t/{expired}/reply/", {"message": "x", "token": uuid.uuid4()}),
    ):
        assert response.status_code == 410
        html = response.content.decode()
        assert escape(EXPIRED_LINK) in html
        assert thread.number not in html and thread.subject not in html
    assert thread.messages.count() == 1
    assert Client().get(f"/support/t/{still_valid}/").status_code == 200


def test_p14_a_link_made_for_another_purpose_is_refused(open_thread):
    from candor.orders.links import lookup_token

    thread = open_thread().thread
    assert Client().get(f"/support/t/{lookup_token(thread.number)}/").status_code == 404
    assert signing.loads(thread_token(thread.number), salt=SALT) == {"t": thread.number}


def test_p5_a_link_to_a_deleted_thread_is_not_found(open_thread):
    thread = open_thread().thread
    url = link(thread)
    thread.delete()
    response = Client().get(url)
    assert response.status_code == 404 and BAD_LINK in response.content.decode().replace(
        "&#x27;", "'"
    )
