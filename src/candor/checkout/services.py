"""The checkout: turn a cart and the shopper's details into an order, once."""

import uuid
from dataclasses import fields

from candor.cart.models import Cart
from candor.cart.services import clear, contents
from candor.orders.models import Order, OrderSource
from candor.orders.services import CustomerDetails, place_order

CUSTOMER_FIELDS = {f.name for f in fields(CustomerDetails)}


def customer_from(details: dict) -> CustomerDetails:
    return CustomerDetails(**{k: v for k, v in details.items() if k in CUSTOMER_FIELDS})


def checkout_cart(
    *,
    cart: Cart | None,
    checkout_token: uuid.UUID,
    details: dict,
    shipping_method_id: int,
    payment_method: str,
    note: str,
    user,
) -> tuple[Order, bool]:
    """Place the cart's order and empty the cart. Raises OutOfStock or OrderError.

    A repeated submit (same token) returns the first order and leaves the cart alone.
    """
    order, created = place_order(
        checkout_token=checkout_token,
        quantities=contents(cart).quantities,
        customer=customer_from(details),
        shipping_method_id=shipping_method_id,
        payment_method=payment_method,
        note=note,
        user=user,
        source=OrderSource.WEB,
    )
    if created and cart is not None:
        clear(cart)
    return order, created
