"""The carrier's manifest (P16): only through disclose(), permission-gated, each download
ledgered."""

import csv
import io

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from candor.orders.manifest import build_manifest
from candor.privacy.ledger_models import DisclosureRecord

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

SHIPPED = {
    "number",
    "shipping_name",
    "shipping_line1",
    "shipping_line2",
    "shipping_city",
    "shipping_postcode",
    "shipping_country",
    "phone",
    "email",
}


def test_cod_manifest_carries_the_amount_to_collect(place, variant):
    """P16: name, address, phone, email, and for cash on delivery the amount."""
    order = place({variant.pk: 1})
    manifest = build_manifest(order=order, acting_user=None)
    assert set(manifest) == SHIPPED | {"total", "currency"}
    assert (manifest["shipping_name"], manifest["phone"], manifest["shipping_country"]) == (
        "Ayesha Khan",
        "+923001234567",
        "PK",
    )
    assert manifest["total"] == str(order.total)
    record = DisclosureRecord.objects.get()
    assert (record.recipient, record.reference, record.fields) == (
        "shipper",
        order.number,
        sorted(SHIPPED | {"total", "currency"}),
    )


def test_prepaid_manifest_has_no_amount(place, variant):
    """P16: the courier collects nothing on a card order, so it is not told the amount."""
    order = place({variant.pk: 1}, payment_method="bank_transfer")
    order.paid_at = order.created_at
    order.save(update_fields=["paid_at"])
    assert set(build_manifest(order=order, acting_user=None)) == SHIPPED


def test_staff_download_is_ledgered_each_time(admin_client, admin_user, place, variant):
    """P16: every download hands the data on, so every download is a ledger entry."""
    order = place({variant.pk: 1})
    url = f"/backoffice/orders/order/{order.pk}/manifest."
    assert admin_client.get(url + "csv").status_code == 405  # a GET hands nothing on
    response = admin_client.post(url + "csv")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="manifest-{order.number}.csv"'
    row = next(csv.DictReader(io.StringIO(response.content.decode())))
    assert row["email"] == "ayesha@example.com"
    assert admin_client.post(url + "json").json()["shipping_city"] == "Lahore"
    assert admin_client.post(url + "pdf").status_code == 404
    assert list(DisclosureRecord.objects.values_list("acting_user", flat=True)) == [
        admin_user.pk,
        admin_user.pk,
    ]


def test_staff_without_permission_get_no_manifest_and_nothing_is_ledgered(
    mfa_login, place, variant
):
    """P16: staff who may not change orders cannot hand them to the carrier."""
    order = place({variant.pk: 1})
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_order"))
    client = mfa_login(Client(), clerk)
    response = client.post(f"/backoffice/orders/order/{order.pk}/manifest.csv")
    assert response.status_code == 403
    assert DisclosureRecord.objects.count() == 0


def test_p15_p16_the_manifest_needs_the_contact_and_address_permissions_too(
    mfa_login, place, variant
):
    """A role that may change orders but not see addresses (billing) cannot take them out in
    a manifest; with both data families it can."""
    order = place({variant.pk: 1})
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="change_order"))
    client = mfa_login(Client(), clerk)
    url = f"/backoffice/orders/order/{order.pk}/manifest.json"
    assert client.post(url).status_code == 403
    assert DisclosureRecord.objects.count() == 0
    from candor.privacy.access_models import StaffAccessRecord

    refused = StaffAccessRecord.objects.get()
    assert (refused.staff, refused.granted, refused.reason) == (clerk, False, "carrier manifest")

    for codename in ("view_contact", "view_address"):
        clerk.user_permissions.add(
            Permission.objects.get(codename=codename, content_type__app_label="privacy")
        )
    assert client.post(url).status_code == 200
    assert DisclosureRecord.objects.count() == 1


def test_p16_a_manifest_cell_a_spreadsheet_would_run_is_defused():
    from candor.orders.manifest import as_csv

    row = next(
        csv.DictReader(
            io.StringIO(as_csv({"name": "=HYPERLINK(1)", "phone": "+923001234567", "cod": "-5"}))
        )
    )
    assert row == {"name": "'=HYPERLINK(1)", "phone": "+923001234567", "cod": "-5"}
