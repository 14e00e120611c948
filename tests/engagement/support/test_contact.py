"""P5: the contact form opens a support thread, for guests and signed-in customers alike, and
mails a transactional acknowledgement with a signed link to it. P2: it asks only for what an
answer needs; the order number and photos are optional. P13: card numbers in what is typed are
masked before anything is stored, and the customer is told."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from candor.engagement.support.forms import NO_SUCH_ORDER_FOR_CUSTOMER, NO_SUCH_ORDER_FOR_GUEST
from candor.engagement.support.links import thread_from_token
from candor.engagement.support.models import Attachment, Message, Thread, ThreadStatus
from candor.messaging.models import MailClass, OutboxMessage
from candor.privacy.card_numbers import MASKED_NOTICE
from tests.factories import UserFactory

from .conftest import alerts, photo

pytestmark = pytest.mark.django_db

GUEST = {
    "name": "Sana Mir",
    "email": "sana@example.com",
    "subject": "Screen flickers",
    "message": "My new phone's screen flickers when the brightness is low.",
}


def form_token(client: Client, url: str = "/support/") -> str:
    html = client.get(url).content.decode()
    return re.search(r'name="token" value="([^"]+)"', html)[1]


def post(client: Client, data: dict, **extra):
    token = data.pop("token", None) or form_token(client)
    return client.post("/support/", {"token": token, **data}, **extra)


def nothing_stored():
    assert Thread.objects.count() == 0
    assert Message.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert OutboxMessage.objects.count() == 0


# --- guests ------------------------------------------------------------------------------------


def test_p5_a_guest_opens_a_thread_and_is_mailed_a_signed_link(client, committed):
    with_commit = committed(post, client, dict(GUEST))
    assert with_commit.status_code == 302 and with_commit["Location"] == "/support/sent/"
    thread = Thread.objects.get()
    assert re.fullmatch(r"SR-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", thread.number)
    assert (thread.name, thread.email, thread.subject) == (
        "Sana Mir",
        "sana@example.com",
        "Screen flickers",
    )
    assert thread.customer is None and thread.order is None
    assert thread.status == ThreadStatus.OPEN
    assert [(m.author_kind, m.body) for m in thread.messages.all()] == [
        ("customer", GUEST["message"])
    ]
    sent = client.get("/support/sent/").content.decode()
    assert f"Thank you: we received your message ({thread.number})." in sent
    assert "We have mailed you a link to the conversation." in sent

    ack = OutboxMessage.objects.get()
    assert ack.mail_class == MailClass.TRANSACTIONAL
    assert ack.sensitive is True
    assert ack.to_email == "sana@example.com"
    assert ack.subject == f"We received your message ({thread.number})"
    assert ack.idempotency_key == f"support:{thread.number}:opened"
    # Sensitive: the body is removed from the outbox once sent.
    assert ack.body_text == "(Removed after sending: it held a personal link.)"
    [delivered] = mail.outbox
    assert delivered.to == ["sana@example.com"]
    link = re.search(r"http://testserver(/support/t/[^/\s]+/)", delivered.body)[1]
    assert thread_from_token(link.split("/")[3]) == thread.number
    assert "the link works for 90 days" in delivered.body
    assert GUEST["message"] not in delivered.body  # the customer's words are not mailed back
    # The link opens the thread without signing in.
    page = Client().get(link)
    assert page.status_code == 200 and escape(GUEST["message"]) in page.content.decode()


def test_p2_a_guest_must_give_a_name_and_an_address(client):
    response = post(client, {"subject": "Hello", "message": "Hi"})
    assert response.status_code == 400
    assert alerts(response) == ["This field is required.", "This field is required."]
    nothing_stored()


def test_p2_the_form_marks_what_is_optional_and_asks_nothing_else(client):
    html = client.get("/support/").content.decode()
    labels = re.findall(r'<label for="id_[a-z_]+">([^<]*)</label>', html)
    assert labels == [
        "Your name",
        "Your email address",
        "Subject",
        "Message",
        "Order number (optional)",
        "Photos (optional, up to 3, 5 MB each)",
    ]


def test_p5_a_double_submit_opens_one_thread_and_sends_one_mail(client, committed):
    token = form_token(client)
    first = committed(post, client, {**GUEST, "token": token})
    second = committed(post, client, {**GUEST, "token": token})
    assert first.status_code == second.status_code == 302
    assert Thread.objects.count() == 1 and Message.objects.count() == 1
    assert OutboxMessage.objects.count() == 1


def test_p5_a_guest_may_name_an_order_placed_with_their_address(client, place, variant):
    order = place({variant.pk: 1}, customer=_customer("Sana@Example.com"))
    response = post(client, {**GUEST, "order_number": f" {order.number.lower()} "})
    assert response.status_code == 302
    assert Thread.objects.get().order == order


def _customer(email):
    from candor.orders.services import CustomerDetails

    return CustomerDetails(
        email=email,
        phone="+923001234567",
        shipping_name="Sana Mir",
        shipping_line1="1 Road",
        shipping_city="Lahore",
        shipping_country="PK",
    )


def test_p5_a_guest_cannot_name_someone_else_s_order_and_learns_nothing(client, place, variant):
    """The same words whether the order exists for another address or not at all."""
    theirs = place({variant.pk: 1}, customer=_customer("other@example.com"))
    OutboxMessage.objects.all().delete()
    for number in (theirs.number, "CN-2222-3333"):
        response = post(client, {**GUEST, "order_number": number})
        assert response.status_code == 400
        assert alerts(response) == [NO_SUCH_ORDER_FOR_GUEST]
    nothing_stored()


# --- signed-in customers ----------------------------------------------------------------------


def test_p5_a_customer_s_form_is_prefilled_and_the_thread_joins_the_account(
    browser, shopper, committed, place, variant
):
    html = browser.get("/support/").content.decode()
    assert 'name="email"' not in html
    assert "We will answer at <strong>ayesha@example.com</strong>." in html
    assert 'value="Ayesha Khan"' in html
    order = place({variant.pk: 1}, user=shopper)
    token = form_token(browser)
    response = committed(
        browser.post,
        "/support/",
        {
            "token": token,
            "name": "Ayesha Khan",
            "email": "someone-else@example.com",  # not a field for customers: ignored
            "subject": "Where is my order?",
            "message": "It has been a week.",
            "order_number": order.number,
        },
    )
    thread = Thread.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/support/mine/{thread.number}/"
    assert (thread.customer, thread.email, thread.order) == (shopper, "ayesha@example.com", order)
    assert OutboxMessage.objects.get(template="support/email/opened").to_email == (
        "ayesha@example.com"
    )


def test_p5_a_customer_may_name_only_their_own_orders(browser, place, variant):
    guest_order = place({variant.pk: 1})  # the customer's address, but not in the account
    theirs = place({variant.pk: 1}, user=UserFactory())
    OutboxMessage.objects.all().delete()
    for number in (theirs.number, guest_order.number, "CN-9999-9999"):
        token = form_token(browser)
        response = browser.post(
            "/support/",
            {"token": token, "name": "A", "subject": "S", "message": "M", "order_number": number},
        )
        assert response.status_code == 400
        assert alerts(response) == [NO_SUCH_ORDER_FOR_CUSTOMER]
    nothing_stored()


# --- P13: card numbers --------------------------------------------------------------------------


def test_p13_card_numbers_in_the_name_subject_and_message_are_masked_and_the_customer_told(
    client,
):
    response = post(
        client,
        {
            **GUEST,
            "subject": "Charge 4242 4242 4242 4242 again",
            "message": "My card is 4111-1111-1111-1111, exp 12/27.",
        },
        follow=True,
    )
    thread = Thread.objects.get()
    assert thread.subject == "Charge •••• •••• •••• 4242 again"
    assert thread.messages.get().body == "My card is •••• •••• •••• 1111, exp 12/27."
    page = response.content.decode()
    assert escape(MASKED_NOTICE) in page
    assert "4111" not in OutboxMessage.objects.get().body_text
    assert "4242 4242" not in OutboxMessage.objects.get().subject


def test_p13_a_subject_full_of_card_numbers_still_fits_once_masked(client):
    """Masking writes a few characters more than the digits it replaces; the column has room."""
    cards = " ".join(["4242424242424242"] * 9)  # 152 characters, 9 cards
    subject = cards[:150]
    response = post(client, {**GUEST, "subject": subject})
    assert response.status_code == 302
    assert Thread.objects.get().subject.count("•••• •••• •••• 4242") == 8


def test_p5_html_in_what_is_typed_is_shown_as_text(client):
    nasty = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    post(client, {**GUEST, "subject": nasty, "message": nasty})
    thread = Thread.objects.get()
    from candor.engagement.support.links import thread_token

    html = client.get(f"/support/t/{thread_token(thread.number)}/").content.decode()
    assert nasty not in html
    assert escape(nasty) in html
    assert "<script>alert" not in html


# --- limits -------------------------------------------------------------------------------------


def test_p5_an_oversized_message_is_refused_and_nothing_stored(client):
    response = post(client, {**GUEST, "message": "x" * 5001})
    assert response.status_code == 400
    assert alerts(response) == ["Ensure this value has at most 5000 characters (it has 5001)."]
    nothing_stored()


def test_p5_one_address_cannot_flood_an_inbox_with_acknowledgements(client, settings):
    for _ in range(5):
        assert post(client, dict(GUEST)).status_code == 302
    response = post(client, dict(GUEST))
    assert response.status_code == 429
    assert "You have opened several requests in the last hour." in response.content.decode()
    assert Thread.objects.count() == 5 and OutboxMessage.objects.count() == 5


def test_p5_get_and_post_only(client):
    assert client.put("/support/").status_code == 405
    assert client.get("/support/sent/").status_code == 200


# --- query counts ------------------------------------------------------------------------------


def test_p5_the_contact_page_pins_its_queries(client, browser, django_assert_num_queries):
    from candor.core.models import ShopSettings

    ShopSettings.load()
    client.get("/support/")
    with django_assert_num_queries(0):  # the shop settings are cached
        assert client.get("/support/").status_code == 200
    browser.get("/support/")
    with django_assert_num_queries(3):  # session, user, cart count
        assert browser.get("/support/").status_code == 200


# --- bad input, generated --------------------------------------------------------------------

FIELDS = ["token", "name", "email", "subject", "message", "order_number"]
junk = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=60),
    st.sampled_from(["", " ", "x" * 6000, "CN-AAAA-BBBB", "not-a-uuid", "\x00", "a@b"]),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.dictionaries(st.sampled_from(FIELDS), junk), st.booleans())
def test_p5_the_contact_endpoint_never_fails_and_refused_input_stores_nothing(data, with_file):
    """No 5xx whatever is posted; a refusal (4xx) leaves no thread, message, file or mail."""
    from django.core.cache import cache

    cache.clear()
    client = Client()
    files = {"images": photo(kind="PNG")} if with_file else {}
    before = (Thread.objects.count(), Message.objects.count(), OutboxMessage.objects.count())
    response = client.post("/support/", {**data, **files})
    assert response.status_code < 500
    after = (Thread.objects.count(), Message.objects.count(), OutboxMessage.objects.count())
    if response.status_code >= 400:
        assert after == before
    else:
        assert response.status_code == 302
        assert after == (before[0] + 1, before[1] + 1, before[2] + 1)
