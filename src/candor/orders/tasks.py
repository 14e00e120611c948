"""Thin Celery wrappers around order services."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from . import services


@shared_task(ignore_result=True)
def cancel_unpaid_orders() -> list[str]:
    """Return stock held by orders nobody paid for (run by Celery beat)."""
    return services.cancel_unpaid_orders(
        older_than={
            method: timedelta(hours=hours) for method, hours in settings.UNPAID_ORDER_HOURS.items()
        }
    )
