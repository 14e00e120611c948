"""The customer's own pages under /account/: profile, address book, disabling the account.

Every address is looked up within the signed-in customer's own book, so another customer's
address is simply not found (404), whatever its id.
"""

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from . import services
from .forms import AddressForm, DisableAccountForm, ProfileForm
from .models import Address
from .powers import PowersRefused


@login_required
def profile(request):
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            services.update_profile(
                user=user,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                phone=form.cleaned_data["phone"],
            )
            messages.success(request, "Your details were saved.")
            return redirect("accounts:profile")
        status = 400
    else:
        form = ProfileForm(
            initial={
                "first_name": user.first_name,
                "last_name": user.last_name,
                "phone": user.phone,
            }
        )
        status = 200
    return render(request, "accounts/profile.html", {"form": form}, status=status)


@login_required
def addresses(request):
    book = list(Address.objects.filter(owner=request.user))
    return render(
        request,
        "accounts/addresses.html",
        {"addresses": book, "book_full": len(book) >= services.MAX_ADDRESSES},
    )


def _address_page(request, form, *, address=None, status=200, error=""):
    return render(
        request,
        "accounts/address_form.html",
        {"form": form, "address": address, "error": error},
        status=status,
    )


@login_required
def add_address(request):
    if request.method != "POST":
        return _address_page(request, AddressForm())
    form = AddressForm(request.POST)
    if not form.is_valid():
        return _address_page(request, form, status=400)
    try:
        services.add_address(owner=request.user, data=form.address_data())
    except services.AccountError as refused:
        return _address_page(request, form, status=400, error=str(refused))
    messages.success(request, "Address added.")
    return redirect("accounts:addresses")


@login_required
def edit_address(request, pk):
    address = get_object_or_404(Address, pk=pk, owner=request.user)
    if request.method != "POST":
        initial = {field: getattr(address, field) for field in services.ADDRESS_FIELDS}
        initial["country"] = address.country.code
        return _address_page(request, AddressForm(initial=initial), address=address)
    form = AddressForm(request.POST)
    if not form.is_valid():
        return _address_page(request, form, address=address, status=400)
    try:
        services.update_address(owner=request.user, address_id=pk, data=form.address_data())
    except services.AddressNotFound:  # deleted in another tab meanwhile
        raise Http404("That address is not in your address book.") from None
    messages.success(request, "Address saved.")
    return redirect("accounts:addresses")


@login_required
def delete_address(request, pk):
    address = get_object_or_404(Address, pk=pk, owner=request.user)
    if request.method != "POST":
        return render(request, "accounts/address_delete.html", {"address": address})
    try:
        services.delete_address(owner=request.user, address_id=pk)
    except services.AddressNotFound:
        raise Http404("That address is not in your address book.") from None
    messages.success(request, "Address deleted.")
    return redirect("accounts:addresses")


@login_required
@require_POST
def make_default(request, pk, kind):
    try:
        services.set_default_address(owner=request.user, address_id=pk, kind=kind)
    except services.AddressNotFound:
        raise Http404("That address is not in your address book.") from None
    label = "delivery" if kind == "shipping" else "billing"
    messages.success(request, f"Default {label} address changed.")
    return redirect("accounts:addresses")


@login_required
def disable(request):
    """P20: the customer disables their own account, confirming with their password (or, with
    no password, their email address)."""
    user = request.user
    form = DisableAccountForm(request.POST if request.method == "POST" else None, user=user)
    error = ""
    if request.method == "POST":
        if not ratelimit.consume(request, action="reauthenticate", user=user):
            error = "Too many attempts. Please wait a minute and try again."
        elif form.is_valid():
            try:
                services.disable_account(user=user, acting_user=user)
            except PowersRefused as refused:  # the last superuser
                return render(
                    request,
                    "accounts/disable.html",
                    {"form": form, "error": str(refused)},
                    status=409,
                )
            logout(request)  # this session too: a fresh, empty one carries the message
            messages.success(
                request,
                "Your account is disabled and you are signed out. We will still email you "
                "about orders you already placed.",
            )
            return redirect("catalog:home")
    return render(
        request,
        "accounts/disable.html",
        {"form": form, "error": error},
        status=400 if request.method == "POST" else 200,
    )
