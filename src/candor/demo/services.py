"""Load the demo shop and create the owner account. Both are safe to run twice."""

import io
import random
import secrets
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import slugify
from PIL import Image, ImageDraw

from candor.accounts.powers import record_first_owner
from candor.catalog.models import Brand, Category, Product, Variant
from candor.catalog.services import refresh_price_from
from candor.core.models import ShopSettings
from candor.orders.models import ShippingMethod, ShippingZone
from candor.payments.models import PaymentSettings

from .catalogue import BRANDS, CATEGORIES, PHONES, SIMPLE_PRODUCTS

OWNER_EMAIL = "owner@candor.example"
PALETTE = [
    "#264653",
    "#2a9d8f",
    "#e9c46a",
    "#f4a261",
    "#e76f51",
    "#3d5a80",
    "#6d597a",
    "#355070",
    "#588157",
    "#bc4749",
]


def placeholder_image(label: str, index: int) -> ContentFile:
    """A small PNG drawn locally: a coloured tile with the product's initials."""
    image = Image.new("RGB", (480, 480), PALETTE[index % len(PALETTE)])
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((150, 70, 330, 410), radius=28, outline="white", width=8)
    initials = "".join(word[0] for word in label.split()[:2]).upper()
    draw.text((240, 240), initials, fill="white", anchor="mm", font_size=72)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return ContentFile(buffer.getvalue())


def _sku(brand: str, name: str, *parts: str) -> str:
    words = [brand[:3], *name.replace("-", " ").split(), *parts]
    return "-".join(slugify(w).upper() for w in words if slugify(w))[:64]


def _storage_premium(storage: str, position: int) -> Decimal:
    return Decimal(position * 25000) if "TB" not in storage else Decimal(120000)


@transaction.atomic
def load_demo(*, with_images: bool = True) -> int:
    """Load the demo shop unless products exist. Returns the number of products created."""
    if Product.objects.exists():
        return 0
    rng = random.Random(2014)
    _shop_settings()
    _shipping()
    PaymentSettings.load()
    categories = {
        name: Category.objects.create(name=name, slug=slugify(name), description=text, position=i)
        for i, (name, text) in enumerate(CATEGORIES)
    }
    brands = {name: Brand.objects.create(name=name, slug=slugify(name)) for name in BRANDS}
    created: list[Product] = []

    def add(category, brand, name, specs, variants):
        product = Product(
            category=categories[category],
            brand=brands[brand],
            name=f"{brand} {name}" if not name.startswith(brand) else name,
            slug=slugify(f"{brand} {name}"),
            specs=specs,
            description=f"{brand} {name}. Genuine product with official warranty, shipped from "
            "Lahore.",
            is_featured=len(created) % 7 == 0,
        )
        if with_images:
            product.image.save(
                f"{product.slug}.png", placeholder_image(name, len(created)), save=False
            )
        product.save()
        for sku, storage, colour, price in variants:
            # Roughly one variant in eight is sold out, so the shop shows both states.
            stock = 0 if rng.random() < 0.125 else rng.randint(1, 40)
            Variant.objects.create(
                product=product, sku=sku, storage=storage, colour=colour, price=price, stock=stock
            )
        created.append(product)

    for brand, name, base, storages, colours, specs in PHONES:
        add(
            "Smartphones",
            brand,
            name,
            specs,
            [
                (
                    _sku(brand, name, storage, colour),
                    storage,
                    colour,
                    Decimal(base) + _storage_premium(storage, i),
                )
                for i, storage in enumerate(storages)
                for colour in colours
            ],
        )
    for category, items in SIMPLE_PRODUCTS.items():
        for brand, name, price, colours, specs in items:
            add(
                category,
                brand,
                name,
                specs,
                [(_sku(brand, name, colour), "", colour, Decimal(price)) for colour in colours],
            )
    refresh_price_from([p.pk for p in created])
    return len(created)


def _shop_settings() -> None:
    shop = ShopSettings.load()
    shop.name = "Candor Mobile"
    shop.legal_name = "Candor Mobile (Private) Limited"
    shop.street_address = "Shop 12, Ground Floor, Hafeez Centre, Main Boulevard, Gulberg III"
    shop.city = "Lahore"
    shop.postcode = "54660"
    shop.country = "PK"
    shop.phone = "+924235750000"
    shop.email = "hello@candor.example"
    shop.currency = "PKR"
    shop.locale = "en_PK"
    shop.save()


def _shipping() -> None:
    pakistan = ShippingZone.objects.create(name="Pakistan", countries=["PK"])
    ShippingMethod.objects.create(
        zone=pakistan,
        name="Standard delivery",
        price=Decimal(250),
        free_over=Decimal(10000),
        delivery_days="2–4 days",
    )
    ShippingMethod.objects.create(
        zone=pakistan, name="Express delivery", price=Decimal(600), delivery_days="next working day"
    )
    gulf = ShippingZone.objects.create(name="Gulf", countries=["AE", "SA", "QA", "OM", "BH", "KW"])
    ShippingMethod.objects.create(
        zone=gulf,
        name="International courier",
        price=Decimal(4500),
        free_over=Decimal(300000),
        delivery_days="5–8 days",
    )
    world = ShippingZone.objects.create(name="Rest of the world", rest_of_world=True)
    ShippingMethod.objects.create(
        zone=world, name="International courier", price=Decimal(7500), delivery_days="7–12 days"
    )


@transaction.atomic
def ensure_owner() -> str | None:
    """Create the owner account if missing. Returns its new password, or None if it existed."""
    User = get_user_model()
    if User.objects.filter(is_superuser=True).exists():
        return None
    password = secrets.token_urlsafe(12)
    owner = User.objects.create_superuser(
        email=OWNER_EMAIL, password=password, first_name="Shop", last_name="Owner"
    )
    record_first_owner(user=owner)  # on the staff powers trail (P15)
    # Whoever ran the command on the server holds the account: its address needs no mailed link
    # (sign-in requires a verified address; two-factor enrolment is asked for at first visit).
    EmailAddress.objects.create(user=owner, email=OWNER_EMAIL, verified=True, primary=True)
    return password


def ensure_policy_published() -> int | None:
    """The demo shop publishes its first privacy policy version (P21); returns its number, or
    None when a version already exists."""
    from candor.privacy import policy

    if policy.latest() is not None:
        return None
    return policy.publish(summary="First published version.").number
