"""What orders keep, for the data map (X1).

An order is kept ten years from when it was placed, because tax and accounting law require the
record; after that (or earlier, when the customer has it erased and the law allows) it is
pseudonymized: who bought is removed, what was sold and for how much stays.

Who receives what (P16): the shipper gets the name, delivery address, phone and email, and the
total when it collects cash on delivery; the payment processor (Stripe, card orders only) gets
what `payments.adapters.StripeCheckout.start` sends: the order number, the email for the
receipt, the total and the currency; the mail provider gets every address we mail.

Order screening (P25) reads the facts in `screening.FACT_FIELDS` to check each order for fraud,
so those fields carry the purpose fraud_prevention; when ORDER_SCREENER names an external
screener, the fields it sends also name the recipient fraud_screener (checked by orders.E002).
Its verdicts are kept two years, to answer a disputed payment or a repeated attempt, then
deleted; the customer's IP address on them is shortened after 30 days, like the server log's.
"""

from dataclasses import replace

from django.core.exceptions import ImproperlyConfigured

from candor.privacy.datamap import (
    NOT_PERSONAL,
    YEAR,
    Personal,
    declaration_for,
    declare,
    declare_not_personal,
    keep,
    personal,
)

from . import screening
from .models import (
    Order,
    OrderLine,
    OrderStatusChange,
    ScreeningResult,
    ShippingMethod,
    ShippingZone,
)

TEN_YEARS = [keep(10 * YEAR, "pseudonymize")]
TAX_NOTE = (
    "Kept 10 years from the order for tax and accounting records (a legal obligation), then "
    "pseudonymized."
)

FULFILMENT = ["order_fulfilment", "customer_service"]
# What an invoice needs, so the tax record keeps it.
TAX_RECORD = ["order_fulfilment", "customer_service", "legal_obligation"]


def order_data(
    category: str,
    *,
    purposes=TAX_RECORD,
    source: str = "given",
    recipients=(),
    note: str = TAX_NOTE,
):
    return personal(
        category,
        purposes=purposes,
        basis="contract",
        source=source,
        keep=TEN_YEARS,
        recipients=recipients,
        note=note,
    )


SHIPPER = ["shipper"]

declare(
    Order,
    fields={
        "number": order_data(
            "commerce.order", source="automatic", recipients=["payment_processor", "shipper"]
        ),
        "checkout_token": NOT_PERSONAL,  # random; makes a double submit one order
        "user": order_data("identity.account", source="automatic"),
        "source": order_data("commerce.order", source="automatic"),
        "taken_by": personal(
            "security.audit",
            purposes=["security"],
            basis="legitimate_interests",
            source="automatic",
            keep=TEN_YEARS,
            note="The staff member who recorded a phone order (P22). " + TAX_NOTE,
        ),
        "status": order_data("commerce.order", source="automatic"),
        "payment_method": order_data("commerce.order"),
        "paid_at": order_data("commerce.order", source="automatic"),
        "payment_instructions": order_data("commerce.order", source="automatic"),
        "email": order_data(
            "contact.email",
            purposes=FULFILMENT + ["payment"],
            recipients=["mail_provider", "payment_processor", "shipper"],
            note="Order mail goes to it; Stripe gets it for the receipt (card orders). " + TAX_NOTE,
        ),
        "phone": order_data("contact.phone", purposes=FULFILMENT, recipients=SHIPPER),
        "shipping_name": order_data("identity.name", recipients=SHIPPER),
        "shipping_line1": order_data("contact.address", recipients=SHIPPER),
        "shipping_line2": order_data("contact.address", recipients=SHIPPER),
        "shipping_city": order_data("contact.address", recipients=SHIPPER),
        "shipping_postcode": order_data("contact.address", recipients=SHIPPER),
        "shipping_country": order_data("contact.address", recipients=SHIPPER),
        "billing_same_as_shipping": order_data("contact.address"),
        "billing_name": order_data("identity.name"),
        "billing_line1": order_data("contact.address"),
        "billing_line2": order_data("contact.address"),
        "billing_city": order_data("contact.address"),
        "billing_postcode": order_data("contact.address"),
        "billing_country": order_data("contact.address"),
        "note": order_data(
            "content.free_text",
            purposes=FULFILMENT,
            note="The customer's note to the shop. " + TAX_NOTE,
        ),
        "shipping_method_name": order_data("commerce.order"),
        "currency": order_data(
            "commerce.order", source="automatic", recipients=["payment_processor", "shipper"]
        ),
        "subtotal": order_data("commerce.order", source="automatic"),
        "shipping_cost": order_data("commerce.order", source="automatic"),
        "total": order_data(
            "commerce.order",
            source="automatic",
            recipients=["payment_processor", "shipper"],
            note="Stripe charges it (card orders); the courier collects it (cash on "
            "delivery). " + TAX_NOTE,
        ),
        "carrier": order_data("commerce.order", purposes=FULFILMENT, source="staff"),
        "tracking_number": order_data("commerce.order", purposes=FULFILMENT, source="staff"),
        "created_at": order_data("commerce.order", source="automatic"),
        "updated_at": NOT_PERSONAL,  # row bookkeeping
    },
    age_field="created_at",
)

LINE_NOTE = "What was bought, dated by its order. " + TAX_NOTE

declare(
    OrderLine,
    fields={
        name: order_data("commerce.order", note=LINE_NOTE)
        for name in (
            "order",
            "variant",
            "sku",
            "product_name",
            "variant_label",
            "unit_price",
            "quantity",
            "line_total",
        )
    },
)

HISTORY_NOTE = "The order's status history, dated by its order. " + TAX_NOTE

declare(
    OrderStatusChange,
    fields={
        "order": order_data("commerce.order", source="automatic", note=HISTORY_NOTE),
        "from_status": order_data("commerce.order", source="automatic", note=HISTORY_NOTE),
        "to_status": order_data("commerce.order", source="automatic", note=HISTORY_NOTE),
        "changed_by": personal(
            "security.audit",
            purposes=["security", "customer_service"],
            basis="legitimate_interests",
            source="automatic",
            keep=TEN_YEARS,
            note="Who moved the order: a staff member, the customer (placing it, attaching it "
            "to their account) or empty for the system. " + HISTORY_NOTE,
        ),
        "note": order_data(
            "content.staff_note",
            purposes=FULFILMENT,
            source="staff",
            note="Staff notes are not shown to the customer in the order history. " + HISTORY_NOTE,
        ),
        "created_at": order_data("commerce.order", source="automatic", note=HISTORY_NOTE),
    },
)

declare_not_personal(ShippingZone, reason="Shipping rates by country: shop configuration.")
declare_not_personal(ShippingMethod, reason="Shipping methods and prices: shop configuration.")


SCREENING_KEEP = 2 * YEAR
SCREENING_NOTE = (
    "What order screening concluded about an order and why (P25), and the staff decision on a "
    "held order; kept two years, then deleted."
)


def screening_data(category: str = "commerce.screening", *, source: str = "automatic", **kw):
    return personal(
        category,
        purposes=kw.pop("purposes", ["fraud_prevention"]),
        basis="legitimate_interests",
        source=source,
        keep=kw.pop("keep", [keep(SCREENING_KEEP, "delete")]),
        note=kw.pop("note", SCREENING_NOTE),
        **kw,
    )


declare(
    ScreeningResult,
    fields={
        "order": screening_data(),
        "screener": screening_data(),
        "outcome": screening_data(),
        "reasons": screening_data(),
        "score": screening_data(),
        "ip": screening_data(
            "online.ip",
            keep=[keep(30, "truncate"), keep(SCREENING_KEEP, "delete")],
            note="The address an order was placed from, kept only when the screener reads it "
            "(orders from one address in a day); shortened after 30 days. " + SCREENING_NOTE,
        ),
        "ip_truncated": NOT_PERSONAL,  # retention's bookkeeping
        "created_at": screening_data(),
        "decision": screening_data(source="staff"),
        "decided_by": screening_data(
            "security.audit",
            source="automatic",
            purposes=["fraud_prevention", "security"],
            note="The staff member who released or cancelled a held order. " + SCREENING_NOTE,
        ),
        "decided_at": screening_data(source="staff"),
        "decision_note": screening_data("content.staff_note", source="staff"),
    },
    age_field="created_at",
)


def declare_screening_uses() -> None:
    """Mark what screening reads (purpose fraud_prevention) and, for an external screener,
    what it is sent (recipient fraud_screener). Run at import; tests that switch
    ORDER_SCREENER run it again."""
    try:
        sent = screening.sent_fields(screening.configured_screener())
    except ImproperlyConfigured:
        sent = set()  # orders.E001 reports the unknown name
    read = {field for fields in screening.FACT_FIELDS.values() for field in fields}
    for label in sorted({field.rsplit(".", 1)[0] for field in read}):
        declaration = declaration_for(label)
        if declaration is None:  # orders.E002 names what is missing
            continue
        fields = dict(declaration.fields)
        for name, spec in fields.items():
            qualified = f"{label}.{name}"
            if qualified not in read or not isinstance(spec, Personal):
                continue
            purposes = spec.purposes + (
                () if "fraud_prevention" in spec.purposes else ("fraud_prevention",)
            )
            recipients = tuple(r for r in spec.recipients if r != "fraud_screener") + (
                ("fraud_screener",) if qualified in sent else ()
            )
            fields[name] = replace(spec, purposes=purposes, recipients=recipients)
        declare(label, fields=fields, age_field=declaration.age_field)


declare_screening_uses()

# Export and erasure of a subject's data (P20): subject_data.py.
from candor.privacy.registry import register_holder  # noqa: E402

from .subject_data import HOLDER  # noqa: E402

register_holder(HOLDER)
