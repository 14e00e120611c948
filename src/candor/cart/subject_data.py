"""What the cart holds about a subject (P20): a signed-in customer's cart. An anonymous cart
is tied to nobody but a session (removed with the account's sessions, or when it lapses)."""

from __future__ import annotations

from typing import Any

from candor.privacy.registry import Counts, Holder, counts, export_rows
from candor.privacy.subjects import Subject

from .models import Cart, CartLine

CART = Cart._meta.label
LINE = CartLine._meta.label


def _carts(subject: Subject):
    return Cart.objects.filter(user_id=subject.user_id) if subject.user_id else Cart.objects.none()


def export(subject: Subject) -> dict[str, list[dict[str, Any]]]:
    carts = _carts(subject)
    return {
        CART: export_rows(carts),
        LINE: export_rows(CartLine.objects.filter(cart__in=carts)),
    }


def preview(subject: Subject) -> Counts:
    carts = _carts(subject)
    return {
        CART: counts(deleted=carts.count()),
        LINE: counts(deleted=CartLine.objects.filter(cart__in=carts).count()),
    }


def erase(subject: Subject) -> Counts:
    _, deleted = _carts(subject).delete()
    return {CART: counts(deleted=deleted.get(CART, 0)), LINE: counts(deleted=deleted.get(LINE, 0))}


HOLDER = Holder("cart", export=export, erase=erase, preview=preview)
