"""Short-lived links for the pages a shopper returns to after placing or paying.

They are handed to the payment gateway as return addresses, so they open only the thanks
page (no addresses shown) and expire soon; the long-lived order link goes only into the
customer's own mail.
"""

from datetime import timedelta

from django.core import signing

SALT = "candor.checkout.return"
MAX_AGE = timedelta(days=2)


def return_token(order_number: str) -> str:
    return signing.dumps({"order": order_number}, salt=SALT, compress=True)


def order_number_from(token: str) -> str | None:
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    number = data.get("order") if isinstance(data, dict) else None
    return number if isinstance(number, str) else None
