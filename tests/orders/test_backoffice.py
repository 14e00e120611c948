"""The back office: orders as validated actions, phone orders (P22), bulk catalogue edits."""

import uuid
from decimal import Decimal

import pytest

from candor.catalog.models import Product, Variant, VariantChange
from candor.messaging.models import OutboxMessage
from candor.orders.models import Order, OrderSource, OrderStatus
from tests.factories import UserFactory, VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, mfa_login):
    owner = UserFactory(email="owner@candor.example", is_staff=True, is_superuser=True)
    mfa_login(client, owner)  # the back office needs a two-factor sign-in (P14)
    client.owner = owner
    return client


def phone_order_data(standard_shipping, **overrides):
    data = {
        "token": str(uuid.uuid4()),
        "email": "",
        "phone": "0300 1234567",
        "shipping_name": "Bilal Ahmed",
        "shipping_line1": "5 Canal View",
        "shipping_city": "Lahore",
        "shipping_country": "PK",
        "shipping_method": standard_shipping.pk,
        "payment_method": "cod",
        "sku_0": "PH-1",
        "quantity_0": "2",
    }
    data.update(overrides)
    return data


def test_phone_order_needs_only_delivery_fields(staff_client, standard_shipping):
    """P22: staff record a phone order with only the fields it needs, through the same rules."""
    VariantFactory(sku="PH-1", stock=5, price=Decimal("1000"))
    data = phone_order_data(standard_shipping)
    response = staff_client.post("/backoffice/orders/order/phone/", data)
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.source == OrderSource.PHONE and order.taken_by == staff_client.owner
    assert order.email == "" and str(order.phone) == "+923001234567"
    assert order.total == Decimal("2250.00")
    assert Variant.objects.get(sku="PH-1").stock == 3
    # The same form submitted twice (a double click) records one order.
    staff_client.post("/backoffice/orders/order/phone/", data)
    assert Order.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"sku_0": "NOPE"}, "No product is sold with SKU “NOPE”."),
        ({"quantity_0": "9"}, "Only 5 of"),
        ({"phone": "12"}, "Enter a valid phone number"),
        ({"shipping_country": "ZZ"}, "Select a valid choice"),
    ],
)
def test_phone_order_bad_input_changes_nothing(staff_client, standard_shipping, overrides, message):
    """P22: Phone order bad input changes nothing."""
    VariantFactory(sku="PH-1", stock=5)
    response = staff_client.post(
        "/backoffice/orders/order/phone/", phone_order_data(standard_shipping, **overrides)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Order.objects.count() == 0
    assert Variant.objects.get(sku="PH-1").stock == 5


def test_non_staff_cannot_record_phone_orders(client, standard_shipping):
    """P22: Non staff cannot record phone orders."""
    client.force_login(UserFactory())
    response = client.post("/backoffice/orders/order/phone/", phone_order_data(standard_shipping))
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert Order.objects.count() == 0


def test_status_actions_validate_and_record_who(
    staff_client, place, variant, django_capture_on_commit_callbacks
):
    """P3: Status actions validate and record who."""
    order = place({variant.pk: 1})
    url = "/backoffice/orders/order/"
    refused = staff_client.post(
        url, {"action": "mark_delivered", "_selected_action": [order.pk]}, follow=True
    )
    assert "cannot go from" in refused.content.decode()
    assert Order.objects.get().status == OrderStatus.CONFIRMED

    staff_client.post(url, {"action": "mark_packed", "_selected_action": [order.pk]})
    asked = staff_client.post(
        url, {"action": "action_mark_shipped__carrier__tracking_", "_selected_action": [order.pk]}
    )
    assert asked.status_code == 200 and b"tracking_number" in asked.content
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            url,
            {
                "action": "action_mark_shipped__carrier__tracking_",
                "_selected_action": [order.pk],
                "apply": "1",
                "carrier": "Leopards",
                "tracking_number": "LP998877",
            },
        )
    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_number) == (
        "shipped",
        "Leopards",
        "LP998877",
    )
    assert order.history.last().changed_by == staff_client.owner
    assert OutboxMessage.objects.filter(subject__endswith="has shipped").count() == 1


def test_bank_transfer_marked_paid_by_staff(staff_client, place, variant):
    """P3: Bank transfer marked paid by staff."""
    order = place({variant.pk: 1}, payment_method="bank_transfer")
    staff_client.post(
        "/backoffice/orders/order/", {"action": "record_payment", "_selected_action": [order.pk]}
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and order.is_paid


def test_bulk_price_and_stock_actions(staff_client):
    """P3: Bulk price and stock actions."""
    first, second = VariantFactory(price=Decimal("1000")), VariantFactory(price=Decimal("2000"))
    url = "/backoffice/catalog/variant/"
    ids = [first.pk, second.pk]
    bad = staff_client.post(
        url,
        {
            "action": "action_change_prices_by_a_percentage",
            "_selected_action": ids,
            "apply": "1",
            "percent": "-95",
        },
    )
    assert bad.status_code == 200 and b"greater than or equal to -90" in bad.content
    assert Variant.objects.get(pk=first.pk).price == Decimal("1000.00")

    staff_client.post(
        url,
        {
            "action": "action_change_prices_by_a_percentage",
            "_selected_action": ids,
            "apply": "1",
            "percent": "10",
        },
    )
    assert [Variant.objects.get(pk=i).price for i in ids] == [
        Decimal("1100.00"),
        Decimal("2200.00"),
    ]
    assert Product.objects.get(pk=first.product_id).price_from == Decimal("1100.00")
    staff_client.post(
        url,
        {
            "action": "action_set_stock__a_stock_take_",
            "_selected_action": ids,
            "apply": "1",
            "quantity": "0",
        },
    )
    assert [Variant.objects.get(pk=i).stock for i in ids] == [0, 0]
    staff_client.post(
        url,
        {
            "action": "action_add_stock__a_delivery_",
            "_selected_action": ids,
            "apply": "1",
            "quantity": "7",
        },
    )
    assert [Variant.objects.get(pk=i).stock for i in ids] == [7, 7]
    audit = list(
        VariantChange.objects.filter(variant=first)
        .order_by("id")
        .values_list("field", "old_value", "new_value", "changed_by")
    )
    owner = staff_client.owner.pk
    assert audit == [
        ("price", "1000.00", "1100.00", owner),
        ("stock", "10", "0", owner),
        ("stock", "0", "7", owner),
    ]


def test_adding_stock_keeps_units_sold_meanwhile(place, variant):
    """P3: A delivery is added to what is on the shelf now, not to a number read earlier."""
    from candor.catalog.services import add_stock

    place({variant.pk: 4})
    add_stock(variant_ids=[variant.pk], quantity=5, acting_user=None)
    assert Variant.objects.get(pk=variant.pk).stock == 11


def test_stock_is_not_editable_in_admin_forms(staff_client, variant):
    """P3: Stock is not editable in admin forms."""
    page = staff_client.get(f"/backoffice/catalog/product/{variant.product_id}/change/")
    assert page.status_code == 200
    assert 'name="variants-0-stock"' not in page.content.decode()
    assert 'name="variants-0-price"' in page.content.decode()


def test_view_only_staff_cannot_run_actions(client, place, variant, mfa_login):
    """P15 groundwork: seeing the back office is not permission to change it."""
    from django.contrib.auth.models import Permission

    viewer = UserFactory(email="viewer@candor.example", is_staff=True)
    viewer.user_permissions.set(
        Permission.objects.filter(codename__in=["view_variant", "view_order"])
    )
    mfa_login(client, viewer)
    order = place({variant.pk: 1})
    for url, action in [
        ("/backoffice/catalog/variant/", "action_set_stock__a_stock_take_"),
        ("/backoffice/orders/order/", "mark_cancelled"),
        ("/backoffice/orders/order/", "record_payment"),
    ]:
        listing = client.get(url)
        assert listing.status_code == 200 and action not in listing.content.decode()
        selected = variant.pk if "variant" in url else order.pk
        client.post(
            url, {"action": action, "_selected_action": [selected], "apply": "1", "quantity": "999"}
        )
    assert Variant.objects.get(pk=variant.pk).stock == 9
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED and not order.is_paid


def test_product_saved_without_variants_is_not_a_500(staff_client):
    """P3: Product saved without variants is not a 500."""
    from tests.factories import BrandFactory, CategoryFactory

    brand, category = BrandFactory(), CategoryFactory()
    response = staff_client.post(
        "/backoffice/catalog/product/add/",
        {
            "category": category.pk,
            "brand": brand.pk,
            "name": "Coming soon",
            "slug": "coming-soon",
            "specs": "{}",
            "is_active": "on",
            "variants-TOTAL_FORMS": "0",
            "variants-INITIAL_FORMS": "0",
            "variants-MIN_NUM_FORMS": "0",
            "variants-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302
    assert Product.objects.get(slug="coming-soon").price_from == Decimal("0.00")


def test_outbox_is_readable_in_the_back_office(staff_client, place, variant):
    """P8: Embedded mode: staff read what the shop sent in the local outbox."""
    order = place({variant.pk: 1})
    message = OutboxMessage.objects.get()
    listing = staff_client.get("/backoffice/messaging/outboxmessage/")
    detail = staff_client.get(f"/backoffice/messaging/outboxmessage/{message.pk}/change/")
    assert order.number in listing.content.decode()
    assert detail.status_code == 200 and "srcdoc" in detail.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/backoffice/",
        "/backoffice/orders/order/",
        "/backoffice/catalog/product/",
        "/backoffice/catalog/variant/",
        "/backoffice/orders/shippingzone/",
        "/backoffice/payments/paymentsettings/",
        "/backoffice/core/shopsettings/",
        "/backoffice/orders/order/phone/",
    ],
)
def test_back_office_pages_open(staff_client, place, variant, path):
    """P3: Back office pages open."""
    place({variant.pk: 1})
    assert staff_client.get(path).status_code == 200


def test_phone_order_postcode_follows_the_country_rules(staff_client, standard_shipping):
    """P22: Phone order postcode follows the country rules."""
    VariantFactory(sku="PH-1", stock=5)
    response = staff_client.post(
        "/backoffice/orders/order/phone/",
        phone_order_data(standard_shipping, shipping_postcode="ABC"),
    )
    assert response.status_code == 400
    assert "This postcode is not in the format used in that country." in response.content.decode()
    assert Order.objects.count() == 0


def test_shipping_zones_cannot_overlap(staff_client, standard_shipping):
    """P3: a country has one set of shipping rates, so zones may not share countries."""
    from candor.orders.models import ShippingZone

    def add_zone(**fields):
        data = {
            "name": "Overlap",
            "countries": ["PK", "AE"],
            "methods-TOTAL_FORMS": "0",
            "methods-INITIAL_FORMS": "0",
            "methods-MIN_NUM_FORMS": "0",
            "methods-MAX_NUM_FORMS": "1000",
            **fields,
        }
        return staff_client.post("/backoffice/orders/shippingzone/add/", data)

    refused = add_zone()
    assert refused.status_code == 200
    assert "Already in another zone: Pakistan (Pakistan)." in refused.content.decode()
    assert add_zone(name="World", countries=[], rest_of_world="on").status_code == 302
    again = add_zone(name="World 2", countries=[], rest_of_world="on")
    assert "Another zone already covers the rest." in again.content.decode()
    assert sorted(ShippingZone.objects.values_list("name", flat=True)) == ["Pakistan", "World"]
