import socket
import uuid

import pytest
from django.db import connection

from candor.orders.services import CustomerDetails
from candor.payments.models import PaymentSettings

from .factories import ShippingMethodFactory, VariantFactory


@pytest.fixture(autouse=True)
def _media_and_cache(settings, tmp_path):
    from django.core.cache import caches

    settings.MEDIA_ROOT = tmp_path / "media"
    for alias in ("default", "pages"):
        caches[alias].clear()
    yield
    for alias in ("default", "pages"):
        caches[alias].clear()


@pytest.fixture
def standard_shipping(db):
    """Pakistan: standard 250, free from 10,000."""
    return ShippingMethodFactory()


@pytest.fixture
def payments_enabled(db):
    config = PaymentSettings.load()
    config.card_enabled = True
    config.save()
    return config


@pytest.fixture
def variant(db):
    return VariantFactory(stock=10)


@pytest.fixture
def customer() -> CustomerDetails:
    return CustomerDetails(
        email="ayesha@example.com",
        phone="+923001234567",
        shipping_name="Ayesha Khan",
        shipping_line1="12 Mall Road",
        shipping_city="Lahore",
        shipping_country="PK",
        shipping_postcode="54000",
    )


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Call fn as if its transaction committed: on_commit work (mail) runs, as in production."""

    def _committed(fn, /, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return _committed


@pytest.fixture
def place(customer, standard_shipping, committed):
    """Place an order through the real service: place(quantities, **overrides)."""
    from candor.orders.services import place_order

    def _place(quantities, **overrides):
        args = dict(
            checkout_token=uuid.uuid4(),
            quantities=quantities,
            customer=customer,
            shipping_method_id=standard_shipping.pk,
            payment_method="cod",
        )
        args.update(overrides)
        return committed(place_order, **args)[0]

    return _place


def _redis_up() -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", 6379)) == 0


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` or `redis` need that server: skip them, saying so, where absent."""
    # The database engine is known from settings before any connection is opened.
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    skip = pytest.mark.skip(reason="needs PostgreSQL at 127.0.0.1:5432 (not running here)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip)
    if any(item.get_closest_marker("redis") for item in items) and not _redis_up():
        skip_redis = pytest.mark.skip(reason="needs Redis at 127.0.0.1:6379 (not running here)")
        for item in items:
            if item.get_closest_marker("redis"):
                item.add_marker(skip_redis)


@pytest.fixture
def on_postgres():
    return connection.vendor == "postgresql"


GUEST_DETAILS = {
    "email": "a@example.com",
    "phone": "03001234567",
    "shipping_name": "Sana Mir",
    "shipping_line1": "1 Road",
    "shipping_city": "Lahore",
    "shipping_country": "PK",
    "billing_same_as_shipping": "on",
}


@pytest.fixture
def guest_at_review(client):
    """A guest who put `quantity` of `variant` in the cart and gave their details: returns the
    review form's initial values (checkout token and cart fingerprint)."""

    def _at_review(variant, quantity=1, **details):
        client.post("/cart/add/", {"variant": variant.pk, "quantity": quantity})
        client.post("/checkout/", {**GUEST_DETAILS, **details})
        return client.get("/checkout/review/").context["form"].initial

    return _at_review
