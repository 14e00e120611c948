"""Thin Celery wrappers; each fan-out is safe to run again (idempotent rows)."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def fan_out_campaign(campaign_id: int) -> int:
    return services.fan_out(campaign_id)


@shared_task(ignore_result=True)
def fan_out_announcement(announcement_id: int) -> int:
    return services.fan_out_announcement_mail(announcement_id)
