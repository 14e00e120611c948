"""Opt-in marketing (P7): double opt-in, one-click unsubscribe, preferences by signed link."""

import re

import pytest
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from candor.messaging import audience, links, subscriptions
from candor.messaging.marketing import NotMarketingTemplate, enqueue_marketing
from candor.messaging.models import (
    MailClass,
    OutboxMessage,
    Subscription,
    SubscriptionEvent,
    SubscriptionStatus,
)

pytestmark = pytest.mark.django_db

URL = re.compile(r"http://testserver\S+")


def _links_in(message) -> list[str]:
    return URL.findall(message.body)


def _subscribe(client, email="sana@example.com"):
    return client.post(reverse("messaging:subscribe"), {"email": email})


def _page(response) -> str:
    """The page without its per-visitor form token."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def _confirm_link(message) -> str:
    return next(u for u in _links_in(message) if "/mail/confirm/" in u)


@pytest.fixture
def signed_days_ago(monkeypatch):
    """Make links signed now look as if they were signed `days` ago."""
    import time
    from types import SimpleNamespace

    def _shift(days):
        earlier = SimpleNamespace(time=lambda: time.time() - days * 86400)
        monkeypatch.setattr("django.core.signing.time", earlier)

    return _shift


@pytest.fixture
def confirmed(committed):
    """A confirmed newsletter subscription for sana@example.com."""
    topic = subscriptions.newsletter_topic()
    committed(
        subscriptions.request_subscription,
        email="sana@example.com",
        topics=[topic],
        source="test",
    )
    token = _confirm_link(mail.outbox[-1]).rsplit("/", 2)[-2]
    subscriptions.confirm_subscription(token=token)
    mail.outbox.clear()
    return Subscription.objects.get(email="sana@example.com", topic=topic)


def test_p7_subscribing_sends_a_confirmation_and_confirms_nothing(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _subscribe(client, "Sana@Example.com ")
    assert response.status_code == 200
    assert b"We send nothing until you click it" in response.content
    subscription = Subscription.objects.get()
    assert (subscription.email, subscription.status) == ("sana@example.com", "pending")
    assert subscription.confirmed_at is None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sana@example.com"]
    assert "List-Unsubscribe" not in message.extra_headers  # a confirmation is not marketing
    outbox_row = OutboxMessage.objects.get()
    assert outbox_row.mail_class == MailClass.TRANSACTIONAL
    assert "Newsletter and offers" in message.body


def test_p7_the_answer_is_the_same_for_a_known_address(client, confirmed):
    first = _subscribe(client, "sana@example.com")
    second = _subscribe(client, "nobody-yet@example.com")
    assert _page(first) == _page(second)


def test_p7_confirming_takes_a_post_and_records_when_how_and_which_policy(
    client, committed, settings
):
    settings.PRIVACY_POLICY_VERSION = "2026-11-v3"
    committed(_subscribe, client)
    link = _confirm_link(mail.outbox[0])
    page = client.get(link)
    assert page.status_code == 200
    assert Subscription.objects.get().status == "pending"  # a link scanner confirms nothing
    done = client.post(link)
    assert done.status_code == 200
    assert b"You will now receive: Newsletter and offers" in done.content
    subscription = Subscription.objects.get()
    assert subscription.status == SubscriptionStatus.CONFIRMED
    assert subscription.confirmed_at is not None
    assert subscription.confirmed_policy_version == "2026-11-v3"
    assert subscription.source == "newsletter form"
    assert list(subscription.events.values_list("action", "source", "policy_version")) == [
        ("requested", "newsletter form", "2026-11-v3"),
        ("confirmed", "confirmation link", "2026-11-v3"),
    ]


def test_p7_a_confirmation_link_works_once(client, committed):
    committed(_subscribe, client)
    link = _confirm_link(mail.outbox[0])
    client.post(link)
    again = client.post(link)
    assert again.status_code == 410
    assert b"already been used" in again.content
    assert SubscriptionEvent.objects.filter(action="confirmed").count() == 1


def test_p14_an_expired_confirmation_link_is_refused_and_changes_nothing(
    client, committed, signed_days_ago, monkeypatch
):
    signed_days_ago(8)
    committed(_subscribe, client)
    monkeypatch.undo()
    link = _confirm_link(mail.outbox[0])
    response = client.post(link)
    assert response.status_code == 410
    assert b"expired" in response.content
    assert Subscription.objects.get().status == "pending"


def test_p14_a_tampered_link_is_refused(client, committed):
    committed(_subscribe, client)
    link = _confirm_link(mail.outbox[0])
    response = client.post(link[:-6] + "AAAAA/")
    assert response.status_code == 400
    assert b"has been changed" in response.content
    assert Subscription.objects.get().status == "pending"


def test_p7_a_second_request_soon_after_mails_nothing_more(client, committed):
    committed(_subscribe, client)
    committed(_subscribe, client)
    assert len(mail.outbox) == 1


def test_p7_bad_addresses_are_refused_with_a_message(client):
    response = _subscribe(client, "not-an-address")
    assert response.status_code == 400
    assert b"Enter a valid email address" in response.content
    assert not Subscription.objects.exists()
    with pytest.raises(ValidationError):
        subscriptions.request_subscription(email="x@", topics=[], source="t")


def _unsubscribe_url(email="sana@example.com", topic="newsletter", mailing="campaign:1"):
    return links.unsubscribe_url(links.unsubscribe_token(email, topic, mailing))


def test_p7_one_click_post_unsubscribes_at_once_without_signing_in(confirmed):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(
        _unsubscribe_url(),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    confirmed.refresh_from_db()
    assert confirmed.status == SubscriptionStatus.UNSUBSCRIBED
    event = confirmed.events.last()
    assert (event.action, event.source, event.mailing) == (
        "unsubscribed",
        "one-click link",
        "campaign:1",
    )


def test_p7_opening_the_unsubscribe_link_does_not_unsubscribe(client, confirmed):
    response = client.get(_unsubscribe_url())
    assert response.status_code == 200
    assert b'<form method="post">' in response.content
    confirmed.refresh_from_db()
    assert confirmed.status == SubscriptionStatus.CONFIRMED


def test_p7_a_forged_unsubscribe_link_changes_nothing(client, confirmed):
    forged = signing.dumps({"e": "sana@example.com", "t": "newsletter"}, salt="other")
    response = client.post(reverse("messaging:unsubscribe", args=[forged]))
    assert response.status_code == 400
    confirmed.refresh_from_db()
    assert confirmed.status == SubscriptionStatus.CONFIRMED


def test_p7_preferences_untick_ends_at_once_and_resubscribing_needs_a_new_confirmation(
    client, confirmed, django_capture_on_commit_callbacks
):
    url = links.preferences_url("sana@example.com")
    page = client.get(url)
    assert b"Newsletter and offers" in page.content and b"checked" in page.content
    client.post(url, {"action": "save"})  # nothing ticked
    confirmed.refresh_from_db()
    assert confirmed.status == SubscriptionStatus.UNSUBSCRIBED
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "save", "topics": [confirmed.topic_id]})
    assert b"will start once you confirm" in response.content
    confirmed.refresh_from_db()
    assert confirmed.status == SubscriptionStatus.PENDING
    assert len(mail.outbox) == 1 and "/mail/confirm/" in mail.outbox[0].body


def test_p7_unsubscribe_from_everything(client, confirmed, committed):
    other = subscriptions.ensure_topic(key="category:3", kind="category", label="New: Phones")
    subscriptions.request_subscription(email="sana@example.com", topics=[other], source="t")
    client.post(links.preferences_url("sana@example.com"), {"action": "stop_all"})
    assert set(Subscription.objects.values_list("status", flat=True)) == {"unsubscribed"}


def test_p14_an_expired_preferences_link_offers_a_fresh_one(
    client, confirmed, signed_days_ago, monkeypatch
):
    signed_days_ago(31)
    url = links.preferences_url("sana@example.com")
    monkeypatch.undo()
    response = client.get(url)
    assert response.status_code == 410
    assert b"Get a fresh link" in response.content


def test_p7_asking_for_a_preferences_link_reveals_nothing(client, confirmed, committed):
    known = committed(
        client.post, reverse("messaging:preferences_request"), {"email": "sana@example.com"}
    )
    unknown = committed(
        client.post, reverse("messaging:preferences_request"), {"email": "who@example.com"}
    )
    assert _page(known) == _page(unknown)
    assert [m.to for m in mail.outbox] == [["sana@example.com"]]
    assert "/mail/preferences/" in mail.outbox[0].body


def test_p7_marketing_goes_only_to_confirmed_and_allowed_addresses(confirmed, committed):
    pending = Subscription.objects.create(
        email="lina@example.com",
        topic=confirmed.topic,
        source="t",
        requested_at=timezone.now(),
    )
    assert (
        enqueue_marketing(
            subscription=pending,
            template="messaging/email/test_offer",
            context={},
            idempotency_key="offer:lina",
        )
        is None
    )

    def blocked():
        return Subscription.objects.filter(email="sana@example.com").values(address=Lower("email"))

    audience.register_marketing_exclusion(blocked)
    try:
        assert (
            enqueue_marketing(
                subscription=confirmed,
                template="messaging/email/test_offer",
                context={},
                idempotency_key="offer:sana",
            )
            is None
        )
        assert subscriptions.confirmed_audience(confirmed.topic).count() == 0
    finally:
        audience._providers.remove(blocked)
    message = committed(
        enqueue_marketing,
        subscription=confirmed,
        template="messaging/email/test_offer",
        context={},
        idempotency_key="offer:sana",
    )
    assert message.mail_class == MailClass.MARKETING
    assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    sent = mail.outbox[0]
    assert sent.extra_headers["List-Unsubscribe"].startswith("<http://testserver/mail/unsubscribe/")
    assert (
        "mailto:unsubscribe@candor.example?subject=unsubscribe"
        in sent.extra_headers["List-Unsubscribe"]
    )
    foot = sent.body.strip().splitlines()[-4:]
    assert foot[1].startswith("To stop it, unsubscribe here: http://testserver/mail/")


def test_p7_a_marketing_mail_without_the_unsubscribe_foot_is_refused(confirmed):
    with pytest.raises(NotMarketingTemplate):
        enqueue_marketing(
            subscription=confirmed,
            template="messaging/email/confirm_subscription",  # transactional base
            context={"topics": []},
            idempotency_key="wrong",
        )


def test_p7_a_signed_in_customer_reaches_their_own_preferences_from_the_account(client):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(email="rabia@example.com", password="x" * 12)
    client.force_login(user)
    account = client.get(reverse("accounts:profile"))
    assert reverse("messaging:my_preferences").encode() in account.content
    response = client.get(reverse("messaging:my_preferences"))
    assert response.status_code == 302
    token = response["Location"].rstrip("/").rsplit("/", 1)[1]
    assert links.read_preferences_token(token) == "rabia@example.com"


def test_p7_preferences_need_a_sign_in_or_a_link(client):
    response = client.get(reverse("messaging:my_preferences"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
