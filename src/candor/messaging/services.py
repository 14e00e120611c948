"""The outbox: render and store a message now, deliver it after the transaction commits."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from .models import MailClass, OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# A message left "sending" this long belongs to a worker that died; it may be tried again.
STALE_SENDING = timedelta(minutes=10)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 6 * 3600))


def render_message(template: str, context: dict) -> tuple[str, str, str]:
    """Subject, text and HTML bodies from `<template>_subject.txt`, `.txt` and `.html`."""
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    text = render_to_string(f"{template}.txt", context)
    html = render_to_string(f"{template}.html", context)
    return subject, text, html


def enqueue(
    *,
    template: str,
    to_email: str,
    context: dict,
    mail_class: MailClass,
    idempotency_key: str,
) -> OutboxMessage:
    """Store one message (once per idempotency key) and schedule its delivery on commit.

    Call it inside the transaction of the change the message reports, so the message exists
    if and only if the change does.
    """
    from .tasks import deliver_message

    existing = OutboxMessage.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    subject, text, html = render_message(template, {**context, "mail_class": mail_class})
    try:
        with transaction.atomic():  # a savepoint: losing a race must not spoil the caller's work
            message = OutboxMessage.objects.create(
                mail_class=mail_class,
                template=template,
                to_email=to_email,
                subject=subject,
                body_text=text,
                body_html=html,
                idempotency_key=idempotency_key,
            )
    except IntegrityError:
        return OutboxMessage.objects.get(idempotency_key=idempotency_key)
    # robust: a broker outage after commit must not turn a committed order into an error
    # page; the row stays pending and the sweep delivers it later.
    transaction.on_commit(lambda: deliver_message.delay(message.pk), robust=True)
    return message


def _claim(message_id: int) -> OutboxMessage | None:
    """Mark the message as being sent, if nobody else has; one sender wins."""
    now = timezone.now()
    claimable = Q(status=OutboxStatus.PENDING) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    claimable |= Q(status=OutboxStatus.SENDING, next_attempt_at__lte=now - STALE_SENDING)
    claimed = OutboxMessage.objects.filter(claimable, pk=message_id).update(
        status=OutboxStatus.SENDING, next_attempt_at=now, attempts=F("attempts") + 1
    )
    return OutboxMessage.objects.get(pk=message_id) if claimed else None


def deliver(message_id: int) -> bool:
    """Send one message through the configured backend. Returns True when it went out."""
    message = _claim(message_id)
    if message is None:
        return False
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to_email],
        headers={"Message-ID": f"<outbox-{message.pk}@candor>", **message.headers},
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    try:
        email.send()
    except Exception as error:  # any transport failure: keep the row and try later
        give_up = message.attempts >= MAX_ATTEMPTS
        OutboxMessage.objects.filter(pk=message.pk).update(
            status=OutboxStatus.FAILED if give_up else OutboxStatus.PENDING,
            last_error=f"{type(error).__name__}: {error}"[:2000],
            next_attempt_at=None if give_up else timezone.now() + _backoff(message.attempts),
        )
        logger.warning("outbox message %s not sent: %s", message.pk, error)
        return False
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxStatus.SENT, sent_at=timezone.now(), last_error=""
    )
    return True


def due_message_ids(limit: int = 500) -> list[int]:
    """Messages waiting for a (re)try whose time has come, oldest first."""
    now = timezone.now()
    due = Q(status=OutboxStatus.PENDING) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    due |= Q(status=OutboxStatus.SENDING, next_attempt_at__lte=now - STALE_SENDING)
    return list(
        OutboxMessage.objects.filter(due).order_by("id").values_list("pk", flat=True)[:limit]
    )
