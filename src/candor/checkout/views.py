import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_countries import countries

from candor.accounts.models import Address
from candor.cart.services import contents, find_cart
from candor.orders.links import order_from_token
from candor.orders.models import Order, OrderStatus, PaymentMethod
from candor.orders.screening import was_declined
from candor.orders.services import OrderError, OutOfStock
from candor.orders.shipping import methods_for
from candor.payments.adapters import PaymentUnavailable, available_methods
from candor.payments.services import start_payment
from candor.privacy.card_numbers import MASKED_NOTICE, mask_card_numbers
from candor.privacy.request_logs import client_ip

from .forms import DetailsForm, ReviewForm
from .links import order_number_from, return_token
from .services import cart_digest, checkout_cart

DETAILS_KEY = "checkout_details"
TOKEN_KEY = "checkout_token"
# Tokens this session already placed orders with, so a resubmit finds its order again.
PLACED_KEY = "checkout_placed_tokens"
EXPIRED = "This checkout page has expired. Please review your order and place it again."
# P25: the same words whatever made order screening decline; the rules are never revealed.
DECLINED = (
    "We are sorry: we cannot accept this order. Nothing has been charged, and your cart is "
    "as it was. If you think this is a mistake, please contact us."
)


def _token_belongs_to_session(request, token) -> bool:
    token = str(token)
    return token == request.session.get(TOKEN_KEY) or token in request.session.get(PLACED_KEY, [])


def details(request):
    cart_contents = contents(find_cart(request))
    if not cart_contents:
        messages.info(request, "Your cart is empty.")
        return redirect("cart:view")
    user = request.user if request.user.is_authenticated else None
    address_book = list(Address.objects.filter(owner=user)) if user else []
    if request.method == "POST":
        form = DetailsForm(request.POST, user=user)
        if form.is_valid():
            request.session[DETAILS_KEY] = form.session_data()
            return redirect("checkout:review")
        status = 400
    else:
        initial = dict(request.session.get(DETAILS_KEY) or {})
        if user is not None:
            initial = _customer_prefill(request, user, address_book, initial)
        form = DetailsForm(initial=initial or None, user=user)
        status = 200
    return render(
        request,
        "checkout/details.html",
        {"form": form, "contents": cart_contents, "address_book": address_book},
        status=status,
    )


def _customer_prefill(request, user, address_book: list[Address], initial: dict) -> dict:
    """P3: what a signed-in customer need not type again: their name and phone, their default
    delivery (and billing) address, or the address of their book they picked (?address=id).
    Details they already gave in this checkout win over the defaults."""
    prefill = initial or _defaults_for(user, address_book)
    chosen = request.GET.get("address")
    if chosen is None:
        return prefill
    address = next((a for a in address_book if str(a.pk) == chosen), None)
    if address is None:
        raise Http404("That address is not in your address book.")
    picked = _address_initial("shipping", address)
    if address.phone and not prefill.get("phone"):
        picked["phone"] = address.phone
    return {**prefill, **picked}


def _address_initial(prefix: str, address: Address) -> dict:
    return {
        f"{prefix}_name": address.name,
        f"{prefix}_line1": address.line1,
        f"{prefix}_line2": address.line2,
        f"{prefix}_city": address.city,
        f"{prefix}_postcode": address.postcode,
        f"{prefix}_country": address.country.code,
    }


def _defaults_for(user, address_book: list[Address]) -> dict:
    initial: dict = {"shipping_name": user.get_full_name(), "phone": user.phone or ""}
    shipping = next((a for a in address_book if a.is_default_shipping), None)
    billing = next((a for a in address_book if a.is_default_billing), None)
    if shipping is not None:
        initial.update(_address_initial("shipping", shipping))
        if not initial["phone"] and shipping.phone:
            initial["phone"] = shipping.phone
    if billing is not None and billing != shipping:
        initial.update(_address_initial("billing", billing), billing_same_as_shipping=False)
    return {key: value for key, value in initial.items() if value != ""}


def _review_form(request, details_data, cart_contents, data=None):
    payment_choices = [(a.code, PaymentMethod(a.code).label) for a in available_methods()]
    return ReviewForm(
        data,
        initial={
            "token": request.session.setdefault(TOKEN_KEY, str(uuid.uuid4())),
            "cart_digest": cart_digest(cart_contents),
        },
        shipping_methods=methods_for(details_data["shipping_country"]),
        payment_choices=payment_choices,
    )


def review(request):
    details_data = request.session.get(DETAILS_KEY)
    if not details_data:
        return redirect("checkout:details")
    if (
        request.user.is_authenticated
        and str(details_data.get("email", "")).lower() != request.user.email.lower()
    ):
        # Details given before signing in: the order goes to the account's address instead.
        messages.info(request, "You are signed in now: please check your details once more.")
        return redirect("checkout:details")
    cart = find_cart(request)
    cart_contents = contents(cart)
    form = _review_form(
        request, details_data, cart_contents, request.POST if request.method == "POST" else None
    )
    error = ""
    if (
        request.method == "POST"
        and form.is_valid()
        and not _token_belongs_to_session(request, form.cleaned_data["token"])
    ):
        error = EXPIRED
    elif request.method == "POST" and form.is_valid():
        try:
            order, _ = checkout_cart(
                cart=cart,
                checkout_token=form.cleaned_data["token"],
                reviewed_digest=form.cleaned_data["cart_digest"],
                details=details_data,
                shipping_method_id=form.cleaned_data["shipping_method"].pk,
                payment_method=form.cleaned_data["payment_method"],
                note=form.cleaned_data["note"],
                user=request.user,
                client_ip=client_ip(request),
            )
        except (OutOfStock, OrderError) as refused:
            error = str(refused)
        else:
            placed = str(request.session.pop(TOKEN_KEY, form.cleaned_data["token"]))
            request.session[PLACED_KEY] = [*request.session.get(PLACED_KEY, [])[-4:], placed]
            if mask_card_numbers(form.cleaned_data["note"]).changed:  # P13: say what was hidden
                messages.warning(request, MASKED_NOTICE)
            if was_declined(order):
                error = DECLINED
            else:
                return _after_placing(request, order)
    if request.method == "GET" and not cart_contents:
        return redirect("cart:view")
    shipping_choices = [
        (method, method.cost_for(cart_contents.subtotal))
        for method in form.fields["shipping_method"].queryset
    ]
    return render(
        request,
        "checkout/review.html",
        {
            "form": form,
            "contents": cart_contents,
            "details": details_data,
            "country_name": countries.name(details_data["shipping_country"]),
            "error": error,
            "shipping_choices": [
                (method, cost, cart_contents.subtotal + cost) for method, cost in shipping_choices
            ],
            "card_offered": any(
                value == PaymentMethod.CARD for value, _ in form.fields["payment_method"].choices
            ),
        },
        status=400 if request.method == "POST" else 200,
    )


def _thanks_url(request, order: Order, **query) -> str:
    url = request.build_absolute_uri(reverse("checkout:thanks", args=[return_token(order.number)]))
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _after_placing(request, order: Order):
    if order.payment_method == PaymentMethod.CARD and order.status == OrderStatus.PENDING_PAYMENT:
        return _pay_by_card(request, order)
    return redirect(_thanks_url(request, order))


def _pay_by_card(request, order: Order):
    try:
        started = start_payment(
            order=order,
            success_url=_thanks_url(request, order, card="done"),
            cancel_url=_thanks_url(request, order, card="cancelled"),
        )
    except PaymentUnavailable:
        messages.error(
            request,
            "The card payment page could not be opened just now. "
            "Your order is saved; you can try again below.",
        )
        return redirect(_thanks_url(request, order))
    return redirect(started.redirect_url)


def _order_for(token: str) -> Order:
    number = order_number_from(token)
    order = Order.objects.filter(number=number).first() if number else None
    if order is None:
        raise Http404("This link is not valid or has expired.")
    return order


def thanks(request, token):
    order = _order_for(token)
    return render(
        request,
        "checkout/thanks.html",
        {
            "order": order,
            "token": token,
            "card_state": request.GET.get("card", ""),
            "can_pay_by_card": order.payment_method == PaymentMethod.CARD
            and order.status == OrderStatus.PENDING_PAYMENT
            and not order.is_paid,
        },
    )


@require_POST
def pay_order(request, token):
    """Pay by card from the order's page (the long-lived link in the customer's mail): for
    an order released from a screening hold (P25), or one whose payment was not completed."""
    number = order_from_token(token)
    order = Order.objects.filter(number=number).first() if number else None
    if order is None:
        raise Http404("This link is not valid or has expired.")
    if (
        order.payment_method != PaymentMethod.CARD
        or order.status != OrderStatus.PENDING_PAYMENT
        or order.is_paid
    ):
        messages.error(request, "This order does not need a card payment.")
        return redirect("orders:lookup", token)
    return _pay_by_card(request, order)


@require_POST
def retry_card(request, token):
    order = _order_for(token)
    if order.payment_method != PaymentMethod.CARD or order.status != OrderStatus.PENDING_PAYMENT:
        messages.error(request, "This order does not need a card payment.")
        return redirect(_thanks_url(request, order))
    return _pay_by_card(request, order)
