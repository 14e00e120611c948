"""Signed links that let a guest open their order from an email, without an account."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "candor.orders.lookup"


def lookup_token(order_number: str) -> str:
    return signing.dumps({"order": order_number}, salt=SALT, compress=True)


def order_from_token(token: str) -> str | None:
    """The order number a token names, or None when it is tampered with or expired."""
    try:
        data = signing.loads(
            token, salt=SALT, max_age=timedelta(days=settings.ORDER_LINK_MAX_AGE_DAYS)
        )
    except signing.BadSignature:
        return None
    number = data.get("order") if isinstance(data, dict) else None
    return number if isinstance(number, str) else None


def lookup_url(order_number: str) -> str:
    path = reverse("orders:lookup", args=[lookup_token(order_number)])
    return f"{settings.SITE_URL}{path}"
