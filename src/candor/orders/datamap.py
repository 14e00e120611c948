"""What orders keep, for the data map (X1).

An order is kept ten years from when it was placed, because tax and accounting law require the
record; after that (or earlier, when the customer has it erased and the law allows) it is
pseudonymized: who bought is removed, what was sold and for how much stays.

Who receives what (P16): the shipper gets the name, delivery address, phone and email, and the
total when it collects cash on delivery; the payment processor (Stripe, card orders only) gets
what `payments.adapters.StripeCheckout.start` sends: the order number, the email for the
receipt, the total and the currency; the mail provider gets every address we mail.
"""

from candor.privacy.datamap import (
    NOT_PERSONAL,
    YEAR,
    declare,
    declare_not_personal,
    keep,
    personal,
)

from .models import Order, OrderLine, OrderStatusChange, ShippingMethod, ShippingZone

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
            "commerce.order", source="automatic", recipients=["payment_processor"]
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
            "commerce.order", source="automatic", recipients=["payment_processor"]
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
