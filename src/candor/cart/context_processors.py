from django.db.models import Sum

from .models import CartLine
from .services import SESSION_KEY, find_cart


def cart_summary(request):
    """The item count in the header. No query at all for a visitor without a cart."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        if SESSION_KEY in getattr(request, "session", {}):
            find_cart(request)  # signed in with an anonymous cart: merge it first
        lines = CartLine.objects.filter(cart__user=user)
    else:
        session = getattr(request, "session", None)
        cart_id = session.get(SESSION_KEY) if session is not None and session.session_key else None
        if cart_id is None:
            return {"cart_count": 0}
        lines = CartLine.objects.filter(cart_id=cart_id, cart__user__isnull=True)
    return {"cart_count": lines.aggregate(n=Sum("quantity"))["n"] or 0}
