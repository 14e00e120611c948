"""What orders hold about a subject (P20): their orders, kept for the tax record.

Orders are kept ten years (the data map's TAX_NOTE), so erasure pseudonymizes them instead of
deleting: the names become the subject's pseudonym, and the email, phone, street, city,
postcode, note, payment instructions and the link to the account are emptied; what was sold,
for how much, where to (the country, for tax) and when stays. Staff notes in the status
history are emptied and the screening result loses its IP address and decision note; the
verdict itself stays for its two years. Every change is one UPDATE per model, whatever the
number of orders.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from candor.privacy.registry import Counts, Holder, counts, email_q, export_rows
from candor.privacy.subjects import Subject, addresses, pseudonym

from .models import Order, OrderLine, OrderStatusChange, ScreeningResult

ORDER = Order._meta.label
LINE = OrderLine._meta.label
HISTORY = OrderStatusChange._meta.label
SCREENING = ScreeningResult._meta.label


def pseudonymized_orders(subject: Subject) -> QuerySet[Order]:
    """The subject's orders already pseudonymized (they carry its pseudonym as the name), for
    the apps whose records hang off an order (payments) and run after this one."""
    return Order.objects.filter(shipping_name=pseudonym(subject))


def orders_of(subject: Subject) -> QuerySet[Order]:
    """The subject's orders not yet pseudonymized: placed from the account or with one of the
    subject's addresses (guest orders)."""
    query = email_q("email", addresses(subject))
    if subject.user_id is not None:
        query |= Q(user_id=subject.user_id)
    return Order.objects.filter(query)


def export(subject: Subject) -> dict[str, list[dict[str, Any]]]:
    orders = orders_of(subject)
    return {
        ORDER: export_rows(orders, hide=("checkout_token",)),
        LINE: export_rows(OrderLine.objects.filter(order__in=orders)),
        HISTORY: export_rows(OrderStatusChange.objects.filter(order__in=orders)),
        SCREENING: export_rows(ScreeningResult.objects.filter(order__in=orders)),
    }


def preview(subject: Subject) -> Counts:
    orders = orders_of(subject)
    return {
        ORDER: counts(pseudonymized=orders.count()),
        LINE: counts(kept=OrderLine.objects.filter(order__in=orders).count()),
        HISTORY: counts(
            pseudonymized=OrderStatusChange.objects.filter(order__in=orders)
            .filter(_history_identifies(subject))
            .count()
        ),
        SCREENING: counts(pseudonymized=ScreeningResult.objects.filter(order__in=orders).count()),
    }


def _history_identifies(subject: Subject) -> Q:
    query = ~Q(note="")
    if subject.user_id is not None:
        query |= Q(changed_by_id=subject.user_id)
    return query


def erase(subject: Subject) -> Counts:
    ids = list(orders_of(subject).values_list("pk", flat=True))
    if not ids:
        return {ORDER: counts()}
    kept_lines = OrderLine.objects.filter(order_id__in=ids).count()
    in_orders = OrderStatusChange.objects.filter(order_id__in=ids)
    history_changed = in_orders.filter(_history_identifies(subject)).count()
    if subject.user_id is not None:
        in_orders.filter(changed_by_id=subject.user_id).update(changed_by=None)
    in_orders.exclude(note="").update(note="")
    screening = ScreeningResult.objects.filter(order_id__in=ids).update(ip=None, decision_note="")
    name = pseudonym(subject)
    changed = Order.objects.filter(pk__in=ids).update(
        user=None,
        email="",
        phone="",
        shipping_name=name,
        shipping_line1="",
        shipping_line2="",
        shipping_city="",
        shipping_postcode="",
        billing_name=name,
        billing_line1="",
        billing_line2="",
        billing_city="",
        billing_postcode="",
        note="",
        payment_instructions="",
    )
    return {
        ORDER: counts(pseudonymized=changed),
        LINE: counts(kept=kept_lines),
        HISTORY: counts(pseudonymized=history_changed),
        SCREENING: counts(pseudonymized=screening),
    }


HOLDER = Holder("orders", export=export, erase=erase, preview=preview)
