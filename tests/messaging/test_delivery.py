"""Batch delivery (P8, and P7/P9 whose mail goes the same way): many messages over one
connection, each claimed just before it is sent and recorded as sent as soon as the server
accepted it, so a crash or a dropped connection can neither lose nor double a message.

The mail server here is a recording backend (Django's backend interface); the real SMTP
server and a real worker killed mid-batch are in tests/integration/test_outbox_worker_kill.py.
"""

import smtplib
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from candor.messaging import tasks
from candor.messaging.models import MailClass, OutboxMessage, OutboxStatus
from candor.messaging.services import (
    MAX_ATTEMPTS,
    deliver,
    deliver_batch,
    dispatch_pending,
    stale_sending,
)
from candor.messaging.tasks import deliver_due_messages
from tests.child_process import child_env

from .recording import DISCONNECTED
from .recording import outbox_state as _outbox_state
from .recording import sends as _sends

pytestmark = pytest.mark.django_db

PROJECT_DIR = Path(__file__).resolve().parents[2]


def _row(key, **fields):
    """An outbox row in a given state, written directly; its recipient is `<key>@example.com`."""
    return OutboxMessage.objects.create(
        mail_class=MailClass.TRANSACTIONAL,
        template="tests/notice",
        to_email=f"{key}@example.com",
        subject=f"About {key}",
        body_text=f"Text for {key}",
        idempotency_key=key,
        **fields,
    )


def _rows(count):
    return [_row(f"m{i}") for i in range(1, count + 1)]


def _snapshot(rows):
    """Every stored field of these rows, to show that a path changed nothing."""
    return [OutboxMessage.objects.filter(pk=row.pk).values().get() if row else None for row in rows]


def test_p8_a_batch_goes_over_one_connection(backend):
    """P8: five messages, one connection opened and closed once, each message sent once."""
    rows = _rows(5)
    before = timezone.now()

    assert deliver_batch([row.pk for row in rows]) == 5

    after = timezone.now()
    assert [entry[0] for entry in backend.log] == [
        "connect",
        "open",
        "send",
        "send",
        "send",
        "send",
        "send",
        "close",
    ]
    assert _sends() == [f"m{i}@example.com" for i in range(1, 6)]
    for row in rows:
        row.refresh_from_db()
        assert (row.status, row.attempts, row.last_error) == (OutboxStatus.SENT, 1, "")
        assert before <= row.sent_at <= after


def test_p8_each_message_is_recorded_sent_before_the_next_is_sent(backend):
    """P8: a crash mid-batch can leave only the message in transmission sent but unrecorded:
    when a message is handed to the server, every earlier one is already recorded as sent,
    and it and the later ones are claimed ("sending", one attempt) but not yet sent, so a
    crash only delays them."""
    rows = _rows(4)

    assert deliver_batch([row.pk for row in rows]) == 4

    states = [entry[3] for entry in backend.log if entry[0] == "send"]
    sent, sending = (OutboxStatus.SENT, 1), (OutboxStatus.SENDING, 1)
    assert states == [
        {"m1": sending, "m2": sending, "m3": sending, "m4": sending},
        {"m1": sent, "m2": sending, "m3": sending, "m4": sending},
        {"m1": sent, "m2": sent, "m3": sending, "m4": sending},
        {"m1": sent, "m2": sent, "m3": sent, "m4": sending},
    ]


def test_p8_a_dropped_connection_backs_off_that_message_and_leaves_the_rest_untouched(backend):
    """P8: the server hangs up on the third message: it gets the usual backoff, the two before
    it stay sent, the two after it were never claimed (no attempt counted) and the sweep sends
    them; the third waits for its retry."""
    rows = _rows(5)
    untouched = _snapshot(rows[3:])
    backend.failures["m3@example.com"] = smtplib.SMTPServerDisconnected(
        "Connection unexpectedly closed"
    )
    before = timezone.now()

    assert deliver_batch([row.pk for row in rows]) == 2

    after = timezone.now()
    assert _sends() == ["m1@example.com", "m2@example.com", "m3@example.com"]
    assert backend.log[-1] == ("close",)
    assert _outbox_state() == {
        "m1": (OutboxStatus.SENT, 1),
        "m2": (OutboxStatus.SENT, 1),
        "m3": (OutboxStatus.PENDING, 1),
        "m4": (OutboxStatus.PENDING, 0),
        "m5": (OutboxStatus.PENDING, 0),
    }
    failed = OutboxMessage.objects.get(pk=rows[2].pk)
    assert failed.last_error == DISCONNECTED
    assert failed.sent_at is None
    wait = timedelta(seconds=30)
    assert before + wait <= failed.next_attempt_at <= after + wait
    assert _snapshot(rows[3:]) == untouched

    backend.log.clear()
    assert deliver_due_messages() == 2

    assert _sends() == ["m4@example.com", "m5@example.com"]
    assert _outbox_state() == {
        "m1": (OutboxStatus.SENT, 1),
        "m2": (OutboxStatus.SENT, 1),
        "m3": (OutboxStatus.PENDING, 1),
        "m4": (OutboxStatus.SENT, 1),
        "m5": (OutboxStatus.SENT, 1),
    }


def test_p8_a_refused_message_does_not_stop_the_batch(backend):
    """P8: the server refuses one recipient (550) and answers 451 to another message; the
    connection is still good, so each refused message is backed off and the batch goes on."""
    rows = _rows(5)
    backend.failures["m2@example.com"] = smtplib.SMTPRecipientsRefused(
        {"m2@example.com": (550, b"5.1.1 No such user")}
    )
    backend.failures["m4@example.com"] = smtplib.SMTPDataError(451, b"4.3.0 Try again later")

    assert deliver_batch([row.pk for row in rows]) == 3

    assert _sends() == [f"m{i}@example.com" for i in range(1, 6)]
    assert [entry[0] for entry in backend.log].count("open") == 1
    assert _outbox_state() == {
        "m1": (OutboxStatus.SENT, 1),
        "m2": (OutboxStatus.PENDING, 1),
        "m3": (OutboxStatus.SENT, 1),
        "m4": (OutboxStatus.PENDING, 1),
        "m5": (OutboxStatus.SENT, 1),
    }
    assert OutboxMessage.objects.get(pk=rows[1].pk).last_error == (
        "SMTPRecipientsRefused: {'m2@example.com': (550, b'5.1.1 No such user')}"
    )
    assert OutboxMessage.objects.get(pk=rows[3].pk).last_error == (
        "SMTPDataError: (451, b'4.3.0 Try again later')"
    )


def test_p8_a_server_closing_the_connection_ends_the_batch(backend):
    """P8: a 421 ("closing the connection") to one message ends the batch like a hang-up."""
    rows = _rows(3)
    backend.failures["m2@example.com"] = smtplib.SMTPDataError(421, b"4.3.2 Shutting down")

    assert deliver_batch([row.pk for row in rows]) == 1

    assert _sends() == ["m1@example.com", "m2@example.com"]
    assert _outbox_state() == {
        "m1": (OutboxStatus.SENT, 1),
        "m2": (OutboxStatus.PENDING, 1),
        "m3": (OutboxStatus.PENDING, 0),
    }


def test_p8_an_unreachable_mail_server_costs_one_attempt_of_one_message(settings):
    """P8: nothing listens on the mail server's port: the first message is backed off, the
    rest of the batch is untouched, and nothing is lost."""
    with socket.socket() as probe:  # a port that was free a moment ago, and is closed now
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    rows = _rows(3)
    untouched = _snapshot(rows[1:])

    assert deliver_batch([row.pk for row in rows]) == 0

    first = OutboxMessage.objects.get(pk=rows[0].pk)
    assert (first.status, first.attempts) == (OutboxStatus.PENDING, 1)
    assert first.last_error == "ConnectionRefusedError: [Errno 111] Connection refused"
    assert _snapshot(rows[1:]) == untouched


def test_p8_a_batch_sends_only_what_is_due_and_each_message_once():
    """P8: ids that are sent, given up, waiting for a retry, being sent by another worker or
    gone are skipped without a change; a repeated id is sent once."""
    now = timezone.now()
    due = _row("due")
    done = _row("done", status=OutboxStatus.SENT, attempts=1, sent_at=now)
    gave_up = _row("gave-up", status=OutboxStatus.FAILED, attempts=MAX_ATTEMPTS)
    later = _row("later", attempts=1, next_attempt_at=now + timedelta(minutes=5))
    in_flight = _row("in-flight", status=OutboxStatus.SENDING, attempts=1, next_attempt_at=now)
    skipped = [done, gave_up, later, in_flight]
    unchanged = _snapshot(skipped)
    gone = due.pk + 1000

    ids = [done.pk, due.pk, gave_up.pk, later.pk, in_flight.pk, gone, due.pk]
    assert deliver_batch(ids) == 1

    assert [m.to for m in mail.outbox] == [["due@example.com"]]
    assert _snapshot(skipped) == unchanged
    due.refresh_from_db()
    assert (due.status, due.attempts) == (OutboxStatus.SENT, 1)


def test_p8_an_empty_or_all_skipped_batch_opens_no_connection(backend):
    """P8: a batch with nothing due does not even connect to the mail server."""
    done = _row("done", status=OutboxStatus.SENT, attempts=1)

    assert deliver_batch([]) == 0
    assert deliver_batch([done.pk]) == 0

    assert backend.log == []


def test_p8_the_message_id_is_the_same_on_every_attempt(backend):
    """P8: a retried message carries the Message-ID of its first attempt, so a receiving server
    can recognise a repeat; a stored header cannot replace it."""
    row = _row("retry", headers={"Message-ID": "<other@example.com>", "X-Candor": "1"})
    backend.failures["retry@example.com"] = smtplib.SMTPServerDisconnected("gone")

    assert deliver(row.pk) is False
    OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert deliver(row.pk) is True

    ids = [entry[2] for entry in backend.log if entry[0] == "send"]
    assert ids == [f"<outbox-{row.pk}@candor>", f"<outbox-{row.pk}@candor>"]
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 2)


def test_p8_the_sweep_hands_due_mail_to_workers_in_batches(settings, monkeypatch):
    """P8: the sweep publishes one deliver_batch task per OUTBOX_BATCH_SIZE due ids, oldest
    first, and sends nothing itself, so several workers share a backlog."""
    settings.OUTBOX_BATCH_SIZE = 3
    published = []
    monkeypatch.setattr(tasks.deliver_batch, "delay", lambda ids: published.append(ids))
    now = timezone.now()
    rows = _rows(7)
    _row("later", attempts=1, next_attempt_at=now + timedelta(minutes=5))
    _row("done", status=OutboxStatus.SENT, attempts=1)
    state = _outbox_state()

    assert deliver_due_messages() == 7

    ids = [row.pk for row in rows]
    assert published == [ids[0:3], ids[3:6], ids[6:7]]
    assert _outbox_state() == state
    assert mail.outbox == []

    published.clear()
    assert dispatch_pending(batch_size=5) == 7
    assert published == [ids[0:5], ids[5:7]]


def test_p8_a_batch_size_below_one_is_refused_and_nothing_is_dispatched(monkeypatch):
    """P8: a nonsensical batch size is a clear error, not a silent no-op or a loop."""
    published = []
    monkeypatch.setattr(tasks.deliver_batch, "delay", lambda ids: published.append(ids))
    _rows(2)

    with pytest.raises(ValueError, match="^batch_size must be at least 1, not 0$"):
        dispatch_pending(batch_size=0)

    assert published == []


def test_p8_the_batch_task_delivers(backend):
    """P8: the Celery task is a thin wrapper (run in-process here)."""
    rows = _rows(2)

    tasks.deliver_batch.delay([row.pk for row in rows])

    assert _sends() == ["m1@example.com", "m2@example.com"]


def test_p8_the_stale_sending_window_comes_from_settings(settings):
    """P8: OUTBOX_STALE_SENDING_SECONDS decides when a claimed, unrecorded message counts as
    abandoned by a dead worker and may be sent again."""
    settings.OUTBOX_STALE_SENDING_SECONDS = 30
    assert stale_sending() == timedelta(seconds=30)
    now = timezone.now()
    abandoned = _row(
        "abandoned",
        status=OutboxStatus.SENDING,
        attempts=1,
        next_attempt_at=now - timedelta(seconds=31),
    )
    recent = _row(
        "recent",
        status=OutboxStatus.SENDING,
        attempts=1,
        next_attempt_at=now - timedelta(seconds=25),
    )
    unchanged = _snapshot([recent])

    assert deliver_due_messages() == 1

    assert [m.to for m in mail.outbox] == [["abandoned@example.com"]]
    abandoned.refresh_from_db()
    assert (abandoned.status, abandoned.attempts) == (OutboxStatus.SENT, 2)
    assert _snapshot([recent]) == unchanged


def test_p8_socket_waits_stay_inside_the_stale_window(backend, settings):
    """P8: without EMAIL_TIMEOUT a wait on the mail server lasts at most a tenth of the stale
    window, so a slow message is recorded before another worker may take it for abandoned."""
    settings.OUTBOX_STALE_SENDING_SECONDS = 600
    settings.EMAIL_TIMEOUT = None
    assert deliver(_row("a").pk) is True
    settings.EMAIL_TIMEOUT = 15
    assert deliver(_row("b").pk) is True

    assert [entry for entry in backend.log if entry[0] == "connect"] == [
        ("connect", 60.0),
        ("connect", 15),
    ]


def _settings_in_a_fresh_process(tmp_path, **env):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.OUTBOX_STALE_SENDING_SECONDS, s.OUTBOX_SWEEP_SECONDS, s.OUTBOX_BATCH_SIZE, "
        "s.CELERY_BEAT_SCHEDULE['deliver-due-mail'])"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=child_env(tmp_path, "tests-only-secret-key-not-for-production-0123456789", **env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_p8_outbox_settings_have_defaults_and_follow_the_environment(tmp_path):
    """P8: stale window 600 s, sweep every 60 s (the beat schedule), batches of 100; each can
    be set from the environment."""
    defaults = _settings_in_a_fresh_process(tmp_path)
    custom = _settings_in_a_fresh_process(
        tmp_path,
        OUTBOX_STALE_SENDING_SECONDS="3",
        OUTBOX_SWEEP_SECONDS="1",
        OUTBOX_BATCH_SIZE="7",
    )

    task = "'task': 'candor.messaging.tasks.deliver_due_messages'"
    assert (defaults.stderr, defaults.returncode) == ("", 0)
    assert defaults.stdout == f"600 60 100 {{{task}, 'schedule': 60.0}}\n"
    assert (custom.stderr, custom.returncode) == ("", 0)
    assert custom.stdout == f"3 1 7 {{{task}, 'schedule': 1.0}}\n"


@pytest.mark.parametrize("value", ["0", "-5", "ten"])
def test_p8_a_bad_outbox_setting_stops_start_up_with_a_clear_message(tmp_path, value):
    """P8: a sweep interval that is not a positive whole number is refused at start-up."""
    result = _settings_in_a_fresh_process(tmp_path, OUTBOX_SWEEP_SECONDS=value)

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: "
        "OUTBOX_SWEEP_SECONDS must be a whole number of at least 1"
    )


def test_p8_the_sweep_in_the_beat_schedule_is_a_registered_task(settings):
    """P8: the schedule names the sweep task by a name the worker knows."""
    from candor.celery import app

    app.loader.import_default_modules()
    entry = settings.CELERY_BEAT_SCHEDULE["deliver-due-mail"]

    sweep = tasks.deliver_due_messages._get_current_object()
    batch = tasks.deliver_batch._get_current_object()
    assert app.tasks[entry["task"]] is sweep
    assert app.tasks["candor.messaging.tasks.deliver_batch"] is batch


def test_p8_a_message_another_worker_took_over_is_not_sent_twice(backend):
    """P8: a batch slower than the stale window must not send what another worker has since
    claimed: each message's claim is renewed, and checked, just before it is sent."""
    first, second, third = _rows(3)

    def another_worker_takes_the_second():
        OutboxMessage.objects.filter(pk=second.pk).update(
            next_attempt_at=timezone.now() + timedelta(seconds=5)
        )

    backend.meanwhile["m1@example.com"] = another_worker_takes_the_second
    assert deliver_batch([first.pk, second.pk, third.pk]) == 2
    assert _sends() == ["m1@example.com", "m3@example.com"]
    second.refresh_from_db()
    assert second.status == OutboxStatus.SENDING  # still the other worker's to send
