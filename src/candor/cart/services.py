"""Cart actions. Quantities are checked against stock here; stock is only taken at checkout."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from candor.catalog.models import Variant

from .models import Cart, CartLine

SESSION_KEY = "cart_id"
MAX_QUANTITY = 20


class CartError(Exception):
    """A cart change that was refused; the message is shown to the shopper as is."""


@dataclass(frozen=True)
class CartItem:
    line_id: int
    variant: Variant
    quantity: int

    @property
    def line_total(self) -> Decimal:
        return self.variant.price * self.quantity


@dataclass(frozen=True)
class CartContents:
    cart: Cart | None
    items: tuple[CartItem, ...]

    @property
    def subtotal(self) -> Decimal:
        return sum((item.line_total for item in self.items), Decimal("0"))

    @property
    def count(self) -> int:
        return sum(item.quantity for item in self.items)

    @property
    def quantities(self) -> dict[int, int]:
        return {item.variant.pk: item.quantity for item in self.items}

    def __bool__(self) -> bool:
        return bool(self.items)


def find_cart(request) -> Cart | None:
    """The request's cart, without creating one (so browsing sets no cookie)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        if SESSION_KEY in getattr(request, "session", {}):
            # Signed in since the cart was started: its lines join the account's cart now.
            return merge_session_cart(session=request.session, user=user)
        return Cart.objects.filter(user=user).first()
    cart_id = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if cart_id is None:
        return None
    return Cart.objects.filter(pk=cart_id, user__isnull=True).first()


def add_to_cart(*, request, variant_id: int, quantity: int) -> CartLine:
    """Add to the request's cart, creating it with the first item. Raises CartError.

    A refused first add leaves nothing behind: the new cart row is rolled back and the session
    gets no cart id (so no session cookie either).
    """
    cart = find_cart(request)
    created = cart is None
    with transaction.atomic():
        if created:
            user = request.user if request.user.is_authenticated else None
            cart = Cart.objects.get_or_create(user=user)[0] if user else Cart.objects.create()
        line = add_item(cart=cart, variant_id=variant_id, quantity=quantity)
    if created and not request.user.is_authenticated:
        request.session[SESSION_KEY] = cart.pk
    return line


def contents(cart: Cart | None) -> CartContents:
    if cart is None:
        return CartContents(cart=None, items=())
    lines = cart.lines.select_related("variant__product__brand").order_by("id")
    return CartContents(
        cart=cart,
        items=tuple(CartItem(line.pk, line.variant, line.quantity) for line in lines),
    )


def _check_quantity(variant: Variant, quantity: int) -> None:
    if quantity < 1:
        raise CartError("Quantity must be at least 1.")
    if quantity > MAX_QUANTITY:
        raise CartError(f"You can order at most {MAX_QUANTITY} of one item.")
    if not variant.is_active or not variant.product.is_active:
        raise CartError("This item is no longer sold.")
    if variant.stock < quantity:
        if variant.stock == 0:
            raise CartError(f"{variant} is out of stock.")
        raise CartError(f"Only {variant.stock} of {variant} left in stock.")


@transaction.atomic(savepoint=False)  # called inside add_to_cart's transaction: no round trips
def add_item(*, cart: Cart, variant_id: int, quantity: int) -> CartLine:
    try:
        variant = Variant.objects.select_related("product").get(pk=variant_id)
    except Variant.DoesNotExist:
        raise CartError("That item does not exist.") from None
    line = CartLine.objects.select_for_update().filter(cart=cart, variant=variant).first()
    total = quantity + (line.quantity if line else 0)
    if quantity < 1:
        raise CartError("Quantity must be at least 1.")
    _check_quantity(variant, total)
    if line is None:
        try:
            line = CartLine.objects.create(cart=cart, variant=variant, quantity=total)
        except IntegrityError:  # a double click added it first; the whole add is rolled back
            raise CartError("This item was just added to your cart; check the quantity.") from None
    else:
        line.quantity = total
        line.save(update_fields=["quantity"])
    _touch(cart)
    return line


def _touch(cart: Cart) -> None:
    """The cart was used now: its retention (90 days of no use, in the data map) restarts."""
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())


def _line(cart: Cart, line_id: int) -> CartLine:
    line = CartLine.objects.select_related("variant__product").filter(cart=cart, pk=line_id).first()
    if line is None:
        raise CartError("That item is not in your cart.")
    return line


@transaction.atomic
def set_quantity(*, cart: Cart, line_id: int, quantity: int) -> CartLine:
    line = _line(cart, line_id)
    _check_quantity(line.variant, quantity)
    line.quantity = quantity
    line.save(update_fields=["quantity"])
    _touch(cart)
    return line


@transaction.atomic
def remove_line(*, cart: Cart, line_id: int) -> None:
    _line(cart, line_id).delete()
    _touch(cart)


@transaction.atomic
def merge_session_cart(*, session, user) -> Cart | None:
    """On sign-in: fold the anonymous cart into the customer's cart, then forget it.

    Called lazily by `find_cart` for the first signed-in request that still carries an
    anonymous cart id, so neither signals nor the accounts app are involved. Stock limits
    still apply: each line is capped by the stock on hand and the per-line maximum, and an
    item no longer sold or out of stock is not carried over. A line the customer already had
    is never reduced by the merge. A merge never fails.
    """
    cart_id = session.pop(SESSION_KEY, None)
    anonymous = (
        Cart.objects.select_for_update().filter(pk=cart_id, user__isnull=True).first()
        if isinstance(cart_id, int)
        else None
    )
    if anonymous is None:
        return Cart.objects.filter(user=user).first()
    own, _ = Cart.objects.get_or_create(user=user)
    existing = {line.variant_id: line for line in own.lines.all()}
    for line in anonymous.lines.select_related("variant__product").order_by("variant_id"):
        variant = line.variant
        on_sale = variant.is_active and variant.product.is_active
        available = variant.stock if on_sale else 0
        target = existing.get(variant.pk)
        had = target.quantity if target else 0
        merged = max(had, min(had + line.quantity, MAX_QUANTITY, available))
        if target is None and merged > 0:
            CartLine.objects.create(cart=own, variant=variant, quantity=merged)
        elif target is not None and merged != had:
            target.quantity = merged
            target.save(update_fields=["quantity"])
    anonymous.delete()
    _touch(own)
    return own


def clear(cart: Cart) -> None:
    cart.lines.all().delete()
