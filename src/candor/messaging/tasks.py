"""Thin Celery wrappers: safe to retry, because delivery claims each message once."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def deliver_message(message_id: int) -> None:
    services.deliver(message_id)


@shared_task(ignore_result=True)
def deliver_batch(message_ids: list[int]) -> int:
    """Send a batch over one connection to the mail server."""
    return services.deliver_batch(message_ids)


@shared_task(ignore_result=True)
def deliver_due_messages() -> int:
    """The sweep: hands retries after backoff, mail nobody has sent yet and messages whose
    worker died mid-send to the workers as batches. Returns how many it handed out."""
    return services.dispatch_pending()
