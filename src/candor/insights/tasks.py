"""Thin Celery wrappers around insights services; safe to run again at any time."""

from celery import shared_task

from . import daily, services


@shared_task(ignore_result=True)
def refresh_product_rankings() -> int:
    return services.refresh_product_rankings()


@shared_task(ignore_result=True)
def refresh_partner_aggregates() -> int:
    return daily.refresh_daily_aggregates()
