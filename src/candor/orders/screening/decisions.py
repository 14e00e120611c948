"""Staff decisions on orders held by screening (P25): release or cancel, each audited.

Both lock the order, refuse unless it is still held, write the order's history (who, what,
when) and the decision on its screening result, and queue the customer's mail, in one
transaction. Repeating the same decision (a double click) changes nothing.
"""

from django.db import transaction
from django.utils import timezone

from candor.catalog.services import release_stock
from candor.privacy.card_numbers import mask_card_numbers

from ..models import (
    Order,
    OrderStatus,
    OrderStatusChange,
    PaymentMethod,
    ScreeningDecision,
    ScreeningResult,
)
from ..notices import send_order_notice
from ..services import OrderError

NOTE_LENGTH = 300


def release_held_order(*, order: Order, acting_user, note: str = "") -> Order:
    """The order goes on as if it had been accepted: confirmed (cash on delivery) or awaiting
    payment, and the customer is mailed that it is confirmed (with how to pay)."""
    to_status = (
        OrderStatus.CONFIRMED
        if order.payment_method == PaymentMethod.CASH_ON_DELIVERY
        else OrderStatus.PENDING_PAYMENT
    )
    return _decide(
        order=order,
        decision=ScreeningDecision.RELEASED,
        to_status=to_status,
        acting_user=acting_user,
        note=note,
        notice="released",
    )


def cancel_held_order(*, order: Order, acting_user, note: str = "") -> Order:
    """The order is cancelled: its stock goes back on sale and the customer gets the usual
    cancellation mail (which gives no reason)."""
    return _decide(
        order=order,
        decision=ScreeningDecision.CANCELLED,
        to_status=OrderStatus.CANCELLED,
        acting_user=acting_user,
        note=note,
        notice="cancelled",
    )


def _decide(
    *, order: Order, decision: str, to_status: str, acting_user, note: str, notice: str
) -> Order:
    note = mask_card_numbers(note.strip()).text  # staff paste customers' words too (P13)
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        result = ScreeningResult.objects.select_for_update().filter(order=locked).first()
        if result is not None and result.decision == decision:
            return locked  # the same decision again: already done
        if locked.status != OrderStatus.HELD or result is None:
            raise OrderError(
                f"Order {locked.number} is not held for review "
                f"(it is “{locked.get_status_display()}”)."
            )
        if to_status == OrderStatus.CANCELLED:
            release_stock(
                {line.variant_id: line.quantity for line in locked.lines.all() if line.variant_id}
            )
        locked.status = to_status
        locked.save(update_fields=["status", "updated_at"])
        label = ScreeningDecision(decision).label
        OrderStatusChange.objects.create(
            order=locked,
            from_status=OrderStatus.HELD,
            to_status=to_status,
            changed_by=acting_user,
            note=(f"{label} after screening review" + (f": {note}" if note else ""))[:NOTE_LENGTH],
        )
        result.decision = decision
        result.decided_by = acting_user
        result.decided_at = timezone.now()
        result.decision_note = note[:NOTE_LENGTH]
        result.save(update_fields=["decision", "decided_by", "decided_at", "decision_note"])
        send_order_notice(locked, notice)
    return locked
