from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from . import services
from .forms import AddToCartForm, QuantityForm


def _cart_page(request, *, error: str = "", status: int = 200):
    contents = services.contents(services.find_cart(request))
    # "Added …" comes from the redirect's query string, not a flash message, so a repeat add
    # does not rewrite the session (one commit per add instead of two).
    added = next(
        (item for item in contents.items if str(item.line_id) == request.GET.get("added")), None
    )
    return render(
        request,
        "cart/cart.html",
        {
            "contents": contents,
            "added": added,
            "error": error,
            "max_quantity": services.MAX_QUANTITY,
        },
        status=status,
    )


def _form_error(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def view_cart(request):
    return _cart_page(request)


@require_POST
def add(request):
    form = AddToCartForm(request.POST)
    if not form.is_valid():
        return _cart_page(request, error=_form_error(form), status=400)
    try:
        line = services.add_to_cart(
            request=request,
            variant_id=form.cleaned_data["variant"],
            quantity=form.cleaned_data["quantity"],
        )
    except services.CartError as refused:
        return _cart_page(request, error=str(refused), status=400)
    return redirect(f"{reverse('cart:view')}?added={line.pk}")


@require_POST
def update(request, line_id):
    form = QuantityForm(request.POST)
    cart = services.find_cart(request)
    if not form.is_valid():
        return _cart_page(request, error=_form_error(form), status=400)
    if cart is None:
        return _cart_page(request, error="Your cart is empty.", status=400)
    try:
        services.set_quantity(cart=cart, line_id=line_id, quantity=form.cleaned_data["quantity"])
    except services.CartError as refused:
        return _cart_page(request, error=str(refused), status=400)
    messages.success(request, "Cart updated.")
    return redirect("cart:view")


@require_POST
def remove(request, line_id):
    cart = services.find_cart(request)
    if cart is None:
        return _cart_page(request, error="Your cart is empty.", status=400)
    try:
        services.remove_line(cart=cart, line_id=line_id)
    except services.CartError as refused:
        return _cart_page(request, error=str(refused), status=400)
    messages.success(request, "Item removed.")
    return redirect("cart:view")
