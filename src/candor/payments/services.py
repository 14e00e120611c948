"""Payment actions: start collecting an order's money, and accept what gateways report."""

import logging

from django.db import IntegrityError, transaction

from candor.core.money import to_minor_units
from candor.orders.models import Order, OrderStatus
from candor.orders.services import OrderError, add_note, change_status, record_payment

from .adapters import ADAPTERS, SESSION_EVENTS, GatewayEvent, PaymentStart
from .models import Payment, PaymentStatus, WebhookEvent

logger = logging.getLogger(__name__)


def start_payment(*, order: Order, success_url: str, cancel_url: str) -> PaymentStart:
    """Ask the order's payment method what comes next. Raises PaymentUnavailable.

    For a hosted card page, a new session replaces any still open for the order, so the
    customer can never pay one order twice through two tabs.
    """
    adapter = ADAPTERS[order.payment_method]
    started = adapter.start(order, success_url=success_url, cancel_url=cancel_url)
    if not started.provider_reference:
        return started
    with transaction.atomic():
        superseded = list(
            Payment.objects.select_for_update()
            .filter(order=order, status=PaymentStatus.PENDING)
            .exclude(provider_reference=started.provider_reference)
        )
        Payment.objects.filter(pk__in=[p.pk for p in superseded]).update(
            status=PaymentStatus.FAILED
        )
        Payment.objects.get_or_create(
            provider_reference=started.provider_reference,
            defaults={
                "order": order,
                "method": order.payment_method,
                "amount": order.total,
                "currency": order.currency,
            },
        )
    for payment in superseded:
        adapter.expire(payment.provider_reference)
    return started


def handle_stripe_event(event: GatewayEvent) -> str:
    """Apply one verified Stripe event, exactly once. Returns what was done, for the log."""
    try:
        with transaction.atomic():
            WebhookEvent.objects.create(provider="stripe", event_id=event.id, event_type=event.type)
            return _apply_stripe_event(event)
    except IntegrityError:
        return "already processed"


def _apply_stripe_event(event: GatewayEvent) -> str:
    session = event.session
    if event.type not in SESSION_EVENTS or session is None:
        return "ignored"
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
        if payment.status == PaymentStatus.SUCCEEDED:
            # Stripe does not promise the order of events: a late "expired" or "failed" about
            # a session already paid says nothing new, and must not unpay it.
            logger.warning("stripe event %s arrived after %s was paid", event.id, session.id)
            return "already paid"
        payment.status = PaymentStatus.FAILED
        payment.save(update_fields=["status", "updated_at"])
        another_open = (
            Payment.objects.filter(order=payment.order, status=PaymentStatus.PENDING)
            .exclude(pk=payment.pk)
            .exists()
        )
        order = payment.order
        if order.status == OrderStatus.PENDING_PAYMENT and not order.is_paid and not another_open:
            change_status(
                order=order,
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
    if payment.status == PaymentStatus.SUCCEEDED:
        return "already paid"  # another event about the same, already applied, payment
    payment.status = PaymentStatus.SUCCEEDED
    payment.save(update_fields=["status", "updated_at"])
    order = payment.order
    if order.is_paid:
        # Paid twice (say, two tabs before a session could be closed): staff must refund one.
        add_note(
            order=order,
            acting_user=None,
            note=f"Second card payment received ({session.id}): refund it.",
        )
        logger.error("order %s paid twice", order.number)
        return "duplicate payment"
    try:
        record_payment(order=order, acting_user=None, note="Card payment (Stripe)")
    except OrderError:
        add_note(
            order=order,
            acting_user=None,
            note=f"Card payment received after the order closed ({session.id}): refund it.",
        )
        logger.error("payment for %s arrived after it was closed", order.number)
        return "order closed"
    return "order paid"
