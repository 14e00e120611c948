"""Payment methods behind one small interface.

Each adapter says whether it is offered and what happens after the order is placed: a
redirect to a hosted page, or instructions to show. The shop never sees card data.
"""

import json
import logging
import time
from dataclasses import dataclass

import stripe
from django.conf import settings

from candor.core.bad_input import has_unstorable
from candor.core.money import to_minor_units
from candor.orders.manifest import order_subject
from candor.orders.models import Order, PaymentMethod
from candor.privacy.disclosures import disclose

from .models import PaymentSettings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PaymentStart:
    redirect_url: str = ""
    instructions: str = ""
    provider_reference: str = ""


class PaymentUnavailable(Exception):
    """The gateway could not be reached or refused; the order stays unpaid and can retry."""


class CashOnDelivery:
    code = PaymentMethod.CASH_ON_DELIVERY

    def is_available(self, config: PaymentSettings) -> bool:
        return config.cod_enabled

    def instructions(self) -> str:
        return "Pay the courier in cash when your order arrives."

    def start(self, order: Order, *, success_url: str, cancel_url: str) -> PaymentStart:
        return PaymentStart(instructions=self.instructions())


class BankTransfer:
    code = PaymentMethod.BANK_TRANSFER

    def is_available(self, config: PaymentSettings) -> bool:
        return config.bank_transfer_enabled

    def instructions(self) -> str:
        return PaymentSettings.load().bank_transfer_instructions

    def start(self, order: Order, *, success_url: str, cancel_url: str) -> PaymentStart:
        return PaymentStart(instructions=self.instructions())


class StripeCheckout:
    """Card payment on Stripe's hosted Checkout page (PCI DSS SAQ A: no card field here)."""

    code = PaymentMethod.CARD

    def is_available(self, config: PaymentSettings) -> bool:
        return config.card_enabled and bool(
            settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET
        )

    # Stripe's minimum is 30 minutes; unpaid sessions expire, and their orders with them.
    SESSION_LIFETIME_SECONDS = 2 * 3600

    def instructions(self) -> str:
        return ""

    def client(self) -> stripe.StripeClient:
        return stripe.StripeClient(
            settings.STRIPE_SECRET_KEY,
            http_client=stripe.RequestsClient(timeout=20),
            base_addresses={"api": settings.STRIPE_API_BASE},
            max_network_retries=2,
        )

    def start(self, order: Order, *, success_url: str, cancel_url: str) -> PaymentStart:
        # Only what the charge needs, as the data map declares it for the processor and
        # ledgered (P16): the order reference, the email for the receipt, amount and currency.
        # Recorded before the call: a call that fails may still have reached Stripe.
        sent = disclose(
            recipient="payment_processor",
            subject=order_subject(order),
            model="orders.Order",
            fields={
                "number": order.number,
                "email": order.email,
                "currency": order.currency,
                "total": order.total,
            },
            purpose="payment",
            reference=order.number,
        )
        params = {
            "mode": "payment",
            "client_reference_id": sent["number"],
            "customer_email": sent["email"] or None,
            "success_url": success_url,
            "cancel_url": cancel_url,
            "metadata": {"order_number": sent["number"]},
            "expires_at": int(time.time()) + self.SESSION_LIFETIME_SECONDS,
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": sent["currency"].lower(),
                        "unit_amount": to_minor_units(sent["total"]),
                        "product_data": {"name": f"Order {sent['number']}"},
                    },
                }
            ],
        }
        params = {key: value for key, value in params.items() if value is not None}
        try:
            session = self.client().v1.checkout.sessions.create(
                params=params,
                options={"idempotency_key": f"checkout-{order.number}-{order.payments.count()}"},
            )
        except stripe.StripeError as error:
            raise PaymentUnavailable(str(error.user_message or error)) from error
        return PaymentStart(redirect_url=session.url or "", provider_reference=session.id)

    def expire(self, session_id: str) -> None:
        """Close a session nobody should pay any more (a newer one replaces it)."""
        try:
            self.client().v1.checkout.sessions.expire(session_id)
        except stripe.StripeError as error:  # already expired or completed: nothing to close
            logger.info("stripe session %s not expired: %s", session_id, error)

    def parse_event(self, payload: bytes, signature: str) -> "GatewayEvent":
        """Verify the signature, then the event's shape; raises
        stripe.SignatureVerificationError, or ValueError saying what is malformed."""
        stripe.WebhookSignature.verify_header(
            payload, signature, settings.STRIPE_WEBHOOK_SECRET, stripe.Webhook.DEFAULT_TOLERANCE
        )
        return read_event(payload)


# The events the shop acts on; each must carry the Checkout Session in data.object.
SESSION_EVENTS = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.expired",
    "checkout.session.async_payment_failed",
)


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    payment_status: str
    amount_total: int | None
    currency: str


@dataclass(frozen=True)
class GatewayEvent:
    """A signed gateway event whose shape was checked: nothing later trips on a missing or
    mistyped field (a signed body of `{}` or `[]` is still malformed)."""

    id: str
    type: str
    session: CheckoutSession | None  # for SESSION_EVENTS only


def _text(value: object, what: str, limit: int, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise ValueError(f"Malformed event: {what} is not a text.")
    if len(value) > limit or has_unstorable(value):
        raise ValueError(f"Malformed event: {what} is too long or holds invalid characters.")
    return value


def read_event(payload: bytes) -> GatewayEvent:
    """Stripe's event format (an object with id, type and data.object); ValueError if not."""
    try:
        data = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise ValueError("Malformed payload: not JSON.") from None
    if not isinstance(data, dict):
        raise ValueError("Malformed event: not a JSON object.")
    event_id = _text(data.get("id"), "the event id", 255)
    event_type = _text(data.get("type"), "the event type", 100)
    if event_type not in SESSION_EVENTS:
        return GatewayEvent(id=event_id, type=event_type, session=None)
    body = data.get("data")
    session = body.get("object") if isinstance(body, dict) else None
    if not isinstance(session, dict):
        raise ValueError("Malformed event: data.object is missing.")
    amount = session.get("amount_total")
    if amount is not None and (not isinstance(amount, int) or isinstance(amount, bool)):
        raise ValueError("Malformed event: data.object.amount_total is not a whole number.")
    return GatewayEvent(
        id=event_id,
        type=event_type,
        session=CheckoutSession(
            id=_text(session.get("id"), "data.object.id", 255),
            payment_status=_text(
                session.get("payment_status"), "data.object.payment_status", 40, required=False
            ),
            amount_total=amount,
            currency=_text(session.get("currency"), "data.object.currency", 10, required=False),
        ),
    )


ADAPTERS = {
    adapter.code: adapter for adapter in (CashOnDelivery(), BankTransfer(), StripeCheckout())
}


def available_methods() -> list:
    config = PaymentSettings.load()
    return [adapter for adapter in ADAPTERS.values() if adapter.is_available(config)]
