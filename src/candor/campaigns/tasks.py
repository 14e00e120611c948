"""Thin Celery wrappers; each fan-out is safe to run again (idempotent rows)."""

from celery import shared_task

from . import services

# A fan-out that fails (the database restarting) runs again: rows already written are skipped.
RETRY = {"autoretry_for": (Exception,), "retry_backoff": 30, "max_retries": 8}


@shared_task(ignore_result=True, **RETRY)
def fan_out_campaign(campaign_id: int) -> int:
    return services.fan_out(campaign_id)


@shared_task(ignore_result=True, **RETRY)
def fan_out_announcement(announcement_id: int) -> int:
    return services.fan_out_announcement_mail(announcement_id)
