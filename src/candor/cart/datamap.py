"""What carts keep, for the data map (X1): what someone put in their cart, and whose it is.

An anonymous cart is found only through its session (its id sits in the session, declared
with sessions.Session), so it is out of reach once the session lapses; a customer's cart is
tied to the account.
"""

from candor.privacy.datamap import NOT_PERSONAL, declare, keep, personal

from .models import Cart, CartLine

NOTE = "Deleted 90 days after the cart was last used (every change moves Cart.updated_at)."


def cart_data(category: str, *, source: str = "given"):
    return personal(
        category,
        purposes=["order_fulfilment"],
        basis="contract",
        source=source,
        keep=keep(90, "delete"),
        note=NOTE,
    )


declare(
    Cart,
    fields={
        "user": cart_data("identity.account", source="automatic"),
        "created_at": cart_data("commerce.cart", source="automatic"),
        "updated_at": NOT_PERSONAL,  # row bookkeeping
    },
    age_field="updated_at",
)

declare(
    CartLine,
    fields={
        "cart": cart_data("commerce.cart"),
        "variant": cart_data("commerce.cart"),
        "quantity": cart_data("commerce.cart"),
    },
)

# Export and erasure of a subject's data (P20): subject_data.py.
from candor.privacy.registry import register_holder  # noqa: E402

from .subject_data import HOLDER  # noqa: E402

register_holder(HOLDER)
