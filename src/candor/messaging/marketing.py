"""Writing marketing mail (P7): only to confirmed subscribers, always with a way out.

Every marketing message is rendered from a template that extends the marketing base, whose
foot tells the reader how to unsubscribe, and carries `List-Unsubscribe` (an https link and a
mailto) with `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).

Large mailings are streamed: the body is rendered once with placeholders, each recipient's
links are put in by string replacement, rows are written in chunks and handed to the workers
as batches, so memory stays flat however long the list is.
"""

from django.db import transaction
from django.db.models import QuerySet

from . import links
from .audience import may_receive_marketing
from .mailings import RenderedMailing, keyset_chunks, message_for, render_mailing, write_chunk
from .models import MailClass, OutboxMessage, Subscription, SubscriptionStatus
from .services import enqueue
from .subscriptions import mark_fulfilled

MARKETING_BASE = "messaging/email/marketing"
# Placeholders in a once-rendered body, replaced per recipient.
UNSUBSCRIBE_HOLE = "__candor_unsubscribe_url__"
PREFERENCES_HOLE = "__candor_preferences_url__"


class NotMarketingTemplate(ValueError):
    """The template does not carry the unsubscribe foot of the marketing base."""


def unsubscribe_headers(token: str) -> dict[str, str]:
    https, mailto = links.unsubscribe_url(token), links.unsubscribe_mailto(token)
    return {
        "List-Unsubscribe": f"<{https}>, <{mailto}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def personal_links(email: str, topic_key: str, mailing: str) -> tuple[str, dict[str, str], str]:
    token = links.unsubscribe_token(email, topic_key, mailing)
    return links.unsubscribe_url(token), unsubscribe_headers(token), links.preferences_url(email)


def enqueue_marketing(
    *,
    subscription: Subscription,
    template: str,
    context: dict,
    idempotency_key: str,
    mailing: str = "",
) -> OutboxMessage | None:
    """Queue one marketing message, or nothing when this person may not be sent marketing."""
    if subscription.status != SubscriptionStatus.CONFIRMED or not may_receive_marketing(
        subscription.email
    ):
        return None
    unsubscribe_url, headers, preferences_url = personal_links(
        subscription.email, subscription.topic.key, mailing
    )
    message = enqueue(
        template=template,
        to_email=subscription.email,
        context={
            **context,
            "topic": subscription.topic,
            "unsubscribe_url": unsubscribe_url,
            "preferences_url": preferences_url,
        },
        mail_class=MailClass.MARKETING,
        idempotency_key=idempotency_key,
        headers=headers,
        mailing=mailing,
        topic_key=subscription.topic.key,
    )
    if unsubscribe_url not in message.body_text:
        raise NotMarketingTemplate(f"{template} must extend {MARKETING_BASE}")
    return message


def render_marketing(template: str, context: dict) -> RenderedMailing:
    """Render a marketing mailing once, with holes where each recipient's links go."""
    rendered = render_mailing(
        template,
        {**context, "unsubscribe_url": UNSUBSCRIBE_HOLE, "preferences_url": PREFERENCES_HOLE},
        MailClass.MARKETING,
    )
    if UNSUBSCRIBE_HOLE not in rendered.text or UNSUBSCRIBE_HOLE not in rendered.html:
        raise NotMarketingTemplate(f"{template} must extend {MARKETING_BASE}")
    return rendered


def send_mailing(
    *,
    subscriptions: QuerySet[Subscription],
    rendered: RenderedMailing,
    mailing: str,
    one_shot: bool = False,
) -> int:
    """One message per confirmed subscription, handed to the workers; returns how many.

    The caller passes an audience already filtered to confirmed subscribers who may receive
    marketing (subscriptions.confirmed_audience). For a one-shot topic each subscription is
    locked and ended in the transaction that writes its message, so two notices running at
    once (two restocks) can never both write one for the same person.
    """
    written = 0
    for chunk in keyset_chunks(subscriptions, "email", "topic__key"):
        if not one_shot:
            write_chunk(_messages(chunk, rendered, mailing))
            written += len(chunk)
            continue
        with transaction.atomic():
            taken = set(
                Subscription.objects.select_for_update(skip_locked=True)
                .filter(pk__in=[pk for pk, _, _ in chunk], status=SubscriptionStatus.CONFIRMED)
                .values_list("pk", flat=True)
            )
            if not taken:
                continue
            mark_fulfilled(sorted(taken))
            mine = [row for row in chunk if row[0] in taken]
            write_chunk(_messages(mine, rendered, mailing))
        written += len(mine)
    return written


def _messages(chunk, rendered: RenderedMailing, mailing: str) -> list[OutboxMessage]:
    rows = []
    for _pk, email, topic_key in chunk:
        unsubscribe_url, headers, preferences_url = personal_links(email, topic_key, mailing)
        holes = {UNSUBSCRIBE_HOLE: unsubscribe_url, PREFERENCES_HOLE: preferences_url}
        rows.append(
            message_for(
                rendered,
                email=email,
                mailing=mailing,
                holes=holes,
                headers=headers,
                topic_key=topic_key,
            )
        )
    return rows
