"""Opt-in marketing consent (P7): ask, confirm by link, change, withdraw.

Nothing marketing is ever sent to a subscription that is not confirmed. Every step writes a
SubscriptionEvent, so the history of a person's consent can be shown and proved.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from candor.privacy.policy import current_version_label

from . import links
from .audience import excluded_from_marketing
from .models import (
    MailClass,
    OutboxMessage,
    OutboxStatus,
    Subscription,
    SubscriptionEvent,
    SubscriptionStatus,
    Topic,
    TopicKind,
)
from .services import enqueue

NEWSLETTER_KEY = "newsletter"
# At most one confirmation mail per address in this window, whatever was asked for, so the
# forms cannot be used to flood someone's inbox.
RESEND_COOLDOWN = timedelta(minutes=10)
ACTIVE = (SubscriptionStatus.PENDING, SubscriptionStatus.CONFIRMED)


def normalize_email(email: str) -> str:
    """Lower-cased and checked; raises ValidationError with a readable message."""
    cleaned = (email or "").strip().lower()
    try:
        validate_email(cleaned)
    except ValidationError as error:
        raise ValidationError("Enter a valid email address.") from error
    return cleaned


def current_policy_version() -> str:
    """The privacy policy in effect, recorded with every consent step (P7, P21)."""
    return current_version_label()


def ensure_topic(*, key: str, kind: str, label: str, one_shot: bool = False) -> Topic:
    topic, created = Topic.objects.get_or_create(
        key=key, defaults={"kind": kind, "label": label, "one_shot": one_shot}
    )
    if not created and topic.label != label:
        Topic.objects.filter(pk=topic.pk).update(label=label)
        topic.label = label
    return topic


def newsletter_topic() -> Topic:
    return ensure_topic(
        key=NEWSLETTER_KEY, kind=TopicKind.NEWSLETTER, label="Newsletter and offers"
    )


def _event(subscription: Subscription, action: str, source: str, mailing: str = "") -> None:
    SubscriptionEvent.objects.create(
        subscription=subscription,
        action=action,
        source=source,
        policy_version=current_policy_version(),
        mailing=mailing,
    )


@dataclass(frozen=True)
class RequestOutcome:
    awaiting_confirmation: int  # topics now waiting for the person to click the link
    already_confirmed: int
    mailed: bool


@transaction.atomic
def request_subscription(*, email: str, topics: list[Topic], source: str) -> RequestOutcome:
    """Record a request and mail a confirmation link; nothing is confirmed yet (double opt-in).

    The caller shows the same answer whatever the outcome, so the form reveals nothing about
    whether an address is already on a list.
    """
    email = normalize_email(email)
    if not topics:
        raise ValidationError("Choose at least one topic.")
    now = timezone.now()
    nonce = secrets.token_hex(12)
    to_confirm: list[Subscription] = []
    confirmed = 0
    recently_mailed = Subscription.objects.filter(
        email=email, requested_at__gt=now - RESEND_COOLDOWN
    ).exclude(confirm_nonce="")
    mail = not recently_mailed.exists()
    for topic in topics:
        subscription, _ = Subscription.objects.select_for_update().get_or_create(
            email=email,
            topic=topic,
            defaults={"status": SubscriptionStatus.PENDING, "source": source, "requested_at": now},
        )
        if subscription.status == SubscriptionStatus.CONFIRMED:
            confirmed += 1
            continue
        to_confirm.append(subscription)
    mail = mail and bool(to_confirm)
    if mail:
        for subscription in to_confirm:
            subscription.status = SubscriptionStatus.PENDING
            subscription.source = source
            subscription.requested_at = now
            subscription.confirm_nonce = nonce
            subscription.ended_at = None
            subscription.save()
            _event(subscription, SubscriptionEvent.Action.REQUESTED, source)
        enqueue(
            template="messaging/email/confirm_subscription",
            to_email=email,
            context={
                "topics": [s.topic.label for s in to_confirm],
                "confirm_url": links.confirm_url(email, nonce),
                "days": settings.SUBSCRIBE_CONFIRM_DAYS,
            },
            mail_class=MailClass.TRANSACTIONAL,
            idempotency_key=f"subscribe:{email}:{nonce}",
            sensitive=True,
        )
    return RequestOutcome(len(to_confirm), confirmed, mail)


@transaction.atomic
def confirm_subscription(*, token: str) -> list[Subscription]:
    """Confirm what one link was mailed for. Raises links.BadLink (expired, invalid, used)."""
    email, nonce = links.read_confirm_token(token)
    pending = list(
        Subscription.objects.select_for_update()
        .select_related("topic")
        .filter(email=email, confirm_nonce=nonce, status=SubscriptionStatus.PENDING)
    )
    if not pending:
        raise links.BadLink("used")
    now = timezone.now()
    for subscription in pending:
        subscription.status = SubscriptionStatus.CONFIRMED
        subscription.confirmed_at = now
        subscription.confirmed_policy_version = current_policy_version()
        subscription.confirm_nonce = ""
        subscription.save()
        _event(subscription, SubscriptionEvent.Action.CONFIRMED, "confirmation link")
    return pending


@transaction.atomic
def unsubscribe(*, email: str, source: str, topic_key: str | None = None, mailing: str = "") -> int:
    """Withdraw consent at once: one topic, or everything when topic_key is None."""
    subscriptions = Subscription.objects.select_for_update().filter(
        email=email.strip().lower(), status__in=ACTIVE
    )
    if topic_key is not None:
        subscriptions = subscriptions.filter(topic__key=topic_key)
    ended = list(subscriptions)
    now = timezone.now()
    for subscription in ended:
        subscription.status = SubscriptionStatus.UNSUBSCRIBED
        subscription.ended_at = now
        subscription.confirm_nonce = ""
        subscription.save()
        _event(subscription, SubscriptionEvent.Action.UNSUBSCRIBED, source, mailing)
    withdraw_marketing(email=email, topic_key=topic_key)
    return len(ended)


def withdraw_marketing(*, email: str, topic_key: str | None = None) -> int:
    """Marketing to this address that has not gone yet will not go (P7: at once).

    A message a worker is transmitting at this instant is beyond recall; any other, waiting or
    claimed by a batch, is withdrawn, and the worker skips it when its turn comes.
    """
    waiting = OutboxMessage.objects.filter(
        to_email=email.strip().lower(),
        mail_class=MailClass.MARKETING,
        status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING],
    )
    if topic_key is not None:
        waiting = waiting.filter(topic_key=topic_key)
    return waiting.update(status=OutboxStatus.WITHDRAWN)


def subscriptions_of(email: str) -> list[Subscription]:
    return list(
        Subscription.objects.filter(email=email.strip().lower())
        .select_related("topic")
        .order_by("topic__kind", "topic__label")
    )


@transaction.atomic
def update_preferences(*, email: str, keep_topic_ids: set[int], add_topic_ids: set[int]) -> int:
    """Apply the preferences form: unticked topics end now; newly ticked ones need confirming.

    Returns how many topics now await confirmation.
    """
    source = "preferences page"
    for subscription in subscriptions_of(email):
        if subscription.status in ACTIVE and subscription.topic_id not in keep_topic_ids:
            unsubscribe(email=email, topic_key=subscription.topic.key, source=source)
    wanted = Topic.objects.filter(pk__in=add_topic_ids)
    already = {
        s.topic_id
        for s in Subscription.objects.filter(email=email, status__in=ACTIVE, topic__in=wanted)
    }
    new_topics = [t for t in wanted if t.pk not in already]
    if not new_topics:
        return 0
    return request_subscription(email=email, topics=new_topics, source=source).awaiting_confirmation


def confirmed_audience(topic: Topic) -> QuerySet[Subscription]:
    """Confirmed subscribers of a topic who may receive marketing at all, oldest first."""
    return (
        Subscription.objects.filter(topic=topic, status=SubscriptionStatus.CONFIRMED)
        .exclude(excluded_from_marketing("email"))
        .order_by("pk")
    )


def mark_fulfilled(subscription_ids: list[int]) -> None:
    """A one-shot notice went out: those subscriptions end, with a record of why."""
    now = timezone.now()
    with transaction.atomic():
        fulfilled = list(
            Subscription.objects.select_for_update().filter(
                pk__in=subscription_ids, status=SubscriptionStatus.CONFIRMED
            )
        )
        Subscription.objects.filter(pk__in=[s.pk for s in fulfilled]).update(
            status=SubscriptionStatus.FULFILLED, ended_at=now
        )
        SubscriptionEvent.objects.bulk_create(
            SubscriptionEvent(
                subscription=s,
                action=SubscriptionEvent.Action.FULFILLED,
                source="notice sent",
                policy_version=current_policy_version(),
            )
            for s in fulfilled
        )


def unsubscribes_from(mailing: str) -> int:
    """How many people unsubscribed through a given mailing's links."""
    return (
        SubscriptionEvent.objects.filter(
            mailing=mailing, action=SubscriptionEvent.Action.UNSUBSCRIBED
        )
        .values("subscription__email")
        .distinct()
        .count()
    )


PREFERENCES_LINK_SLOT_SECONDS = 600


def mail_preferences_link(*, email: str) -> bool:
    """Mail a fresh preferences link to an address we hold subscriptions for; at most one per
    ten minutes. Returns whether one was written; callers answer the same either way."""
    email = normalize_email(email)
    if not Subscription.objects.filter(email=email).exists():
        return False
    slot = int(timezone.now().timestamp() // PREFERENCES_LINK_SLOT_SECONDS)
    with transaction.atomic():
        enqueue(
            template="messaging/email/preferences_link",
            to_email=email,
            context={
                "preferences_url": links.preferences_url(email),
                "days": settings.MAIL_PREFERENCES_LINK_DAYS,
            },
            mail_class=MailClass.TRANSACTIONAL,
            idempotency_key=f"preferences-link:{email}:{slot}",
            sensitive=True,
        )
    return True
