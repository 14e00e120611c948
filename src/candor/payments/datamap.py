"""What payments keep, for the data map (X1). No card data, ever (P13): card numbers are typed
on the payment processor's page, and only its reference for the attempt comes back.

A payment is part of the order's accounting record: kept 10 years from the order, then
pseudonymized with it. The payment processor (Stripe) receives the amount and currency of a
card payment (with the order's number and email, declared on the order) and gives us its
reference for the attempt, which we send back to it to close a session nobody should pay.
"""

from candor.privacy.datamap import (
    NOT_PERSONAL,
    YEAR,
    declare,
    declare_not_personal,
    keep,
    personal,
)

from .models import Payment, PaymentSettings, WebhookEvent

TAX_NOTE = (
    "Part of the order's accounting record: kept 10 years from the order (a legal "
    "obligation), then pseudonymized with it."
)


def payment_data(category: str, *, source: str = "automatic", recipients=(), note: str = ""):
    return personal(
        category,
        purposes=["payment", "legal_obligation"],
        basis="contract",
        source=source,
        keep=[keep(10 * YEAR, "pseudonymize")],
        recipients=recipients,
        note=note or TAX_NOTE,
    )


declare(
    Payment,
    fields={
        "order": payment_data("commerce.order"),
        "method": payment_data("commerce.order", source="given"),
        "amount": payment_data("commerce.order", recipients=["payment_processor"]),
        "currency": payment_data("commerce.order", recipients=["payment_processor"]),
        "status": payment_data("commerce.order"),
        "provider_reference": payment_data(
            "financial.payment_reference",
            source="third_party",
            recipients=["payment_processor"],
            note="The Stripe Checkout Session id of a card payment attempt. " + TAX_NOTE,
        ),
        "created_at": payment_data("commerce.order"),
        "updated_at": NOT_PERSONAL,  # row bookkeeping
    },
)

declare(
    WebhookEvent,
    fields={
        "provider": NOT_PERSONAL,
        # The processor's event id: with the processor's records it leads to a payment.
        "event_id": personal(
            "financial.payment_reference",
            purposes=["payment", "security"],
            basis="legitimate_interests",
            source="third_party",
            keep=keep(YEAR, "delete"),
            note="Kept so a replayed event is refused; the processor stops retrying after a "
            "few days, so a year is ample for troubleshooting.",
        ),
        "event_type": NOT_PERSONAL,
        "received_at": NOT_PERSONAL,
    },
    age_field="received_at",
)

declare_not_personal(
    PaymentSettings, reason="Which payment methods the shop offers: shop configuration."
)

# Export and erasure of a subject's data (P20): subject_data.py.
from candor.privacy.registry import register_holder  # noqa: E402

from .subject_data import HOLDER  # noqa: E402

register_holder(HOLDER)
