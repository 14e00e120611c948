"""What messaging holds about a subject (P20): mail in the outbox and marketing consent.

Erasure deletes every outbox message to the subject's addresses (nothing more will be sent to
them) and every subscription with its history: a withdrawn consent needs no proof once the
address itself is gone.
"""

from __future__ import annotations

from typing import Any

from candor.privacy.registry import Counts, Holder, counts, email_q, export_rows
from candor.privacy.subjects import Subject

from .models import OutboxMessage, Subscription, SubscriptionEvent

OUTBOX = OutboxMessage._meta.label
SUBSCRIPTION = Subscription._meta.label
EVENT = SubscriptionEvent._meta.label


def _outbox(subject: Subject):
    return OutboxMessage.objects.filter(email_q("to_email", subject.emails))


def _subscriptions(subject: Subject):
    return Subscription.objects.filter(email_q("email", subject.emails))


def export(subject: Subject) -> dict[str, list[dict[str, Any]]]:
    subscriptions = _subscriptions(subject)
    return {
        # A sensitive message's link is not re-sent in an export: it may still work.
        OUTBOX: [
            {**row, "body_text": "", "body_html": ""} if row["sensitive"] else row
            for row in export_rows(_outbox(subject), hide=("headers", "idempotency_key"))
        ],
        SUBSCRIPTION: export_rows(subscriptions, hide=("confirm_nonce",)),
        EVENT: export_rows(SubscriptionEvent.objects.filter(subscription__in=subscriptions)),
    }


def preview(subject: Subject) -> Counts:
    subscriptions = _subscriptions(subject)
    return {
        OUTBOX: counts(deleted=_outbox(subject).count()),
        SUBSCRIPTION: counts(deleted=subscriptions.count()),
        EVENT: counts(
            deleted=SubscriptionEvent.objects.filter(subscription__in=subscriptions).count()
        ),
    }


def erase(subject: Subject) -> Counts:
    _, outbox = _outbox(subject).delete()
    _, subscriptions = _subscriptions(subject).delete()
    return {
        OUTBOX: counts(deleted=outbox.get(OUTBOX, 0)),
        SUBSCRIPTION: counts(deleted=subscriptions.get(SUBSCRIPTION, 0)),
        EVENT: counts(deleted=subscriptions.get(EVENT, 0)),
    }


HOLDER = Holder("messaging", export=export, erase=erase, preview=preview)
