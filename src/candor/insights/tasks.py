"""Thin Celery wrappers around insights services; safe to run again at any time."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def refresh_product_rankings() -> int:
    return services.refresh_product_rankings()
