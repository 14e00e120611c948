"""P8: a task queue that is down when an order commits delays its mail, never loses it, and
never turns the order into an error page."""

import logging

import kombu.pools
import pytest

from candor.celery import app as celery_app
from candor.messaging.models import OutboxMessage, OutboxStatus
from candor.orders.models import Order
from tests.redis_server import free_port

pytestmark = pytest.mark.django_db


def _forget_broker_connections() -> None:
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)


@pytest.fixture
def dead_broker(settings):
    """Celery publishing to a Redis port nobody listens on (production's publish settings)."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"
    _forget_broker_connections()
    yield
    _forget_broker_connections()


def test_p8_order_commits_and_its_mail_waits_for_the_sweep_when_the_broker_is_down(
    dead_broker, place, variant, caplog
):
    with caplog.at_level(logging.WARNING, logger="candor.messaging.services"):
        order = place({variant.pk: 1})

    assert Order.objects.get().pk == order.pk
    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 0)
    (warning,) = [r.getMessage() for r in caplog.records if r.name == "candor.messaging.services"]
    assert warning.startswith(
        f"Mail {message.pk} waits in the outbox for the sweep: the task queue is unavailable"
    )
    assert "Connection refused" in warning
