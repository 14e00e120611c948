from django.http import Http404
from django.shortcuts import render

from .links import order_from_token
from .models import Order


def lookup(request, token):
    """A guest's view of their order, opened from the signed link in their email."""
    number = order_from_token(token)
    order = (
        Order.objects.prefetch_related("lines", "history").filter(number=number).first()
        if number
        else None
    )
    if order is None:
        raise Http404("This link is not valid or has expired.")
    return render(request, "orders/lookup.html", {"order": order})
