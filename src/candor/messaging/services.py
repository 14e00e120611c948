"""The outbox: render and store a message now, deliver it after the transaction commits."""

import logging
import smtplib
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, transaction
from django.db import connection as db_connection
from django.db.models import Exists, F, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone

from candor.core.models import ShopSettings

from .models import MailClass, OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# The most messages one sweep hands to workers; the rest wait for the next sweep.
SWEEP_LIMIT = 10_000


def stale_sending() -> timedelta:
    """A message left "sending" this long belongs to a worker that died; it may be tried again.

    OUTBOX_STALE_SENDING_SECONDS (default 600). It must stay well above the time one message
    can take to send, or a slow (not dead) worker's message could be sent a second time.
    """
    return timedelta(seconds=settings.OUTBOX_STALE_SENDING_SECONDS)


def _socket_timeout() -> float:
    """How long one wait on the mail server may last: EMAIL_TIMEOUT, or a tenth of the stale
    window, so that even a message needing several slow replies is recorded (sent or failed)
    before another worker may take it for abandoned."""
    return settings.EMAIL_TIMEOUT or settings.OUTBOX_STALE_SENDING_SECONDS / 10


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 6 * 3600))


def render_message(template: str, context: dict) -> tuple[str, str, str]:
    """Subject, text and HTML bodies from `<template>_subject.txt`, `.txt` and `.html`."""
    context = {"shop": ShopSettings.load(), "site_url": settings.SITE_URL, **context}
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
    headers: dict[str, str] | None = None,
    mailing: str = "",
    topic_key: str = "",
    sensitive: bool = False,
) -> OutboxMessage:
    """Store one message (once per idempotency key) and schedule its delivery on commit.

    Call it inside the transaction of the change the message reports, so the message exists
    if and only if the change does.
    """
    from .checks import refuse_marketing_content

    if mail_class != MailClass.MARKETING:
        refuse_marketing_content(template)
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
                headers=headers or {},
                mailing=mailing,
                topic_key=topic_key,
                sensitive=sensitive,
            )
    except IntegrityError:
        return OutboxMessage.objects.get(idempotency_key=idempotency_key)
    transaction.on_commit(lambda: hand_to_worker(message.pk), robust=True)
    return message


def hand_to_worker(message_id: int) -> None:
    """Ask a worker to send the message now (after the commit that wrote it).

    A task queue that cannot take it (Redis down) must not turn a committed order into an
    error page: the message stays pending in the outbox and the sweep (`deliver-due-mail`)
    hands it out once the broker is back. The publish fails fast (CELERY_TASK_PUBLISH_RETRY_
    POLICY and the broker's socket timeouts in settings)."""
    from kombu.exceptions import OperationalError

    from .tasks import deliver_message

    try:
        deliver_message.delay(message_id)
    except OperationalError as error:
        logger.warning(
            "Mail %s waits in the outbox for the sweep: the task queue is unavailable (%s)",
            message_id,
            error,
        )


def _claimable(now) -> Q:
    due = Q(status=OutboxStatus.PENDING) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    return due | Q(status=OutboxStatus.SENDING, next_attempt_at__lte=now - stale_sending())


def _claim(message_ids: list[int]) -> list[OutboxMessage]:
    """Mark the due messages among these as being sent by us; one sender wins each.

    One committed transaction for the whole batch: rows locked by another worker are skipped,
    and from here on each claimed row says "sending" (with the time of the claim in
    next_attempt_at) until it is recorded as sent or failed, or handed back, or until the stale
    window passes and another worker may take it. A claimed message that was never sent
    (a crash) is only retried, so claiming ahead does not risk a second copy.
    """
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(_claimable(now), pk__in=message_ids)
            .values_list("pk", flat=True)
        )
        if not ids:
            return []
        OutboxMessage.objects.filter(pk__in=ids).update(
            status=OutboxStatus.SENDING, next_attempt_at=now, attempts=F("attempts") + 1
        )
        claimed = OutboxMessage.objects.in_bulk(ids)
        withdrawn = _withdraw_unwanted_marketing([m for m in claimed.values()])
    return [claimed[pk] for pk in message_ids if pk in claimed and pk not in withdrawn]


def _withdraw_unwanted_marketing(claimed: list[OutboxMessage]) -> set[int]:
    """Marketing whose reader may no longer get it is not sent (P7, P20), checked at sending
    time: consent can be withdrawn, or an account disabled, after the message was written."""
    from .audience import excluded_from_marketing
    from .models import Subscription, SubscriptionStatus

    marketing = [m.pk for m in claimed if m.mail_class == MailClass.MARKETING]
    if not marketing:
        return set()
    consent = Subscription.objects.filter(
        email=OuterRef("to_email"),
        topic__key=OuterRef("topic_key"),
        status__in=[SubscriptionStatus.CONFIRMED, SubscriptionStatus.FULFILLED],
    )
    unwanted = OutboxMessage.objects.filter(pk__in=marketing).filter(
        excluded_from_marketing("to_email") | (~Q(topic_key="") & ~Exists(consent))
    )
    withdrawn = set(unwanted.values_list("pk", flat=True))
    if withdrawn:
        OutboxMessage.objects.filter(pk__in=withdrawn).update(status=OutboxStatus.WITHDRAWN)
    return withdrawn


def _renew_claim(message: OutboxMessage) -> bool:
    """Just before sending: still ours? A message whose claim went stale (another worker took
    it) or was withdrawn meanwhile is skipped, so a slow batch cannot send a second copy."""
    now = timezone.now()
    renewed = OutboxMessage.objects.filter(
        pk=message.pk, status=OutboxStatus.SENDING, next_attempt_at=message.next_attempt_at
    ).update(next_attempt_at=now)
    if renewed:
        message.next_attempt_at = now
    return bool(renewed)


def _hand_back(messages: list[OutboxMessage]) -> None:
    """Claimed but never tried (the batch ended early): pending again, no attempt counted."""
    if messages:
        OutboxMessage.objects.filter(
            pk__in=[m.pk for m in messages], status=OutboxStatus.SENDING
        ).update(status=OutboxStatus.PENDING, next_attempt_at=None, attempts=F("attempts") - 1)


def message_id_header(message: OutboxMessage) -> str:
    """The Message-ID of an outbox row: the same on every attempt, so a receiving server can
    recognise a repeat."""
    return f"<outbox-{message.pk}@candor>"


def _email(message: OutboxMessage, connection: BaseEmailBackend) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to_email],
        # The stable Message-ID wins over any stored header of that name.
        headers={**message.headers, "Message-ID": message_id_header(message)},
        connection=connection,
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    return email


class NothingSent(Exception):
    """The mail backend returned without an error but reported no message sent."""


def _connection_survives(error: Exception) -> bool:
    """True when the server refused this one message but the connection is still good.

    A refused sender, recipient or content (other than 421, "closing the connection") leaves
    the SMTP session usable for the next message; anything else (a dropped connection, a
    timeout, an unknown failure) ends the batch.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code != 421 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        return error.smtp_code != 421
    return False


SENSITIVE_BODY = "(Removed after sending: it held a personal link.)"


def _record_sent(message: OutboxMessage) -> None:
    """Sent; a message that carried a personal link (sign-in, reset, confirmation) keeps no
    copy of it once it has gone, so nobody can use the link from the outbox."""
    body = {"body_text": SENSITIVE_BODY, "body_html": ""} if message.sensitive else {}
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxStatus.SENT, sent_at=timezone.now(), last_error="", **body
    )


def _record_failure(message: OutboxMessage, error: Exception) -> None:
    """Back off (or give up after MAX_ATTEMPTS); the claim counted this as an attempt."""
    give_up = message.attempts >= MAX_ATTEMPTS
    OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.SENDING).update(
        status=OutboxStatus.FAILED if give_up else OutboxStatus.PENDING,
        last_error=f"{type(error).__name__}: {error}"[:2000],
        next_attempt_at=None if give_up else timezone.now() + _backoff(message.attempts),
    )
    logger.warning("outbox message %s not sent: %s", message.pk, error)


def _close_quietly(connection: BaseEmailBackend) -> None:
    """Close the connection; every message is already recorded, so a failure here only logs."""
    try:
        connection.close()
    except Exception as error:
        logger.warning("closing the mail connection failed: %s", error)


@contextmanager
def _quick_commits():
    """Claims and records commit without waiting for the disk (PostgreSQL only).

    A commit that waits for fsync costs a millisecond or more, twice per message, and would
    cap delivery far below what a mail server accepts. The statements still reach the
    database before the next message is sent, so a worker that dies loses nothing; only a crash
    of PostgreSQL itself within a fraction of a second could forget the last records, and then
    those messages go once more with the same Message-ID (docs/architecture.md).
    """
    on_postgres = db_connection.vendor == "postgresql"
    if on_postgres:
        with db_connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        if on_postgres:
            with db_connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")


def deliver_batch(message_ids: Iterable[int]) -> int:
    """Send these messages over one connection to the mail server; return how many went out.

    The batch is claimed at once; each message is recorded as sent as soon as the server has
    accepted it, in its own committed statement (deliberately not one transaction: a record
    must not wait for the rest of the batch). So a worker killed mid-batch leaves at most the
    one message it was transmitting sent but unrecorded; the rest of its claim was never sent
    and the sweep takes it again after the stale window. Messages that are not due (already
    sent, claimed by another worker, waiting for a retry) are skipped.

    A refusal of one message (see `_connection_survives`) backs that message off and the batch
    goes on. Any other error backs off the message being sent and ends the batch: the messages
    after it are handed back, pending with no attempt counted, for the sweep.
    """
    with _quick_commits():
        return _deliver_each(message_ids)


def _deliver_each(message_ids: Iterable[int]) -> int:
    sent = 0
    connection: BaseEmailBackend | None = None
    claimed = _claim(list(dict.fromkeys(message_ids)))  # each id once, in the order given
    try:
        for position, message in enumerate(claimed):
            if not _renew_claim(message):
                continue
            try:
                if connection is None:
                    connection = get_connection(timeout=_socket_timeout())
                    connection.open()  # one connection for the batch; send_messages keeps it
                if connection.send_messages([_email(message, connection)]) != 1:
                    raise NothingSent("the mail backend reported no message sent")
            except Exception as error:  # any transport failure: keep the row and try later
                _record_failure(message, error)
                if _connection_survives(error):
                    continue
                _hand_back(claimed[position + 1 :])
                break
            _record_sent(message)
            sent += 1
    finally:
        if connection is not None:
            _close_quietly(connection)
    return sent


def deliver(message_id: int) -> bool:
    """Send one message through the configured backend. Returns True when it went out."""
    return deliver_batch([message_id]) == 1


def due_message_ids(limit: int = SWEEP_LIMIT) -> list[int]:
    """Messages waiting for a (re)try whose time has come, oldest first."""
    now = timezone.now()
    due = Q(status=OutboxStatus.PENDING) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    due |= Q(status=OutboxStatus.SENDING, next_attempt_at__lte=now - stale_sending())
    return list(
        OutboxMessage.objects.filter(due).order_by("id").values_list("pk", flat=True)[:limit]
    )


def dispatch_pending(*, batch_size: int | None = None, limit: int = SWEEP_LIMIT) -> int:
    """Hand every due message to the workers as batches; return how many were handed out.

    One `deliver_batch` task per `batch_size` ids (OUTBOX_BATCH_SIZE by default), so several
    workers share a large backlog. Handing out a message twice (a sweep that runs while an
    earlier batch still waits in the queue) is harmless: only one claim succeeds.
    """
    from .tasks import deliver_batch as deliver_batch_task

    size = settings.OUTBOX_BATCH_SIZE if batch_size is None else batch_size
    if size < 1:
        raise ValueError(f"batch_size must be at least 1, not {size}")
    ids = due_message_ids(limit=limit)
    for start in range(0, len(ids), size):
        deliver_batch_task.delay(ids[start : start + size])
    return len(ids)
