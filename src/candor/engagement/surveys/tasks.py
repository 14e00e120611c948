"""Thin Celery wrapper; writing invitations again skips the ones already written."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True, autoretry_for=(Exception,), retry_backoff=30, max_retries=8)
def send_invitations(event_id: int) -> int:
    return services.write_invitations(event_id)
