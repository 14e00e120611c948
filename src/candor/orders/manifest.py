"""The shipping manifest: what the carrier gets for one order (P16), only through disclose().

The carrier receives the order number (to match the parcel), the name, delivery address, phone
and email, and for cash on delivery the amount and currency to collect; every field is declared
for the shipper in orders/datamap.py, and each download is a ledger entry.
"""

import csv
import io
import re
from decimal import Decimal
from typing import Any

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseNotAllowed,
    HttpResponseNotFound,
    JsonResponse,
)
from django.shortcuts import get_object_or_404

from candor.privacy.disclosures import disclose
from candor.privacy.staff_access import permission as staff_permission
from candor.privacy.staff_access import record_refusal
from candor.privacy.subjects import Subject

from .models import Order, PaymentMethod

PERMISSION = "orders.change_order"  # fulfilment staff, who pack and ship
HAND_OFF_FAMILIES = (staff_permission("contact"), staff_permission("address"))

FIELDS = [
    "number",
    "shipping_name",
    "shipping_line1",
    "shipping_line2",
    "shipping_city",
    "shipping_postcode",
    "shipping_country",
    "phone",
    "email",
]
COD_FIELDS = ["total", "currency"]


def order_subject(order: Order) -> Subject:
    email = order.email.lower()
    return Subject(
        user_id=order.user_id,
        emails=frozenset({email}) if email else frozenset(),
        label=order.email or order.number,
    )


def _value(order: Order, name: str) -> Any:
    value = getattr(order, name)
    if name == "phone":
        return value.as_e164 if value else ""
    if name == "shipping_country":
        return value.code
    if isinstance(value, Decimal):
        return str(value)
    return value


def build_manifest(*, order: Order, acting_user) -> dict[str, Any]:
    """The carrier's record for one order, ledgered as a disclosure to the shipper."""
    names = FIELDS + (COD_FIELDS if _collects_cash(order) else [])
    return disclose(
        recipient="shipper",
        subject=order_subject(order),
        model="orders.Order",
        fields={name: _value(order, name) for name in names},
        purpose="order_fulfilment",
        reference=order.number,
        acting_user=acting_user,
    )


def _collects_cash(order: Order) -> bool:
    return order.payment_method == PaymentMethod.CASH_ON_DELIVERY and not order.is_paid


# A cell a spreadsheet would run as a formula (from the customer's own text: a name, an
# address line) gets a leading apostrophe; phone numbers and amounts are left as they are.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"^[+-]?[0-9][0-9 ().-]*$")


def _safe_cell(value: Any) -> Any:
    text = str(value)
    if text.startswith(FORMULA_START) and not PLAIN_NUMBER.match(text):
        return "'" + text
    return value


def as_csv(manifest: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(manifest))
    writer.writeheader()
    writer.writerow({key: _safe_cell(value) for key, value in manifest.items()})
    return out.getvalue()


def download_view(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """Staff download (admin-wrapped in OrderAdmin.get_urls): permission-gated, and every
    download is a ledger entry, because every download hands the data on."""
    if request.method != "POST":  # it hands data on and writes the ledger: never on a GET
        return HttpResponseNotAllowed(["POST"])
    # Handing the carrier name, address, phone and email needs the role that may see them.
    if fmt not in ("json", "csv"):
        return HttpResponseNotFound("The manifest comes as .json or .csv.")
    order = get_object_or_404(Order, pk=pk)
    if not all(request.user.has_perm(p) for p in (PERMISSION, *HAND_OFF_FAMILIES)):
        record_refusal(
            obj=order, family="address", acting_user=request.user, reason="carrier manifest"
        )
        return HttpResponseForbidden("You may not hand orders to the carrier.")
    manifest = build_manifest(order=order, acting_user=request.user)
    filename = f"manifest-{order.number}.{fmt}"
    if fmt == "json":
        response: HttpResponse = JsonResponse(manifest)
    else:
        response = HttpResponse(as_csv(manifest), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
