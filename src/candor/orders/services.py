"""Order actions: placing an order, and every move through its lifecycle.

Each action is one transaction that writes the status history row and the customer's mail
(an outbox row) with the change itself: both exist exactly when the change does. Delivery
starts only after commit.
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from candor.catalog.models import Variant
from candor.catalog.services import OutOfStock, release_stock, reserve_stock
from candor.core.ids import readable_code
from candor.core.models import ShopSettings
from candor.core.money import quantize
from candor.privacy.card_numbers import mask_card_numbers

from . import screening
from .models import (
    Order,
    OrderLine,
    OrderSource,
    OrderStatus,
    OrderStatusChange,
    PaymentMethod,
    ShippingMethod,
)
from .notices import send_order_notice
from .shipping import methods_for

__all__ = [
    "OutOfStock",
    "OrderError",
    "CustomerDetails",
    "place_order",
    "change_status",
    "record_payment",
    "add_note",
    "cancel_unpaid_orders",
    "guest_orders_for",
    "attach_guest_orders",
]


class OrderError(Exception):
    """An order action that was refused; the message says why and nothing was changed."""


@dataclass(frozen=True)
class CustomerDetails:
    """What an order needs to reach its buyer, and nothing more."""

    email: str
    phone: str
    shipping_name: str
    shipping_line1: str
    shipping_city: str
    shipping_country: str
    shipping_line2: str = ""
    shipping_postcode: str = ""
    billing_same_as_shipping: bool = True
    billing_name: str = ""
    billing_line1: str = ""
    billing_line2: str = ""
    billing_city: str = ""
    billing_postcode: str = ""
    billing_country: str = ""


TRANSITIONS: dict[str, set[str]] = {
    # Held by screening (P25): only a staff decision moves it (screening.decisions).
    OrderStatus.HELD: set(),
    OrderStatus.PENDING_PAYMENT: {OrderStatus.PAID, OrderStatus.CANCELLED},
    # Confirmed is cash on delivery; paid early (cash at the counter), it is refunded instead.
    OrderStatus.CONFIRMED: {OrderStatus.PACKED, OrderStatus.CANCELLED, OrderStatus.REFUNDED},
    OrderStatus.PAID: {OrderStatus.PACKED, OrderStatus.REFUNDED},
    OrderStatus.PACKED: {OrderStatus.SHIPPED, OrderStatus.CANCELLED, OrderStatus.REFUNDED},
    OrderStatus.SHIPPED: {OrderStatus.DELIVERED},
    OrderStatus.DELIVERED: {OrderStatus.REFUNDED},
    OrderStatus.CANCELLED: set(),
    OrderStatus.REFUNDED: set(),
}
# Stock goes back on the shelf only if the goods never left the building.
RESTOCK_FROM = {
    OrderStatus.PENDING_PAYMENT,
    OrderStatus.CONFIRMED,
    OrderStatus.PAID,
    OrderStatus.PACKED,
}
NOTICE_FOR = {
    OrderStatus.SHIPPED: "shipped",
    OrderStatus.DELIVERED: "delivered",
    OrderStatus.CANCELLED: "cancelled",
    OrderStatus.REFUNDED: "refunded",
}


def allowed_transitions(order: Order) -> list[str]:
    allowed = set(TRANSITIONS[order.status])
    # A paid order is refunded, not cancelled; an unpaid one cannot be refunded.
    if order.is_paid:
        allowed.discard(OrderStatus.CANCELLED)
    else:
        allowed.discard(OrderStatus.REFUNDED)
    if order.status == OrderStatus.PENDING_PAYMENT and order.is_paid:
        allowed.discard(OrderStatus.PAID)
    return [status for status in OrderStatus.values if status in allowed]


def _new_number() -> str:
    return f"CN-{readable_code(4)}-{readable_code(4)}"


def place_order(
    *,
    checkout_token: uuid.UUID,
    quantities: dict[int, int],
    customer: CustomerDetails,
    shipping_method_id: int,
    payment_method: str,
    note: str = "",
    payment_instructions: str = "",
    user=None,
    source: str = OrderSource.WEB,
    acting_user=None,
    client_ip: str | None = None,
) -> tuple[Order, bool]:
    """Create the order and take its stock, all or nothing. Returns (order, created).

    P25: the order is screened first (`screening`), and the verdict recorded with it: an
    accepted order starts as usual, one held for review waits (stock taken, not confirmed)
    for staff, a declined one is saved cancelled with no stock taken and no mail.
    `client_ip` is the customer's address (web orders), for screeners that read it.

    Idempotent: the same checkout token always yields the same single order, whether the
    second attempt arrives after the first committed or while it is still in flight.
    Raises OutOfStock or OrderError and leaves nothing behind when refused.
    """
    existing = Order.objects.filter(checkout_token=checkout_token).first()
    if existing is not None:
        return existing, False
    if not quantities:
        raise OrderError("Your cart is empty.")
    if payment_method not in PaymentMethod.values:
        raise OrderError("Choose a payment method.")
    try:
        with transaction.atomic():
            order = _create_order(
                checkout_token=checkout_token,
                quantities=quantities,
                customer=customer,
                shipping_method_id=shipping_method_id,
                payment_method=payment_method,
                note=note,
                payment_instructions=payment_instructions,
                user=user,
                source=source,
                acting_user=acting_user,
                client_ip=client_ip,
            )
            if order.status != OrderStatus.CANCELLED:  # declined by screening: no mail
                send_order_notice(order, "placed")
    except IntegrityError:
        # A concurrent submit with the same token won the race: return its order.
        existing = Order.objects.filter(checkout_token=checkout_token).first()
        if existing is None:
            raise
        return existing, False
    return order, True


def _create_order(
    *,
    checkout_token,
    quantities,
    customer,
    shipping_method_id,
    payment_method,
    note,
    payment_instructions,
    user,
    source,
    acting_user,
    client_ip=None,
) -> Order:
    variants = {
        v.pk: v for v in Variant.objects.select_related("product").filter(pk__in=list(quantities))
    }
    if len(variants) != len(quantities) or any(q < 1 for q in quantities.values()):
        raise OrderError("Your cart holds an item that no longer exists. Please review it.")
    subtotal = quantize(sum((variants[v].price * q for v, q in quantities.items()), Decimal(0)))
    method = ShippingMethod.objects.filter(pk=shipping_method_id, is_active=True).first()
    if method is None or method not in methods_for(customer.shipping_country):
        raise OrderError("That shipping method does not deliver to the chosen country.")
    shipping_cost = method.cost_for(subtotal)
    status = (
        OrderStatus.CONFIRMED
        if payment_method == PaymentMethod.CASH_ON_DELIVERY
        else OrderStatus.PENDING_PAYMENT
    )
    facts = screening.facts_for(
        source=source,
        customer=customer,
        client_ip=client_ip,
        variants=variants,
        quantities=quantities,
        total=subtotal + shipping_cost,
        currency=ShopSettings.load().currency,
        user=user,
    )
    screener, verdict = screening.screen(facts)
    status = screening.status_after(verdict, status)
    order = _insert_with_unique_number(
        checkout_token=checkout_token,
        user=user if user is not None and user.is_authenticated else None,
        source=source,
        taken_by=acting_user if source == OrderSource.PHONE else None,
        status=status,
        payment_method=payment_method,
        note=mask_card_numbers(note.strip()).text,  # P13: no card number is stored
        payment_instructions=payment_instructions,
        shipping_method_name=method.name,
        currency=ShopSettings.load().currency,
        subtotal=subtotal,
        shipping_cost=shipping_cost,
        total=subtotal + shipping_cost,
        **customer.__dict__,
    )
    if status != OrderStatus.CANCELLED:  # a declined order takes no stock
        reserve_stock(quantities)
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            variant=variant,
            sku=variant.sku,
            product_name=variant.product.name,
            variant_label=variant.label,
            unit_price=variant.price,
            quantity=quantities[variant.pk],
            line_total=variant.price * quantities[variant.pk],
        )
        for variant in sorted(variants.values(), key=lambda v: v.pk)
    )
    OrderStatusChange.objects.create(
        order=order,
        from_status="",
        to_status=status,
        changed_by=acting_user,
        note=("Phone order" if source == OrderSource.PHONE else "Placed online")
        + SCREENING_NOTES.get(status, ""),
    )
    screening.record(order=order, screener=screener, verdict=verdict, facts=facts)
    return order


SCREENING_NOTES = {
    OrderStatus.HELD: "; held for review by order screening",
    OrderStatus.CANCELLED: "; declined by order screening",
}


def _insert_with_unique_number(**fields) -> Order:
    for _ in range(5):
        try:
            with transaction.atomic():  # a savepoint, so a number clash doesn't spoil the order
                return Order.objects.create(number=_new_number(), **fields)
        except IntegrityError:
            if Order.objects.filter(checkout_token=fields["checkout_token"]).exists():
                raise
    raise OrderError("Could not allocate an order number; please try again.")


def change_status(
    *,
    order: Order,
    to_status: str,
    acting_user,
    note: str = "",
    carrier: str = "",
    tracking_number: str = "",
) -> Order:
    """Move an order one step along its lifecycle, or refuse with OrderError."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if to_status not in allowed_transitions(locked):
            raise OrderError(
                f"Order {locked.number} cannot go from "
                f"“{locked.get_status_display()}” to “{OrderStatus(to_status).label}”."
            )
        if to_status == OrderStatus.SHIPPED and not (carrier.strip() and tracking_number.strip()):
            raise OrderError("A shipped order needs a carrier and a tracking number.")
        if to_status == OrderStatus.PAID:
            locked.paid_at = timezone.now()
        if to_status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED) and (
            locked.status in RESTOCK_FROM
        ):
            release_stock(
                {line.variant_id: line.quantity for line in locked.lines.all() if line.variant_id}
            )
        if to_status == OrderStatus.SHIPPED:
            locked.carrier, locked.tracking_number = carrier.strip(), tracking_number.strip()
        from_status, locked.status = locked.status, to_status
        locked.save()
        OrderStatusChange.objects.create(
            order=locked,
            from_status=from_status,
            to_status=to_status,
            changed_by=acting_user,
            note=note[:300],
        )
        event = "paid" if to_status == OrderStatus.PAID else NOTICE_FOR.get(to_status)
        if event:
            send_order_notice(locked, event)
    return locked


def record_payment(*, order: Order, acting_user, note: str = "") -> Order:
    """Money arrived (gateway webhook, bank transfer seen, cash collected). Idempotent."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.is_paid:
            return locked
        if locked.status == OrderStatus.PENDING_PAYMENT:
            return change_status(
                order=locked,
                to_status=OrderStatus.PAID,
                acting_user=acting_user,
                note=note or "Payment received",
            )
        if locked.status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED):
            raise OrderError(f"Order {locked.number} is {locked.get_status_display().lower()}.")
        if locked.status == OrderStatus.HELD:
            raise OrderError(f"Order {locked.number} is held for review: release it first.")
        # Cash on delivery: the order is already under way; only the payment is recorded.
        locked.paid_at = timezone.now()
        locked.save(update_fields=["paid_at", "updated_at"])
        OrderStatusChange.objects.create(
            order=locked,
            from_status=locked.status,
            to_status=locked.status,
            changed_by=acting_user,
            note=note or "Payment received",
        )
        send_order_notice(locked, "paid")
    return locked


def add_note(*, order: Order, note: str, acting_user) -> None:
    """Write something staff must see (a duplicate payment, say) into the order's history."""
    OrderStatusChange.objects.create(
        order=order,
        from_status=order.status,
        to_status=order.status,
        changed_by=acting_user,
        note=note[:300],
    )


def cancel_unpaid_orders(*, older_than: dict[str, timedelta], now=None) -> list[str]:
    """Cancel orders still awaiting payment after their method's grace period, so their
    stock goes back on sale. Returns the numbers cancelled."""
    now = now or timezone.now()
    cancelled = []
    for method, grace in older_than.items():
        stale = Order.objects.filter(
            status=OrderStatus.PENDING_PAYMENT,
            paid_at__isnull=True,
            payment_method=method,
            created_at__lt=now - grace,
        ).exclude(
            # Released from a screening hold: the time to pay counts from the release (P25).
            screening__decided_at__gte=now - grace
        )
        for order in stale.order_by("id"):
            try:
                change_status(
                    order=order,
                    to_status=OrderStatus.CANCELLED,
                    acting_user=None,
                    note="Not paid in time",
                )
            except OrderError:  # paid or changed meanwhile
                continue
            cancelled.append(order.number)
    return cancelled


def _verified_emails(user) -> list[str]:
    return [
        email.lower()
        for email in EmailAddress.objects.filter(user=user, verified=True).values_list(
            "email", flat=True
        )
    ]


def guest_orders_for(user) -> QuerySet[Order]:
    """P3: orders placed without an account under one of the customer's *verified* email
    addresses (compared case-insensitively): the ones they may attach to their account."""
    return (
        Order.objects.annotate(email_lower=Lower("email"))
        .filter(user__isnull=True, email_lower__in=_verified_emails(user))
        .exclude(email="")
    )


def attach_guest_orders(*, user, order_ids: list[int]) -> list[Order]:
    """P3: attach guest orders to the customer's account once they confirmed the list.

    Everything is checked again here, under row locks: each order must still have no
    account and carry one of the customer's verified email addresses. If any of them does
    not, nothing is attached and OrderError says so. Each attached order's history records it.
    """
    wanted = sorted(set(order_ids))
    if not wanted:
        raise OrderError("Choose the orders to attach.")
    with transaction.atomic():
        orders = list(
            guest_orders_for(user)
            .filter(pk__in=wanted)
            .order_by("pk")
            .select_for_update(of=("self",))
        )
        if len(orders) != len(wanted):
            raise OrderError(
                "Some of these orders can no longer be attached to your account. "
                "Nothing was changed; please check the list again."
            )
        Order.objects.filter(pk__in=wanted).update(user=user, updated_at=timezone.now())
        OrderStatusChange.objects.bulk_create(
            OrderStatusChange(
                order=order,
                from_status=order.status,
                to_status=order.status,
                changed_by=user,
                note="Attached to the customer's account",
            )
            for order in orders
        )
    for order in orders:
        order.user = user
    return orders
