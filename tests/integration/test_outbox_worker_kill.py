"""P8 under fire: real SMTP (aiosmtpd), real PostgreSQL, real Redis and real Celery workers.

1. A worker is killed with SIGKILL in the middle of an SMTP transaction, in the middle of a
   batch of 400 messages; a new worker (with the sweep running under embedded beat) finishes
   the job. Every message reaches the mail server exactly once.
2. The mail server answers 451 ("try again later") to some messages: they are backed off,
   retried, and arrive exactly once (in-process, no Celery needed).

Why the kill happens inside the SMTP transaction: the outbox records a message as sent right
after the server's "250 OK" to it. Between that reply and the record lies a window of a few
hundred microseconds in which a crash would leave an accepted message unrecorded, to be sent
again (with the same Message-ID) after the stale window. That window is real and documented
(docs/architecture.md, "Delivery guarantees"); a test that killed at a random moment would
sometimes land in it and be flaky. This one kills the worker while its message is still being
transmitted (the server has not answered), and first waits until the worker's other process
is also waiting for the server, so that no process is between a "250 OK" and its record.
"""

import asyncio
import contextlib
import email
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from email import policy
from pathlib import Path

import kombu.pools
import pytest
import redis
from aiosmtpd.controller import Controller
from django.utils import timezone

from candor.celery import app as celery_app
from candor.messaging.models import MailClass, OutboxMessage, OutboxStatus
from candor.messaging.services import deliver_batch, dispatch_pending
from candor.messaging.tasks import deliver_due_messages
from tests.child_process import child_env, database_url_of_this_run

PROJECT_DIR = Path(__file__).resolve().parents[2]
# A Redis database of its own and a queue name unique to the test, as in test_celery_worker.
REDIS_URL = "redis://127.0.0.1:6379/13"
MESSAGES = 400
BATCH_SIZE = 50
KILL_AT = 150  # the worker dies while transmitting the 150th message the server sees
CONCURRENCY = 2
# Short enough for a quick test; long enough that the socket timeout it implies (a tenth: 1 s)
# never fires while the server holds a reply back during the kill.
STALE_SECONDS = 10
WAIT_SECONDS = 45
REFUSAL = "SMTPDataError: (451, b'4.3.0 Try again later')"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MailServer:
    """An aiosmtpd handler: keeps every message it accepts, with its envelope recipients.

    `refuse_once` holds recipients whose first message gets "451 try again later" (not kept).
    `arm_kill(n, worker)` makes the n-th message's DATA kill the worker's process group before
    any reply is sent (see the module docstring), after waiting until the worker's other
    sessions are parked in a command the server holds back.
    """

    def __init__(self) -> None:
        self.accepted: list[tuple[list[str], bytes]] = []
        self.sessions_used: set[int] = set()
        self.refuse_once: set[str] = set()
        self.refused: list[str] = []
        self.data_seen = 0
        self.kill_at: int | None = None
        self.victim: subprocess.Popen | None = None
        self.other_sessions = 0
        self.holding = False
        self.parked = 0
        self.release: asyncio.Event | None = None
        self.killed = threading.Event()
        self.killed_message_id: str | None = None
        self.kill_problem: str | None = None

    def arm_kill(self, at: int, victim: subprocess.Popen, other_sessions: int) -> None:
        self.kill_at, self.victim, self.other_sessions = at, victim, other_sessions

    async def _park(self) -> None:
        """Hold this session's command until the kill is over (its worker will be dead)."""
        if self.release is None:
            self.release = asyncio.Event()
        self.parked += 1
        await self.release.wait()

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.holding:
            await self._park()
            return "421 4.3.2 Closing"
        self.sessions_used.add(id(session))
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.holding:
            await self._park()
            return "451 4.3.0 Not now"
        self.data_seen += 1
        recipients = list(envelope.rcpt_tos)
        if self.data_seen == self.kill_at:
            parsed = email.message_from_bytes(envelope.original_content, policy=policy.default)
            await self._kill_worker(parsed["Message-ID"])
            return "451 4.3.0 Not now"  # nobody is left to read it
        if recipients[0] in self.refuse_once:
            self.refuse_once.discard(recipients[0])
            self.refused.append(recipients[0])
            return "451 4.3.0 Try again later"
        self.accepted.append((recipients, envelope.original_content))
        return "250 OK"

    async def _kill_worker(self, message_id: str) -> None:
        assert self.victim is not None
        loop = asyncio.get_running_loop()
        self.holding = True
        deadline = loop.time() + 10
        while self.parked < self.other_sessions:
            if loop.time() > deadline:
                self.kill_problem = (
                    f"only {self.parked} of {self.other_sessions} other sessions were waiting "
                    "for the server when the worker was killed"
                )
                break
            await asyncio.sleep(0.002)
        os.killpg(self.victim.pid, signal.SIGKILL)
        self.victim.wait(timeout=10)
        self.killed_message_id = message_id
        self.kill_at = None
        self.holding = False
        self.parked = 0
        if self.release is not None:
            self.release.set()  # the parked sessions belonged to the dead worker
            self.release = None
        self.killed.set()

    def received(self) -> list[tuple[str, str, email.message.EmailMessage]]:
        """(Message-ID, envelope recipient, parsed message) for every accepted message."""
        result = []
        for recipients, raw in list(self.accepted):
            parsed = email.message_from_bytes(raw, policy=policy.default)
            for recipient in recipients:
                result.append((parsed["Message-ID"], recipient, parsed))
        return result


@pytest.fixture
def mail_server():
    handler = MailServer()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


def _outbox_rows(count: int) -> list[OutboxMessage]:
    OutboxMessage.objects.bulk_create(
        OutboxMessage(
            mail_class=MailClass.TRANSACTIONAL,
            template="tests/notice",
            to_email=f"customer{i:03}@example.com",
            subject=f"Your order {i:03}",
            body_text=f"Order {i:03} is on its way. It contains no advertising.",
            body_html=f"<p>Order {i:03} is on its way.</p>",
            idempotency_key=f"outbox-test:{i:03}",
        )
        for i in range(1, count + 1)
    )
    return list(OutboxMessage.objects.order_by("id"))


def _assert_each_arrived_exactly_once(received, rows) -> None:
    """Every row reached the server once: by Message-ID and recipient, none missing, none
    twice; the headers are those of the row."""
    expected = {(f"<outbox-{row.pk}@candor>", row.to_email) for row in rows}
    counts = Counter((message_id, recipient) for message_id, recipient, _ in received)
    assert {key: n for key, n in counts.items() if n != 1} == {}  # nothing twice
    assert set(counts) - expected == set()  # nothing unexpected
    assert expected - set(counts) == set()  # nothing missing
    assert len(received) == len(rows)
    by_id = {f"<outbox-{row.pk}@candor>": row for row in rows}
    for message_id, recipient, parsed in received:
        row = by_id[message_id]
        assert (parsed["To"], parsed["Subject"]) == (recipient, row.subject)


# --- 1. a worker killed mid-batch, mid-transaction ---------------------------------------------


@dataclass
class Worker:
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]


def _forget_broker_connections() -> None:
    """Drop the Celery app's cached connections, so the next publish follows the settings."""
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)


@pytest.fixture
def queue(settings):
    """A queue of this test's own on Redis DB 13; this process publishes to it. Afterwards
    the queue, and any task a killed worker had taken but not acknowledged, are removed."""
    name = f"candor-test-{uuid.uuid4().hex}"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = REDIS_URL
    settings.CELERY_TASK_DEFAULT_QUEUE = name
    _forget_broker_connections()
    assert celery_app.conf.task_always_eager is False
    try:
        yield name
    finally:
        _forget_broker_connections()
        client = redis.Redis.from_url(REDIS_URL)
        try:
            for key in client.scan_iter(match=f"*{name}*"):
                client.delete(key)
            for tag, payload in client.hscan_iter("unacked"):
                if name.encode() in payload:
                    client.hdel("unacked", tag)
                    client.zrem("unacked_index", tag)
        finally:
            client.close()


@pytest.fixture
def start_worker(transactional_db, tmp_path, settings, queue, mail_server):
    """start_worker(name, beat=False): a real `celery -A candor worker` (prefork, two
    processes) in a process group of its own, on the test's queue, sending to the test's SMTP
    server. Every worker started is stopped, the whole group, whatever the test's outcome."""
    _, smtp_port = mail_server
    started: list[Worker] = []
    env = child_env(
        tmp_path,
        settings.SECRET_KEY,
        DATABASE_URL=database_url_of_this_run(),
        REDIS_URL=REDIS_URL,
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        OUTBOX_STALE_SENDING_SECONDS=str(STALE_SECONDS),
        OUTBOX_SWEEP_SECONDS="1",
        OUTBOX_BATCH_SIZE=str(BATCH_SIZE),
    )

    def _start(name: str, beat: bool = False) -> Worker:
        log_path = tmp_path / f"{name}.log"
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "candor",
            "worker",
            "--pool=prefork",
            f"--concurrency={CONCURRENCY}",
            "-Q",
            queue,
            "-n",
            f"{name}-{queue}@localhost",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
        ]
        if beat:
            command += ["--beat", "--schedule", str(tmp_path / f"{name}-beat-schedule")]
        # Tasks this worker publishes (the sweep's batches, beat's sweep) go to the test's queue.
        command += ["--", f"task.default_queue={queue}"]
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command,
                cwd=tmp_path,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: pool and beat die with it
            )
        worker = Worker(process=process, log_path=log_path)
        started.append(worker)
        return worker

    try:
        yield _start
    finally:
        for worker in started:
            _stop(worker.process)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait(timeout=10)
    _signal_group(process, signal.SIGKILL)  # any pool or beat process left behind


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # the group is already gone
        os.killpg(process.pid, signum)


def _wait_until_all_sent(worker: Worker, deadline: float) -> None:
    while time.monotonic() < deadline:
        unsent = OutboxMessage.objects.exclude(status=OutboxStatus.SENT).count()
        if unsent == 0:
            return
        if worker.process.poll() is not None:
            pytest.fail(f"the worker exited ({worker.process.returncode}):\n{worker.log()}")
        time.sleep(0.2)
    states = Counter(OutboxMessage.objects.values_list("status", flat=True))
    pytest.fail(f"outbox not all sent in time: {dict(states)}\nworker log:\n{worker.log()}")


@pytest.mark.redis
@pytest.mark.postgres
def test_p8_a_worker_killed_mid_batch_loses_no_mail_and_doubles_none(mail_server, start_worker):
    """P8: 400 messages in batches of 50 over two worker processes; SIGKILL to the whole
    worker while the 150th message is being transmitted; a new worker and the sweep finish.
    The server received each of the 400 exactly once; at the kill the outbox recorded exactly
    what the server had accepted, and only the messages in transmission (one per process)
    were left unrecorded; those, and only those, took a second attempt."""
    server, _ = mail_server
    rows = _outbox_rows(MESSAGES)
    first = start_worker("first")
    server.arm_kill(KILL_AT, first.process, other_sessions=CONCURRENCY - 1)

    assert dispatch_pending(batch_size=BATCH_SIZE) == MESSAGES

    if not server.killed.wait(timeout=30):
        pytest.fail(f"the server saw {server.data_seen} messages; worker log:\n{first.log()}")
    assert server.kill_problem is None
    assert first.process.returncode == -signal.SIGKILL
    # The outbox at the moment of the crash: sent means accepted by the server; what the two
    # processes had claimed (including the message being transmitted) says "sending" and was
    # never accepted.
    accepted = {message_id for message_id, _, _ in server.received()}
    sent = OutboxMessage.objects.filter(status=OutboxStatus.SENT)
    assert {f"<outbox-{pk}@candor>" for pk in sent.values_list("pk", flat=True)} == accepted
    assert len(accepted) == KILL_AT - 1
    in_flight = dict(
        OutboxMessage.objects.filter(status=OutboxStatus.SENDING).values_list("pk", "attempts")
    )
    killed_pk = int(server.killed_message_id.removeprefix("<outbox-").removesuffix("@candor>"))
    assert killed_pk in in_flight
    assert set(in_flight.values()) == {1}
    assert CONCURRENCY <= len(in_flight) <= CONCURRENCY * BATCH_SIZE
    assert not accepted & {f"<outbox-{pk}@candor>" for pk in in_flight}
    assert OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count() == (
        MESSAGES - len(accepted) - len(in_flight)
    )

    second = start_worker("second", beat=True)
    _wait_until_all_sent(second, deadline=time.monotonic() + WAIT_SECONDS)

    _assert_each_arrived_exactly_once(server.received(), rows)
    final = dict(OutboxMessage.objects.values_list("pk", "attempts"))
    assert final == {row.pk: 2 if row.pk in in_flight else 1 for row in rows}
    assert final[killed_pk] == 2
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}
    assert set(OutboxMessage.objects.values_list("last_error", flat=True)) == {""}
    # The second worker's beat ran the sweep, which handed out the remaining mail in batches.
    log = second.log()
    assert "Task candor.messaging.tasks.deliver_due_messages[" in log
    assert "Task candor.messaging.tasks.deliver_batch[" in log


# --- 2. a mail server that says "try again later" ----------------------------------------------


@pytest.mark.django_db
def test_p8_messages_refused_with_451_are_retried_and_arrive_exactly_once(mail_server, settings):
    """P8: the server answers 451 to every fourth message the first time. The batch goes on
    over the same connection; the refused messages are backed off, not resent before their
    time, and once it comes the sweep sends each of them once."""
    server, port = mail_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    rows = _outbox_rows(40)
    refused = rows[::4]
    server.refuse_once = {row.to_email for row in refused}
    before = timezone.now()

    assert deliver_batch([row.pk for row in rows]) == 30

    after = timezone.now()
    assert len(server.sessions_used) == 1  # one connection for the whole batch
    assert server.refused == [row.to_email for row in refused]
    assert len(server.received()) == 30
    for row in refused:
        row.refresh_from_db()
        assert (row.status, row.attempts, row.last_error) == (OutboxStatus.PENDING, 1, REFUSAL)
        wait = timedelta(seconds=30)
        assert before + wait <= row.next_attempt_at <= after + wait
    assert OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() == 30

    # Not due yet: the sweep hands out nothing and the server hears nothing more.
    assert deliver_due_messages() == 0
    assert len(server.received()) == 30

    # The backoff has passed: the sweep sends each refused message, once.
    OutboxMessage.objects.filter(pk__in=[row.pk for row in refused]).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    assert deliver_due_messages() == 10

    _assert_each_arrived_exactly_once(server.received(), rows)
    assert len(server.sessions_used) == 2
    refused_pks = {row.pk for row in refused}
    assert dict(OutboxMessage.objects.values_list("pk", "attempts")) == {
        row.pk: 2 if row.pk in refused_pks else 1 for row in rows
    }
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}
    assert deliver_due_messages() == 0
