"""Payment actions: start collecting an order's money, and accept what gateways report."""

import logging

from django.db import IntegrityError, transaction

from candor.core.money import to_minor_units
from candor.orders.models import Order, OrderStatus
from candor.orders.services import OrderError, change_status, record_payment

from .adapters import ADAPTERS, PaymentStart
from .models import Payment, PaymentStatus, WebhookEvent

logger = logging.getLogger(__name__)


def start_payment(*, order: Order, success_url: str, cancel_url: str) -> PaymentStart:
    """Ask the order's payment method what comes next. Raises PaymentUnavailable."""
    adapter = ADAPTERS[order.payment_method]
    started = adapter.start(order, success_url=success_url, cancel_url=cancel_url)
    if started.provider_reference:
        Payment.objects.get_or_create(
            provider_reference=started.provider_reference,
            defaults={
                "order": order,
                "method": order.payment_method,
                "amount": order.total,
                "currency": order.currency,
            },
        )
    return started


def handle_stripe_event(event) -> str:
    """Apply one verified Stripe event, exactly once. Returns what was done, for the log."""
    try:
        with transaction.atomic():
            WebhookEvent.objects.create(provider="stripe", event_id=event.id, event_type=event.type)
            return _apply_stripe_event(event)
    except IntegrityError:
        return "already processed"


def _apply_stripe_event(event) -> str:
    if event.type not in (
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.expired",
        "checkout.session.async_payment_failed",
    ):
        return "ignored"
    session = event.data.object
    payment = (
        Payment.objects.select_for_update()
        .select_related("order")
        .filter(provider_reference=session.id)
        .first()
    )
    if payment is None:
        logger.warning("stripe event %s names unknown session %s", event.id, session.id)
        return "unknown session"
    if event.type.endswith("expired") or event.type.endswith("failed"):
        payment.status = PaymentStatus.FAILED
        payment.save(update_fields=["status", "updated_at"])
        if payment.order.status == OrderStatus.PENDING_PAYMENT and not payment.order.is_paid:
            change_status(
                order=payment.order,
                to_status=OrderStatus.CANCELLED,
                acting_user=None,
                note="Card payment not completed",
            )
            return "order cancelled"
        return "payment failed"
    if session.payment_status != "paid":
        return "awaiting payment"
    if session.amount_total != to_minor_units(payment.amount) or (
        (session.currency or "").upper() != payment.currency
    ):
        logger.error(
            "stripe session %s amount does not match order %s", session.id, payment.order.number
        )
        return "amount mismatch"
    payment.status = PaymentStatus.SUCCEEDED
    payment.save(update_fields=["status", "updated_at"])
    try:
        record_payment(order=payment.order, acting_user=None, note="Card payment (Stripe)")
    except OrderError:
        logger.error("payment for %s arrived after it was closed", payment.order.number)
        return "order closed"
    return "order paid"
