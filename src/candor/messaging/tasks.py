"""Thin Celery wrappers: safe to retry, because delivery claims each message once."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def deliver_message(message_id: int) -> None:
    services.deliver(message_id)


@shared_task(ignore_result=True)
def deliver_due_messages() -> int:
    """The sweep: retries after backoff, and messages whose worker died mid-send."""
    sent = 0
    for message_id in services.due_message_ids():
        sent += services.deliver(message_id)
    return sent
