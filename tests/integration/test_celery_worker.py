"""P8 in the scale-out topology: PostgreSQL, Redis and a separate Celery worker process.

The test process places an order; the order mail's outbox row is committed and its delivery
task published to Redis; a real `celery worker` subprocess, sharing the test database, picks it
up and writes the mail through Django's file backend. The mail leaves exactly once, and not
from the web process.
"""

import re
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import kombu.pools
import pytest
import redis
from django.core import mail

from candor.celery import app as celery_app
from candor.messaging.models import OutboxMessage, OutboxStatus
from tests.child_process import child_env, database_url_of_this_run

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

PROJECT_DIR = Path(__file__).resolve().parents[2]
# A Redis database of its own, plus a queue name unique to this run, so that neither another
# worker nor another test run can take (or hand us) a task.
REDIS_URL = "redis://127.0.0.1:6379/13"
WAIT_SECONDS = 30


@dataclass
class Worker:
    process: subprocess.Popen
    queue: str
    mail_dir: Path
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


@pytest.fixture
def worker(transactional_db, tmp_path, settings):
    """A real Celery worker on its own queue, pointed at the test database; always stopped."""
    queue = f"candor-test-{uuid.uuid4().hex}"
    mail_dir = tmp_path / "mail"
    log_path = tmp_path / "worker.log"
    env = child_env(
        tmp_path,
        settings.SECRET_KEY,
        DATABASE_URL=database_url_of_this_run(),
        REDIS_URL=REDIS_URL,
        EMAIL_URL=f"filemail://{mail_dir}",  # an absolute path: filemail:///tmp/...
    )
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "candor",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "-Q",
        queue,
        "-n",
        f"{queue}@localhost",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=INFO",
    ]
    with log_path.open("wb") as log:
        # cwd is the temporary directory, so a mail path taken as relative would land there
        # and not in mail_dir: the test would see it.
        process = subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        yield Worker(process=process, queue=queue, mail_dir=mail_dir, log_path=log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        client = redis.Redis.from_url(REDIS_URL)
        try:
            for key in client.scan_iter(match=f"*{queue}*"):
                client.delete(key)
        finally:
            client.close()


def _drop_broker_connections() -> None:
    """Forget every cached broker connection, so the next publish follows the current settings.

    The Celery app caches its connection pool, its amqp helper caches the queues, the router and
    the producer pool, and kombu keeps a registry of pools: all are dropped (and closed).
    """
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)


@pytest.fixture
def publishing_to(worker, settings):
    """This process's Celery app publishes to the worker's queue on Redis instead of running
    tasks in-process. Celery reads Django's settings live, so the `settings` fixture's
    restoration puts eager mode back; only the cached connections need dropping."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = REDIS_URL
    settings.CELERY_TASK_DEFAULT_QUEUE = worker.queue
    _drop_broker_connections()
    assert celery_app.conf.task_always_eager is False
    assert celery_app.conf.broker_url == REDIS_URL
    yield worker
    _drop_broker_connections()


def _wait_until_settled(message: OutboxMessage, worker: Worker) -> None:
    """Poll (bounded) until the worker has sent or given up on the message."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        message.refresh_from_db()
        if message.status in (OutboxStatus.SENT, OutboxStatus.FAILED):
            return
        if worker.process.poll() is not None:
            pytest.fail(f"the worker exited ({worker.process.returncode}):\n{worker.log()}")
        time.sleep(0.2)
    pytest.fail(
        f"message still {message.status!r} after {WAIT_SECONDS} s; worker log:\n{worker.log()}"
    )


def test_order_mail_is_delivered_once_by_a_real_worker_P8(publishing_to, place, variant):
    """P8: order mail placed in the web process is sent by the Celery worker, exactly once."""
    worker = publishing_to
    order = place({variant.pk: 1})
    message = OutboxMessage.objects.get(idempotency_key=f"order:{order.number}:placed")
    _wait_until_settled(message, worker)

    assert message.status == OutboxStatus.SENT, worker.log()
    assert message.attempts == 1
    assert message.last_error == ""
    assert message.sent_at is not None
    assert OutboxMessage.objects.count() == 1
    # Nothing was sent from this (the web) process: the worker did it.
    assert mail.outbox == []
    files = sorted(worker.mail_dir.iterdir())
    assert len(files) == 1
    content = files[0].read_text()
    assert [path for path in files if order.number in path.read_text()] == files
    assert f"Subject: Order {order.number} received\n" in content
    assert "To: ayesha@example.com\n" in content
    assert f"Message-ID: <outbox-{message.pk}@candor>\n" in content
    # The worker took the one task published for it.
    received = re.findall(r"Task ([\w.]+)\[[0-9a-f-]{36}\] received", worker.log())
    assert received == ["candor.messaging.tasks.deliver_message"]
