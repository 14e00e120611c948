"""Payment methods behind one small interface.

Each adapter says whether it is offered and what happens after the order is placed: a
redirect to a hosted page, or instructions to show. The shop never sees card data.
"""

import logging
import time
from dataclasses import dataclass

import stripe
from django.conf import settings

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

    def parse_event(self, payload: bytes, signature: str) -> stripe.Event:
        """Verify the signature; raises ValueError or stripe.SignatureVerificationError."""
        return stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)


ADAPTERS = {
    adapter.code: adapter for adapter in (CashOnDelivery(), BankTransfer(), StripeCheckout())
}


def available_methods() -> list:
    config = PaymentSettings.load()
    return [adapter for adapter in ADAPTERS.values() if adapter.is_available(config)]
