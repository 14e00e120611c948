import pytest
from django.core.management import call_command

from candor.catalog.models import Brand, Category, Product, Variant
from candor.core.models import ShopSettings
from candor.demo.services import OWNER_EMAIL, ensure_owner, load_demo
from candor.orders.models import ShippingMethod

pytestmark = pytest.mark.django_db


def test_demo_shop_is_believable_and_loads_once():
    assert load_demo(with_images=False) >= 80
    assert Category.objects.count() == 15
    assert Brand.objects.count() == 10
    assert Variant.objects.filter(stock=0).exists() and Variant.objects.filter(stock__gt=0).exists()
    assert not Product.objects.filter(price_from__lte=0).exists()
    assert (
        Variant.objects.exclude(storage="").exists() and Variant.objects.exclude(colour="").exists()
    )
    shop = ShopSettings.load()
    assert (shop.city, shop.currency) == ("Lahore", "PKR")
    assert ShippingMethod.objects.filter(zone__countries__contains="PK").count() == 2
    before = Product.objects.count()
    assert load_demo(with_images=False) == 0
    assert Product.objects.count() == before


def test_demo_images_are_drawn_locally():
    load_demo(with_images=True)
    product = Product.objects.exclude(image="").first()
    with product.image.open("rb") as image:
        assert image.read(8) == b"\x89PNG\r\n\x1a\n"


def test_owner_account_created_once_with_a_random_password(capsys):
    password = ensure_owner()
    assert password and len(password) >= 16
    from django.contrib.auth import authenticate

    assert authenticate(email=OWNER_EMAIL, password=password).is_superuser
    assert ensure_owner() is None
    call_command("ensure_owner")
    assert "already exists" in capsys.readouterr().out


def test_passwords_are_hashed_with_argon2(settings):
    """P14: production hashing is Argon2."""
    from candor.settings import PASSWORD_HASHERS

    assert PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    settings.PASSWORD_HASHERS = PASSWORD_HASHERS
    ensure_owner()
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.get().password.startswith("argon2$")


def test_load_demo_command_reports_what_it_did(capsys):
    call_command("load_demo", "--no-images")
    assert capsys.readouterr().out.startswith("Demo shop loaded: 82 products.")
    call_command("load_demo", "--no-images")
    assert "already has products; demo not loaded" in capsys.readouterr().out
