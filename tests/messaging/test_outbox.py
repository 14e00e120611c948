"""The outbox (P8): every email is a stored row first, delivered once, retried with backoff.

Transactional mail (orders, payments, shipping, account security) always goes out and carries
no marketing; these tests pin the storage, delivery, retry and sweep rules it relies on.
"""

import re
import smtplib
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from candor.messaging.models import MailClass, OutboxMessage, OutboxStatus
from candor.messaging.services import MAX_ATTEMPTS, deliver, enqueue, stale_sending
from candor.messaging.tasks import deliver_due_messages

pytestmark = pytest.mark.django_db

FAILING_BACKEND = f"{__name__}.FailingBackend"
SMTP_ERROR = "SMTPServerDisconnected: Connection unexpectedly closed"

# A tiny notice, so these tests depend on the outbox and not on any shop template.
NOTICE_TEMPLATES = {
    "tests/notice_subject.txt": "  Your {{ thing }}\n   is   ready \n",
    "tests/notice.txt": (
        "{% autoescape off %}Hello {{ name }}, your {{ thing }} is ready. "
        "({{ mail_class }}){% endautoescape %}"
    ),
    "tests/notice.html": "<p>Hello {{ name }}, your {{ thing }} is ready.</p>",
}
NOTICE_SUBJECT = "Your parcel is ready"
NOTICE_TEXT = "Hello Ayesha & Sons, your parcel is ready. (transactional)"
NOTICE_HTML = "<p>Hello Ayesha &amp; Sons, your parcel is ready.</p>"

# Words that would make a transactional message a marketing one.
MARKETING = re.compile(
    r"\b(unsubscribe|subscribe|opt[- ]?out|newsletter|marketing|promotion|promo|coupon"
    r"|discount|special offer|offers?|deals?|sale|% off|back in stock|new arrivals)\b"
)


class FailingBackend(BaseEmailBackend):
    """A mail server that hangs up on every message."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def notice(settings):
    """enqueue() a small transactional notice: notice(key=..., **context overrides)."""
    settings.TEMPLATES = [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {"loaders": [("django.template.loaders.locmem.Loader", NOTICE_TEMPLATES)]},
        }
    ]

    def _notice(key="notice:1", **context):
        return enqueue(
            template="tests/notice",
            to_email="ayesha@example.com",
            context={"name": "Ayesha & Sons", "thing": "parcel", **context},
            mail_class=MailClass.TRANSACTIONAL,
            idempotency_key=key,
        )

    return _notice


def _row(key, **fields):
    """An outbox row in a given state, written directly."""
    return OutboxMessage.objects.create(
        mail_class=MailClass.TRANSACTIONAL,
        template="tests/notice",
        to_email=f"{key}@example.com",
        subject=f"About {key}",
        body_text=f"Text for {key}",
        idempotency_key=key,
        **fields,
    )


def test_enqueue_renders_and_stores_one_pending_row_P8(notice, django_capture_on_commit_callbacks):
    """P8: enqueue renders subject, text and HTML and stores them; nothing is sent before commit."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        returned = notice()

    assert OutboxMessage.objects.count() == 1
    message = OutboxMessage.objects.get()
    assert message.pk == returned.pk
    assert message.subject == NOTICE_SUBJECT
    assert message.body_text == NOTICE_TEXT
    assert message.body_html == NOTICE_HTML
    assert message.mail_class == MailClass.TRANSACTIONAL
    assert message.template == "tests/notice"
    assert message.to_email == "ayesha@example.com"
    assert message.idempotency_key == "notice:1"
    assert message.headers == {}
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 0
    assert message.last_error == ""
    assert message.next_attempt_at is None
    assert message.sent_at is None
    # Delivery waits for the commit: one callback is scheduled and no mail has left yet.
    assert len(callbacks) == 1
    assert mail.outbox == []

    callbacks[0]()  # the commit happens: the (eager) task delivers it

    assert [m.subject for m in mail.outbox] == [NOTICE_SUBJECT]
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT


def test_same_idempotency_key_twice_gives_one_row_and_one_mail_P8(
    notice, django_capture_on_commit_callbacks
):
    """P8: a retried request enqueueing the same notice again stores and sends nothing more."""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = notice(key="order:CN-1:placed")
        second = notice(key="order:CN-1:placed", thing="replacement")

    assert second.pk == first.pk
    assert OutboxMessage.objects.count() == 1
    assert OutboxMessage.objects.get().subject == NOTICE_SUBJECT  # the first rendering stays
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1


def test_deliver_sends_exactly_once_and_marks_sent_P8(notice):
    """P8: deliver() sends the stored message once and records when; a second call sends nothing."""
    message = notice()
    before = timezone.now()

    assert deliver(message.pk) is True

    after = timezone.now()
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["ayesha@example.com"]
    assert sent.from_email == django_settings.DEFAULT_FROM_EMAIL
    assert sent.subject == NOTICE_SUBJECT
    assert sent.body == NOTICE_TEXT
    assert sent.alternatives == [(NOTICE_HTML, "text/html")]
    assert sent.extra_headers == {"Message-ID": f"<outbox-{message.pk}@candor>"}
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 1
    assert message.last_error == ""
    assert before <= message.sent_at <= after
    sent_at = message.sent_at

    assert deliver(message.pk) is False

    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 1
    assert message.sent_at == sent_at


def test_smtp_failure_keeps_the_message_pending_with_backoff_P8(notice, settings):
    """P8: when the mail server fails the message is kept, the error noted, a retry scheduled."""
    message = notice()
    settings.EMAIL_BACKEND = FAILING_BACKEND
    before = timezone.now()

    assert deliver(message.pk) is False

    after = timezone.now()
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 1
    assert message.last_error == SMTP_ERROR
    assert message.sent_at is None
    assert (
        before + timedelta(seconds=30) <= message.next_attempt_at <= after + timedelta(seconds=30)
    )
    assert mail.outbox == []

    # The retry is not due yet: an immediate second delivery does nothing at all.
    assert deliver(message.pk) is False
    message.refresh_from_db()
    assert message.attempts == 1
    assert message.status == OutboxStatus.PENDING

    # The mail server is back and the retry falls due: the same row goes out, once.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert deliver(message.pk) is True
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 2
    assert message.last_error == ""
    assert [m.subject for m in mail.outbox] == [NOTICE_SUBJECT]


def test_backoff_doubles_and_the_message_fails_after_max_attempts_P8(notice, settings):
    """P8: each failure waits twice as long as the last; after MAX_ATTEMPTS the row is failed."""
    assert MAX_ATTEMPTS == 8
    waits = [30, 60, 120, 240, 480, 960, 1920]  # seconds after failures 1 to 7
    message = notice()
    settings.EMAIL_BACKEND = FAILING_BACKEND
    for attempt in range(1, MAX_ATTEMPTS + 1):
        OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=None)  # due now
        before = timezone.now()
        assert deliver(message.pk) is False
        after = timezone.now()
        message.refresh_from_db()
        assert message.attempts == attempt
        assert message.last_error == SMTP_ERROR
        if attempt < MAX_ATTEMPTS:
            wait = timedelta(seconds=waits[attempt - 1])
            assert message.status == OutboxStatus.PENDING
            assert before + wait <= message.next_attempt_at <= after + wait

    assert message.status == OutboxStatus.FAILED
    assert message.next_attempt_at is None
    assert message.sent_at is None
    # A failed message is never tried again, by hand or by the sweep.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert deliver(message.pk) is False
    assert deliver_due_messages() == 0
    message.refresh_from_db()
    assert message.attempts == MAX_ATTEMPTS
    assert mail.outbox == []


def test_sweep_delivers_due_and_stale_messages_only_P8():
    """P8: the periodic sweep sends due retries and rows a dead worker left "sending"; no others.

    The sweep hands the due messages to the workers (here in-process) and returns their number.
    """
    now = timezone.now()
    _row("fresh")
    _row("retry-due", attempts=1, next_attempt_at=now - timedelta(seconds=1))
    _row("retry-later", attempts=1, next_attempt_at=now + timedelta(hours=1))
    _row(
        "stale",
        status=OutboxStatus.SENDING,
        attempts=1,
        next_attempt_at=now - stale_sending() - timedelta(minutes=1),
    )
    _row(
        "in-flight",
        status=OutboxStatus.SENDING,
        attempts=1,
        next_attempt_at=now - timedelta(minutes=1),
    )
    _row("done", status=OutboxStatus.SENT, attempts=1, sent_at=now - timedelta(hours=1))
    _row("gave-up", status=OutboxStatus.FAILED, attempts=MAX_ATTEMPTS)

    assert deliver_due_messages() == 3

    assert [m.to for m in mail.outbox] == [
        ["fresh@example.com"],
        ["retry-due@example.com"],
        ["stale@example.com"],
    ]
    rows = {m.idempotency_key: (m.status, m.attempts) for m in OutboxMessage.objects.all()}
    assert rows == {
        "fresh": (OutboxStatus.SENT, 1),
        "retry-due": (OutboxStatus.SENT, 2),
        "retry-later": (OutboxStatus.PENDING, 1),
        "stale": (OutboxStatus.SENT, 2),
        "in-flight": (OutboxStatus.SENDING, 1),
        "done": (OutboxStatus.SENT, 1),
        "gave-up": (OutboxStatus.FAILED, MAX_ATTEMPTS),
    }

    # A second sweep finds nothing left to do.
    assert deliver_due_messages() == 0
    assert len(mail.outbox) == 3


def test_order_mail_is_transactional_and_carries_no_marketing_P8(place, variant):
    """P8: order mail is transactional, has no List-Unsubscribe header and no marketing words."""
    order = place({variant.pk: 1})

    message = OutboxMessage.objects.get()
    assert message.mail_class == MailClass.TRANSACTIONAL
    assert message.template == "orders/email/placed"
    assert message.idempotency_key == f"order:{order.number}:placed"
    assert message.headers == {}
    assert message.status == OutboxStatus.SENT
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["ayesha@example.com"]
    assert sent.subject == f"Order {order.number} received"
    assert sent.extra_headers == {"Message-ID": f"<outbox-{message.pk}@candor>"}
    mime = sent.message()
    assert mime["List-Unsubscribe"] is None
    assert mime["List-Unsubscribe-Post"] is None
    assert len(sent.alternatives) == 1
    html, mimetype = sent.alternatives[0]
    assert mimetype == "text/html"
    for body in (sent.body, html):
        assert order.number in body
        assert MARKETING.findall(body.lower()) == []
        assert "It contains no advertising." in body
