"""What payments hold about a subject (P20): the payment attempts of their orders.

A payment is part of the order's accounting record, kept and pseudonymized with it: the amount,
currency, method and status stay; the processor's reference for the attempt (which leads back
to the customer in the processor's records) is removed. Webhook events name no order or
customer here, only the processor's event id, and are aged out by retention.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from candor.orders.subject_data import orders_of, pseudonymized_orders
from candor.privacy.registry import Counts, Holder, counts, export_rows
from candor.privacy.subjects import Subject

from .models import Payment

PAYMENT = Payment._meta.label


def _payments(subject: Subject) -> QuerySet[Payment]:
    """Payments of the subject's orders, whether or not orders already pseudonymized them
    (orders runs first)."""
    return Payment.objects.filter(order__in=orders_of(subject)) | Payment.objects.filter(
        order__in=pseudonymized_orders(subject)
    )


def export(subject: Subject) -> dict[str, list[dict[str, Any]]]:
    return {PAYMENT: export_rows(Payment.objects.filter(order__in=orders_of(subject)))}


def preview(subject: Subject) -> Counts:
    live = Payment.objects.filter(order__in=orders_of(subject))
    without_reference = live.filter(provider_reference__isnull=True).count()
    with_reference = _payments(subject).filter(provider_reference__isnull=False).count()
    return {PAYMENT: counts(pseudonymized=with_reference, kept=without_reference)}


def erase(subject: Subject) -> Counts:
    changed = (
        _payments(subject).filter(provider_reference__isnull=False).update(provider_reference=None)
    )
    return {PAYMENT: counts(pseudonymized=changed)}


HOLDER = Holder("payments", export=export, erase=erase, preview=preview)
