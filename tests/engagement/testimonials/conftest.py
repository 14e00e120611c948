"""Shared fixtures for the testimonial tests (P19): a buyer with a name, phone and email that
must never reach a public page, a product they bought, and a signed-in browser."""

import uuid
from decimal import Decimal

import pytest
from django.test import Client

from candor.engagement.testimonials import consent, services
from candor.engagement.testimonials.models import Testimonial
from candor.orders.models import Order, OrderLine, OrderStatus
from tests.factories import UserFactory, VariantFactory

EMAIL = "ayesha.private@example.com"
PHONE = "+923331112223"
SURNAME = "Siddiqui"
TEXT = "Battery lasts two days and the camera is sharp."


@pytest.fixture
def buyer(db):
    return UserFactory(email=EMAIL, first_name="Ayesha", last_name=SURNAME, phone=PHONE)


@pytest.fixture
def browser(buyer) -> Client:
    client = Client()
    client.force_login(buyer)
    return client


@pytest.fixture
def bought(buyer, place):
    """A product the buyer ordered with their account (cash on delivery, so confirmed)."""
    variant = VariantFactory(stock=50)
    place({variant.pk: 1}, user=buyer)
    return variant.product


def order_for(user, variant, status=OrderStatus.CONFIRMED) -> Order:
    """An order of `user` holding `variant`, written directly: test data for "bought", kept
    apart from how checkout and screening decide on orders (tests/orders prove those)."""
    order = Order.objects.create(
        number=f"CN-T-{uuid.uuid4().hex[:10]}",
        checkout_token=uuid.uuid4(),
        user=user,
        status=status,
        payment_method="cod",
        email=user.email,
        phone="+923001234567",
        shipping_name="Test Buyer",
        shipping_line1="1 Road",
        shipping_city="Lahore",
        shipping_country="PK",
        shipping_method_name="Standard delivery",
        currency="PKR",
        subtotal=variant.price,
        shipping_cost=Decimal("0"),
        total=variant.price,
    )
    OrderLine.objects.create(
        order=order,
        variant=variant,
        sku=variant.sku,
        product_name=variant.product.name,
        unit_price=variant.price,
        quantity=1,
        line_total=variant.price,
    )
    return order


def form_data(item, **overrides) -> dict:
    """The write form's fields for product `item`; an override of None leaves a field out."""
    data = {
        "product": str(item.pk),
        "text": TEXT,
        "rating": "5",
        "name_form": "first_initial",
        "affiliation": "Lahore",
        "consent": "on",
        "consent_version": consent.CURRENT_VERSION,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def submit(buyer):
    """submit(product, user=buyer, **overrides): the service, with valid values by default."""

    def _submit(product, user=None, **overrides) -> Testimonial:
        args = dict(
            user=user or buyer,
            product_id=product.pk,
            text=TEXT,
            rating=5,
            name_form="first_initial",
            affiliation="Lahore",
            consent_given=True,
            consent_version=consent.CURRENT_VERSION,
        )
        args.update(overrides)
        return services.submit_testimonial(**args).testimonial

    return _submit


@pytest.fixture
def staff(db):
    return UserFactory(email="moderator@candor.example", is_staff=True)


@pytest.fixture
def publish(submit, staff, committed):
    """publish(product, **overrides): a testimonial submitted and approved (after commit)."""

    def _publish(product, **overrides) -> Testimonial:
        testimonial = submit(product, **overrides)
        return committed(services.approve, testimonial=testimonial, acting_user=staff)

    return _publish
