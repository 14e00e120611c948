"""Withdrawing consent stops marketing already written (P7 "at once", P20), and the review's
bad-input cases for the mail pages."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from candor.messaging import subscriptions
from candor.messaging.marketing import enqueue_marketing
from candor.messaging.models import OutboxMessage, OutboxStatus, Subscription, SubscriptionStatus
from candor.messaging.services import deliver_batch

from .recording import sends as _sends

pytestmark = pytest.mark.django_db


def _confirmed(email: str, topic=None) -> Subscription:
    return Subscription.objects.create(
        email=email,
        topic=topic or subscriptions.newsletter_topic(),
        status=SubscriptionStatus.CONFIRMED,
        source="test",
        requested_at=timezone.now(),
    )


def _offer(subscription: Subscription, key: str) -> OutboxMessage:
    return enqueue_marketing(
        subscription=subscription,
        template="messaging/email/test_offer",
        context={},
        idempotency_key=key,
    )


def test_p7_unsubscribing_withdraws_marketing_not_yet_sent(backend):
    stays = _confirmed("noor@example.com")
    newsletter = _offer(stays, "offer:noor")
    other = _confirmed(
        "noor@example.com",
        subscriptions.ensure_topic(key="category:1", kind="category", label="New: Phones"),
    )
    category_mail = _offer(other, "new:noor")
    subscriptions.unsubscribe(email="noor@example.com", topic_key="newsletter", source="test")
    newsletter.refresh_from_db()
    assert newsletter.status == OutboxStatus.WITHDRAWN
    assert deliver_batch([newsletter.pk, category_mail.pk]) == 1
    assert _sends() == ["noor@example.com"]
    category_mail.refresh_from_db()
    assert category_mail.status == OutboxStatus.SENT


def test_p7_consent_is_checked_again_when_the_message_goes(backend):
    """Consent ended by a path that did not withdraw the row (a staff fix, an old row): the
    worker checks at sending time and does not send."""
    subscription = _confirmed("noor@example.com")
    message = _offer(subscription, "offer:noor")
    Subscription.objects.filter(pk=subscription.pk).update(status=SubscriptionStatus.UNSUBSCRIBED)
    assert deliver_batch([message.pk]) == 0
    message.refresh_from_db()
    assert message.status == OutboxStatus.WITHDRAWN
    assert _sends() == []


def test_p7_unsubscribing_while_a_batch_is_running_stops_the_rest(backend):
    first = _offer(_confirmed("a@example.com"), "offer:a")
    second = _offer(_confirmed("b@example.com"), "offer:b")
    backend.meanwhile["a@example.com"] = lambda: subscriptions.unsubscribe(
        email="b@example.com", source="one-click link"
    )
    assert deliver_batch([first.pk, second.pk]) == 1
    assert _sends() == ["a@example.com"]
    second.refresh_from_db()
    assert second.status == OutboxStatus.WITHDRAWN


def test_p20_disabling_an_account_withdraws_its_waiting_marketing(backend):
    from allauth.account.models import EmailAddress

    from candor.accounts.services import disable_account

    user = get_user_model().objects.create_user(email="Noor@Example.com", password="x" * 12)
    EmailAddress.objects.create(user=user, email="noor.work@example.com", verified=True)
    waiting = [
        _offer(_confirmed("noor@example.com"), "offer:1"),
        _offer(_confirmed("noor.work@example.com"), "offer:2"),
    ]
    disable_account(user=user, acting_user=None)
    assert deliver_batch([m.pk for m in waiting]) == 0
    assert {m.status for m in OutboxMessage.objects.filter(pk__in=[m.pk for m in waiting])} == {
        OutboxStatus.WITHDRAWN
    }
    assert _sends() == []


def test_p7_p20_an_account_restricted_after_the_mail_was_written_gets_none(backend):
    message = _offer(_confirmed("rida@example.com"), "offer:rida")
    user = get_user_model().objects.create_user(email="RIDA@example.com", password="x" * 12)
    user.processing_restricted = True
    user.save()
    assert deliver_batch([message.pk]) == 0
    message.refresh_from_db()
    assert message.status == OutboxStatus.WITHDRAWN


def test_p7_one_confirmation_mail_per_address_however_many_forms(client, committed):
    from tests.factories import VariantFactory

    sold_out = [VariantFactory(stock=0) for _ in range(3)]
    for variant in sold_out:
        committed(
            client.post,
            reverse("catalog:notify_when_back", args=[variant.product.slug]),
            {"email": "victim@example.com", "variant": variant.pk},
        )
    committed(client.post, reverse("messaging:subscribe"), {"email": "victim@example.com"})
    assert len(mail.outbox) == 1


def test_p7_the_preferences_form_ignores_odd_digits(client):
    from candor.messaging import links

    _confirmed("noor@example.com")
    response = client.post(
        links.preferences_url("noor@example.com"), {"action": "save", "topics": ["²", "x"]}
    )
    assert response.status_code == 200
    assert Subscription.objects.get().status == SubscriptionStatus.UNSUBSCRIBED


def test_p7_the_longest_valid_address_can_subscribe(client, committed):
    email = f"{'a' * 64}@{'b' * 63}.{'c' * 63}.{'d' * 53}.example"
    assert len(email) == 254
    response = committed(client.post, reverse("messaging:subscribe"), {"email": email})
    assert response.status_code == 200
    assert mail.outbox[0].to == [email]


def test_p7_subjects_are_not_html_escaped(committed):
    from candor.campaigns.models import Campaign
    from candor.campaigns.services import render_campaign

    campaign = Campaign.objects.create(
        subject="Tips & tricks for O'Brien", intro="Hi.", topic=subscriptions.newsletter_topic()
    )
    assert render_campaign(campaign).subject == "Tips & tricks for O'Brien"
