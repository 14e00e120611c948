"""factory-boy factories for the shop's models."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from candor.catalog.models import Brand, Category, Product, Variant
from candor.orders.models import ShippingMethod, ShippingZone


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Brand {n}")
    slug = factory.Sequence(lambda n: f"brand-{n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    category = factory.SubFactory(CategoryFactory)
    brand = factory.SubFactory(BrandFactory)
    name = factory.Sequence(lambda n: f"Phone model {n}")
    slug = factory.Sequence(lambda n: f"phone-model-{n}")
    description = "A phone."
    price_from = Decimal("1000.00")


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Variant

    product = factory.SubFactory(ProductFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    storage = "128 GB"
    colour = "Black"
    price = Decimal("1000.00")
    stock = 10


class ShippingZoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShippingZone

    name = "Pakistan"
    countries = ["PK"]


class ShippingMethodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShippingMethod

    zone = factory.SubFactory(ShippingZoneFactory)
    name = "Standard delivery"
    price = Decimal("250.00")
    free_over = Decimal("10000.00")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["email"]

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    password = factory.django.Password("correct horse battery")


class VerifiedEmailFactory(factory.django.DjangoModelFactory):
    """allauth's record that the user proved they read mail at this address."""

    class Meta:
        model = "account.EmailAddress"

    user = factory.SubFactory(UserFactory)
    email = factory.LazyAttribute(lambda o: o.user.email)
    verified = True
    primary = True


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "accounts.Address"

    owner = factory.SubFactory(UserFactory)
    name = "Ayesha Khan"
    line1 = factory.Sequence(lambda n: f"{n + 1} Mall Road")
    city = "Lahore"
    postcode = "54000"
    country = "PK"
