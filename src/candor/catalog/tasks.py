"""Thin Celery wrappers; notices are idempotent per person (see catalog.notices)."""

from celery import shared_task

from . import notices


@shared_task(ignore_result=True)
def notify_back_in_stock(variant_id: int) -> int:
    return notices.notify_back_in_stock(variant_id)


@shared_task(ignore_result=True)
def announce_new_product(product_id: int) -> int:
    return notices.announce_new_product(product_id)
