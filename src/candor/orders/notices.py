"""Order mail (transactional: always sent, never carries marketing)."""

from candor.core.models import ShopSettings
from candor.messaging.models import MailClass
from candor.messaging.services import enqueue

from .links import lookup_url
from .models import Order

# The notice each event sends; the key is also part of the idempotency key.
NOTICES = {
    "placed": "orders/email/placed",
    # A held order (P25) released by staff: confirmed now, with how to pay.
    "released": "orders/email/confirmed",
    "paid": "orders/email/paid",
    "shipped": "orders/email/shipped",
    "delivered": "orders/email/delivered",
    "cancelled": "orders/email/cancelled",
    "refunded": "orders/email/refunded",
}


def send_order_notice(order: Order, event: str) -> None:
    """Queue the mail for an order event; a repeat of the same event sends nothing more."""
    if not order.email:  # a phone order taken without an email address
        return
    enqueue(
        template=NOTICES[event],
        to_email=order.email,
        context={
            "order": order,
            "lines": list(order.lines.all()),
            "shop": ShopSettings.load(),
            "order_url": lookup_url(order.number),
        },
        mail_class=MailClass.TRANSACTIONAL,
        idempotency_key=f"order:{order.number}:{event}",
    )
