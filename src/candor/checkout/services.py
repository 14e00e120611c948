"""The checkout: turn a cart and the shopper's details into an order, once."""

import hashlib
import uuid
from dataclasses import fields

from django.db import transaction

from candor.accounts.services import AddressData, disabled_account_exists, save_checkout_address
from candor.cart.models import Cart, CartLine
from candor.cart.services import CartContents, contents
from candor.orders.models import Order, OrderSource
from candor.orders.screening import was_declined
from candor.orders.services import CustomerDetails, OrderError, place_order
from candor.payments.adapters import ADAPTERS

CUSTOMER_FIELDS = {f.name for f in fields(CustomerDetails)}
# P20: a disabled account buys nothing, signed in or as a guest with its email address. The
# message does not say why, so the form does not tell strangers which addresses have accounts.
DISABLED_ACCOUNT = (
    "We cannot take an order for this email address. If it is yours and you think this is "
    "a mistake, contact us."
)


class CartChanged(OrderError):
    """The cart is not what the shopper reviewed (another tab, a price change)."""


def customer_from(details: dict) -> CustomerDetails:
    return CustomerDetails(**{k: v for k, v in details.items() if k in CUSTOMER_FIELDS})


def cart_digest(cart_contents: CartContents) -> str:
    """A fingerprint of what the review page showed: items, quantities and prices."""
    parts = sorted(
        f"{item.variant.pk}:{item.quantity}:{item.variant.price}" for item in cart_contents.items
    )
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def checkout_cart(
    *,
    cart: Cart | None,
    checkout_token: uuid.UUID,
    reviewed_digest: str,
    details: dict,
    shipping_method_id: int,
    payment_method: str,
    note: str,
    user,
    client_ip: str | None = None,
) -> tuple[Order, bool]:
    """Place the order the shopper reviewed and take its items out of the cart, in one
    transaction. Raises CartChanged, OutOfStock or OrderError, leaving everything as it was.

    A repeated submit (same token) returns the first order and changes nothing. An order
    screening declined (P25) leaves the cart and the address book as they were.
    """
    existing = Order.objects.filter(checkout_token=checkout_token).first()
    if existing is not None:
        return existing, False
    signed_in = user is not None and user.is_authenticated
    if signed_in:
        # P3: a customer's order goes to their account's email address, whatever the session
        # kept from before they signed in.
        details = {**details, "email": user.email}
    elif disabled_account_exists(details["email"]):
        raise OrderError(DISABLED_ACCOUNT)
    cart_contents = contents(cart)
    if cart_digest(cart_contents) != reviewed_digest:
        raise CartChanged(
            "Your cart changed since this page was shown. Please check it and place the "
            "order again."
        )
    adapter = ADAPTERS.get(payment_method)
    with transaction.atomic():
        order, created = place_order(
            checkout_token=checkout_token,
            quantities=cart_contents.quantities,
            customer=customer_from(details),
            shipping_method_id=shipping_method_id,
            payment_method=payment_method,
            payment_instructions=adapter.instructions() if adapter else "",
            note=note,
            user=user,
            source=OrderSource.WEB,
            client_ip=client_ip,
        )
        if created and was_declined(order):
            return order, created
        if created and cart is not None:
            CartLine.objects.filter(cart=cart, variant_id__in=cart_contents.quantities).delete()
        if created and signed_in and details.get("save_address"):
            save_checkout_address(owner=user, data=_shipping_address(details))
    return order, created


def _shipping_address(details: dict) -> AddressData:
    return AddressData(
        name=details["shipping_name"],
        line1=details["shipping_line1"],
        line2=details.get("shipping_line2", ""),
        city=details["shipping_city"],
        postcode=details.get("shipping_postcode", ""),
        country=details["shipping_country"],
    )
