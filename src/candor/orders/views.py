from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize

from . import services
from .links import order_from_token
from .models import Order, OrderStatus, PaymentMethod


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
    return render(
        request,
        "orders/lookup.html",
        {
            "order": order,
            "token": token,
            # Card payment starts on the checkout app's page (a held order released, P25, or
            # a payment not completed); the button posts there.
            "can_pay_by_card": order.payment_method == PaymentMethod.CARD
            and order.status == OrderStatus.PENDING_PAYMENT
            and not order.is_paid,
        },
    )


# --- the signed-in customer's orders (P3) ---------------------------------------------------

ORDERS_PER_PAGE = 20


@login_required
def account_orders(request):
    """The customer's order history, newest first, a page at a time."""
    orders = Order.objects.filter(user=request.user).only(
        "number", "created_at", "status", "total", "payment_method", "paid_at"
    )
    page = Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "orders/account_orders.html",
        {"page": page, "guest_orders": services.guest_orders_for(request.user).count()},
    )


@login_required
def account_order(request, number):
    """One of the customer's orders; anyone else's order is not found."""
    order = (
        Order.objects.prefetch_related("lines", "history")
        .filter(user=request.user, number=number)
        .first()
    )
    if order is None:
        raise Http404("No order with this number in your account.")
    # Status moves only: notes in the history are for staff.
    steps = [change for change in order.history.all() if change.from_status != change.to_status]
    return render(request, "orders/account_order.html", {"order": order, "steps": steps})


@login_required
def attach_orders(request):
    """P3: guest orders placed under the customer's verified email address join the account,
    after the customer confirms the list they were shown."""
    error = ""
    if request.method == "POST":
        raw = request.POST.getlist("order")
        ids = [
            int(value) for value in raw if value.isascii() and value.isdigit() and len(value) < 19
        ]
        if len(ids) != len(raw) or not ids:
            error = "Those orders could not be read. Nothing was changed; please try again."
        else:
            try:
                attached = services.attach_guest_orders(user=request.user, order_ids=ids)
            except services.OrderError as refused:
                error = str(refused)
            else:
                messages.success(
                    request,
                    f"{len(attached)} order{pluralize(len(attached))} added to your account.",
                )
                return redirect("account_orders:list")
    orders = list(services.guest_orders_for(request.user).order_by("created_at", "id"))
    return render(
        request,
        "orders/account_attach.html",
        {
            "orders": orders,
            "error": error,
            "has_verified_email": EmailAddress.objects.filter(
                user=request.user, verified=True
            ).exists(),
        },
        status=400 if error else 200,
    )
