"""Seed a large shop on PostgreSQL for the load benchmark.

    python bench/seed.py --products 10000 --orders 100000 \\
        --database-url postgres://postgres@127.0.0.1:5432/candor_bench

Drops and recreates the database named in the URL (its name must contain "bench", so a
typo cannot wipe a real shop), migrates it, then writes the catalogue and the order history
with PostgreSQL's COPY: 10,000 products and 100,000 orders take well under a minute on two
cores. The data is deterministic for a given --seed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR / "src"))

# ---------------------------------------------------------------------------------------------
# Vocabulary. Names and descriptions read like a real phone shop's, so full-text search has
# realistic words to match and rank.
# ---------------------------------------------------------------------------------------------

EXTRA_BRANDS = ["OnePlus", "Nokia", "Huawei", "Motorola", "Sony", "JBL", "SanDisk", "Ugreen"]

PHONE_SERIES = {
    "Samsung": ["Galaxy A", "Galaxy S", "Galaxy M", "Galaxy F", "Galaxy Z Flip", "Galaxy Z Fold"],
    "Apple": ["iPhone "],
    "Xiaomi": ["Redmi Note ", "Redmi ", "Poco X", "Poco F", "Xiaomi "],
    "Oppo": ["Reno ", "A", "Find X"],
    "Vivo": ["Y", "V", "X"],
    "Infinix": ["Hot ", "Note ", "Smart ", "Zero "],
    "Tecno": ["Spark ", "Camon ", "Pova ", "Phantom V"],
    "Realme": ["C", "Narzo ", "GT ", "Realme "],
    "OnePlus": ["Nord ", "OnePlus ", "Nord CE"],
    "Nokia": ["G", "C", "X"],
    "Huawei": ["nova ", "P", "Mate "],
    "Motorola": ["Moto G", "Edge ", "Razr "],
}
PHONE_SUFFIXES = ["", "", "", " 5G", " Pro", " Pro+", " Plus", " Ultra", " Lite", " Neo", " Max"]
PHONE_COLOURS = [
    "Midnight Black",
    "Glacier Blue",
    "Mint Green",
    "Titanium Grey",
    "Lavender",
    "Sunset Orange",
    "Pearl White",
    "Ocean Blue",
    "Graphite",
    "Rose Gold",
]
STORAGES = ["64 GB", "128 GB", "256 GB", "512 GB", "1 TB"]
FEATURE_PHONE_SERIES = ["Guru ", "T", "Classic ", "Hero ", "Music "]
TABLET_SERIES = {
    "Samsung": "Galaxy Tab S",
    "Apple": "iPad Air ",
    "Xiaomi": "Redmi Pad ",
    "Huawei": "MatePad ",
    "Realme": "Pad ",
    "Oppo": "Pad ",
    "OnePlus": "Pad ",
    "Infinix": "XPad ",
}
WATCH_SERIES = {
    "Samsung": "Galaxy Watch ",
    "Apple": "Watch Series ",
    "Xiaomi": "Redmi Watch ",
    "Huawei": "Watch GT ",
    "Realme": "Watch S",
    "Oppo": "Watch ",
    "Infinix": "XWatch ",
    "Tecno": "Watch ",
}
ACCESSORY_COLOURS = ["Black", "White", "Blue", "Red", "Grey", "Green", "Pink", "Clear"]

# category -> (brands, noun phrases, adjectives, price range in PKR, features for descriptions)
ACCESSORIES = {
    "Cases & covers": (
        ["Baseus", "Anker", "Samsung", "Apple", "Xiaomi", "Ugreen", "Spigen"],
        ["Silicone Case", "Rugged Armor Case", "Leather Flip Case", "Clear Case", "Wallet Case"],
        ["Slim", "Shockproof", "Magnetic", "Frosted", "Matte", "Carbon Fibre"],
        (799, 6999),
        ["raised edges protect the camera", "MagSafe compatible magnets", "drop tested to 2 m"],
    ),
    "Screen protectors": (
        ["Baseus", "Anker", "Ugreen", "Samsung", "Xiaomi"],
        ["Tempered Glass", "Privacy Glass", "Film Protector", "Camera Lens Protector"],
        ["9H", "Full Cover", "Anti-Glare", "Edge-to-Edge", "2 Pack", "3 Pack"],
        (499, 3499),
        ["bubble-free installation kit included", "oleophobic coating resists fingerprints"],
    ),
    "Chargers": (
        ["Anker", "Baseus", "Samsung", "Apple", "Xiaomi", "Ugreen", "OnePlus"],
        ["USB-C Charger", "GaN Charger", "Wireless Charging Pad", "Travel Adapter", "Charger"],
        ["20 W", "25 W", "33 W", "45 W", "65 W", "100 W", "Dual Port", "Fast"],
        (1499, 14999),
        ["fast charging with USB Power Delivery", "GaN chips keep it small and cool"],
    ),
    "Cables": (
        ["Anker", "Baseus", "Ugreen", "Samsung", "Apple", "Xiaomi"],
        ["USB-C to USB-C Cable", "USB-C to Lightning Cable", "Micro-USB Cable", "3-in-1 Cable"],
        ["1 m", "1.5 m", "2 m", "Braided", "60 W", "100 W", "Right-Angle"],
        (399, 4999),
        ["braided nylon survives thousands of bends", "supports fast charging and data sync"],
    ),
    "Power banks": (
        ["Anker", "Baseus", "Xiaomi", "Ugreen", "Realme", "Samsung"],
        ["Power Bank", "PowerCore", "Magnetic Power Bank", "Slim Power Bank"],
        ["5000 mAh", "10000 mAh", "20000 mAh", "26800 mAh", "22.5 W", "PD"],
        (2999, 16999),
        ["charges two phones at once", "LED display shows the remaining charge"],
    ),
    "Earphones": (
        ["Apple", "Samsung", "Xiaomi", "Anker", "Realme", "Oppo", "Vivo", "JBL", "Sony"],
        ["Wireless Earbuds", "Buds", "True Wireless Earphones", "Wired Earphones"],
        ["ANC", "Pro", "Lite", "Active", "Sport", "Bass"],
        (1499, 59999),
        ["active noise cancelling", "Bluetooth 5.3 with low latency", "sweat resistant"],
    ),
    "Headphones": (
        ["Sony", "JBL", "Anker", "Baseus", "Apple", "Samsung"],
        ["Over-Ear Headphones", "On-Ear Headphones", "Wireless Headphones"],
        ["Noise Cancelling", "Studio", "Foldable", "Kids", "Gaming"],
        (3999, 179999),
        ["70 hours of playback", "memory-foam ear cushions", "hybrid noise cancelling"],
    ),
    "Speakers": (
        ["JBL", "Anker", "Sony", "Xiaomi", "Baseus"],
        ["Bluetooth Speaker", "Portable Speaker", "Party Speaker", "Mini Speaker"],
        ["Waterproof", "16 W", "30 W", "Bass Boost", "Outdoor"],
        (2999, 59999),
        ["IPX7 waterproof", "pairs two speakers for stereo", "24 hours of music"],
    ),
    "Memory cards": (
        ["SanDisk", "Samsung", "Xiaomi", "Ugreen"],
        ["microSD Card", "microSDXC Card", "USB Flash Drive"],
        ["32 GB", "64 GB", "128 GB", "256 GB", "512 GB", "U3", "A2"],
        (999, 19999),
        ["records 4K video without dropped frames", "read speeds up to 160 MB/s"],
    ),
    "Car accessories": (
        ["Baseus", "Anker", "Xiaomi", "Ugreen"],
        ["Car Mount", "Car Charger", "Air Vent Holder", "Dashboard Holder", "FM Transmitter"],
        ["Magnetic", "Gravity", "Wireless", "Dual USB", "Fast"],
        (999, 8999),
        ["one-hand mounting", "fits phones from 4.7 to 6.9 inches"],
    ),
    "Tripods & selfie sticks": (
        ["Baseus", "Xiaomi", "Anker", "Ugreen"],
        ["Selfie Stick Tripod", "Phone Tripod", "Gimbal Stabiliser", "Ring Light Tripod"],
        ["Bluetooth", "Extendable", "1.5 m", "Foldable", "Travel"],
        (1499, 24999),
        ["Bluetooth remote shutter", "extends to 1.5 m for group photos"],
    ),
}
SHARED_PHRASES = [
    "Genuine product with official warranty.",
    "Shipped from Lahore within one working day.",
    "Cash on delivery available across Pakistan.",
    "Seven-day easy return if it arrives damaged.",
    "PTA approved where applicable.",
    "Sealed box with all original accessories.",
]
PHONE_FEATURES = [
    "AMOLED display with a 120 Hz refresh rate",
    "a 5000 mAh battery that lasts two days",
    "fast charging at {watts} W",
    "a {mp} MP main camera with night mode",
    "an octa-core processor for smooth gaming",
    "dual SIM with 5G support",
    "an IP68 water and dust resistant body",
    "stereo speakers and Dolby Atmos",
    "an in-display fingerprint sensor",
]

FIRST_NAMES = [
    "Ayesha",
    "Ali",
    "Ahmed",
    "Fatima",
    "Hassan",
    "Zainab",
    "Usman",
    "Maryam",
    "Bilal",
    "Hira",
    "Omar",
    "Sana",
    "Imran",
    "Amna",
    "Kamran",
    "Nida",
    "Faisal",
    "Rabia",
    "Hamza",
    "Iqra",
    "Saad",
    "Mehwish",
    "Asad",
    "Sadia",
    "Danish",
    "Kiran",
    "Junaid",
    "Saima",
    "Tariq",
    "Aliya",
]
LAST_NAMES = [
    "Khan",
    "Ahmed",
    "Ali",
    "Hussain",
    "Malik",
    "Qureshi",
    "Sheikh",
    "Butt",
    "Chaudhry",
    "Raza",
    "Siddiqui",
    "Mirza",
    "Baig",
    "Abbasi",
    "Javed",
    "Iqbal",
    "Aslam",
    "Rana",
    "Akhtar",
    "Shah",
    "Zafar",
    "Nawaz",
    "Anwar",
    "Farooq",
]
STREETS = [
    "Mall Road",
    "Main Boulevard",
    "Jail Road",
    "Ferozepur Road",
    "MM Alam Road",
    "Canal Bank Road",
    "Shahrah-e-Faisal",
    "Tariq Road",
    "Clifton Block 5",
    "Blue Area",
    "Jinnah Avenue",
    "University Road",
    "GT Road",
    "Saddar Road",
    "Satellite Town",
]
PK_CITIES = [
    ("Lahore", "54000"),
    ("Karachi", "74200"),
    ("Islamabad", "44000"),
    ("Rawalpindi", "46000"),
    ("Faisalabad", "38000"),
    ("Multan", "60000"),
    ("Peshawar", "25000"),
    ("Quetta", "87300"),
    ("Sialkot", "51310"),
    ("Hyderabad", "71000"),
]
ABROAD = [
    ("AE", "Dubai", "", "+97150"),
    ("SA", "Riyadh", "11564", "+96650"),
    ("QA", "Doha", "", "+97433"),
    ("GB", "London", "E1 6AN", "+447700"),
    ("US", "Houston", "77001", "+1713555"),
]
CARRIERS = ["TCS", "Leopards Courier", "M&P", "Trax", "DHL Express"]

# (final status, path through the lifecycle, payment method, weight)
PREPAID = ["pending_payment", "paid", "packed", "shipped", "delivered"]
ORDER_PATHS = [
    ("delivered", ["confirmed", "packed", "shipped", "delivered"], "cod", 40),
    ("delivered", PREPAID, "card", 14),
    ("delivered", PREPAID, "bank_transfer", 5),
    ("shipped", ["confirmed", "packed", "shipped"], "cod", 6),
    ("shipped", ["pending_payment", "paid", "packed", "shipped"], "card", 2),
    ("packed", ["confirmed", "packed"], "cod", 3),
    ("confirmed", ["confirmed"], "cod", 5),
    ("paid", ["pending_payment", "paid"], "card", 3),
    ("pending_payment", ["pending_payment"], "bank_transfer", 4),
    ("cancelled", ["confirmed", "cancelled"], "cod", 6),
    ("cancelled", ["pending_payment", "cancelled"], "bank_transfer", 3),
    ("refunded", [*PREPAID, "refunded"], "card", 3),
    ("refunded", ["pending_payment", "paid", "refunded"], "card", 1),
]


# ---------------------------------------------------------------------------------------------
# Database set-up
# ---------------------------------------------------------------------------------------------


def recreate_database(url: str) -> str:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        sys.exit(f"Refusing to touch a database that is not on this machine: {parts.hostname}")
    if "bench" not in name:
        sys.exit(f"Refusing to drop {name!r}: the benchmark database's name must contain 'bench'.")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        ident = sql.Identifier(name)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(ident))
    return name


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "candor.settings")
    os.environ.setdefault("CANDOR_ENV", "embedded")
    os.environ.setdefault("REDIS_URL", "")
    import django

    django.setup()


def copy_rows(model, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """COPY rows into a model's table. `columns` are attribute names ('category_id' for a
    foreign key). Fields not listed get their model default (or NULL / '' where the field
    allows it), so a field added to a model later does not break the seed; a new required
    field without a default stops it with a clear message."""
    from django.db import connection
    from django.db.models import JSONField

    fields = {f.attname: f for f in model._meta.concrete_fields}
    unknown = set(columns) - set(fields)
    if unknown:
        raise ValueError(f"{model.__name__} has no fields {sorted(unknown)}")
    extra_names, extra_values = [], []
    for name, f in fields.items():
        if name in columns:
            continue
        if f.has_default():
            value = f.get_default()
            value = json.dumps(value) if isinstance(f, JSONField) else value
        elif f.null:
            value = None
        elif f.empty_strings_allowed and f.blank:
            value = ""
        else:
            raise ValueError(f"bench/seed.py gives no value for {model.__name__}.{name}")
        extra_names.append(name)
        extra_values.append(value)
    extra = tuple(extra_values)
    names = ", ".join(connection.ops.quote_name(fields[n].column) for n in [*columns, *extra_names])
    table = connection.ops.quote_name(model._meta.db_table)
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((*row, *extra))
                count += 1
    return count


def reset_sequences(*models) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(statement)


# ---------------------------------------------------------------------------------------------
# Catalogue
# ---------------------------------------------------------------------------------------------


def _price(rng: random.Random, low: int, high: int, step: int) -> Decimal:
    """A shop price between low and high ending in step - 1 (1999, 2499, ...)."""
    return Decimal(rng.randrange(low // step + 1, high // step + 1) * step - 1)


def _phone(rng: random.Random, brand: str) -> tuple[str, Decimal, list, dict, list[str]]:
    series = rng.choice(PHONE_SERIES.get(brand, ["Phone "]))
    number = rng.randint(2, 99) if brand != "Apple" else rng.randint(11, 17)
    name = f"{brand} {series}{number}{rng.choice(PHONE_SUFFIXES)}"
    base = _price(rng, 19999, 449999, 1000)
    storages = sorted(rng.sample(STORAGES[:4], rng.randint(1, 2)), key=STORAGES.index)
    colours = rng.sample(PHONE_COLOURS, rng.randint(1, 2))
    options = [(s, c) for s in storages for c in colours][:4]
    watts, mp = rng.choice([18, 25, 33, 45, 67, 120]), rng.choice([13, 48, 50, 64, 108, 200])
    specs = {
        "Display": f'{rng.choice(["6.1", "6.4", "6.6", "6.7", "6.8"])}" AMOLED',
        "Battery": f"{rng.choice([4000, 4500, 5000, 6000])} mAh",
        "Camera": f"{mp} MP main",
        "Charging": f"{watts} W",
    }
    features = [f.format(watts=watts, mp=mp) for f in rng.sample(PHONE_FEATURES, 3)]
    return name, base, options, specs, features


def _simple_device(
    rng: random.Random, brand: str, series: str, price: tuple[int, int], spec: dict
) -> tuple[str, Decimal, list, dict, list[str]]:
    name = f"{brand} {series}{rng.randint(2, 12)}{rng.choice(['', '', ' Pro', ' Lite', ' Plus'])}"
    base = _price(rng, price[0], price[1], 500)
    colours = rng.sample(PHONE_COLOURS, rng.randint(1, 3))
    storages = [""] if "Watch" in series else rng.sample(STORAGES[:3], rng.randint(1, 2))
    options = [(s, c) for s in storages for c in colours][:4]
    common = ["long battery life", "a bright AMOLED display", "fast charging", "a metal body"]
    if "Watch" in series:
        common += ["Bluetooth calling", "heart-rate and sleep tracking", "GPS for runs"]
    else:
        common += ["quad speakers for video", "stylus support", "dual SIM with 4G"]
    features = rng.sample(common, 3)
    return name, base, options, spec, features


def _accessory(rng: random.Random, category: str) -> tuple[str, str, Decimal, list, dict, list]:
    brands, nouns, adjectives, (low, high), features = ACCESSORIES[category]
    brand = rng.choice(brands)
    target = ""
    if category in ("Cases & covers", "Screen protectors"):
        phone_brand = rng.choice([b for b in PHONE_SERIES if b != "Nokia"])
        series = rng.choice(PHONE_SERIES[phone_brand])
        target = f" for {phone_brand} {series}{rng.randint(2, 99)}".replace("  ", " ")
    name = f"{brand} {rng.choice(adjectives)} {rng.choice(nouns)}{target}"
    base = _price(rng, low, high, 100)
    colours = [""] if category == "Screen protectors" else rng.sample(ACCESSORY_COLOURS, 2)
    options = [("", c) for c in colours[: rng.randint(1, 4)]]
    specs = {"Warranty": rng.choice(["6 months", "1 year", "18 months"])}
    return brand, name, base, options, specs, rng.sample(features, min(2, len(features)))


def seed_catalogue(rng: random.Random, products: int, now: datetime) -> tuple[int, int]:
    from django.utils.text import slugify

    from candor.catalog.models import Brand, Category, Product, Variant
    from candor.demo.catalogue import BRANDS, CATEGORIES

    categories = {}
    for position, (name, text) in enumerate(CATEGORIES):
        categories[name] = Category.objects.create(
            name=name, slug=slugify(name), description=text, position=position
        )
    brand_names = sorted(
        {*BRANDS, *EXTRA_BRANDS, *(b for spec in ACCESSORIES.values() for b in spec[0])}
    )
    brands = {name: Brand.objects.create(name=name, slug=slugify(name)) for name in brand_names}

    # Phones and their kin are a third of the shop; accessories share the rest evenly.
    weights = {name: 1.0 for name, _ in CATEGORIES}
    weights.update({"Smartphones": 3.0, "Tablets": 1.0, "Smartwatches": 1.0})
    names, cat_weights = list(weights), list(weights.values())

    product_rows, variant_rows = [], []
    slugs: set[str] = set()
    skus: set[str] = set()
    variant_id = 0
    for pid in range(1, products + 1):
        category = rng.choices(names, cat_weights)[0]
        if category == "Smartphones":
            brand = rng.choice(list(PHONE_SERIES))
            name, base, options, specs, features = _phone(rng, brand)
        elif category == "Feature phones":
            brand = rng.choice(["Nokia", "Samsung", "Tecno", "Infinix", "Vivo"])
            name, base, options, specs, features = _simple_device(
                rng, brand, rng.choice(FEATURE_PHONE_SERIES), (2999, 12999), {"SIM": "Dual"}
            )
            options = [("", c) for _, c in options][:3]
        elif category == "Tablets":
            brand = rng.choice(list(TABLET_SERIES))
            name, base, options, specs, features = _simple_device(
                rng, brand, TABLET_SERIES[brand], (29999, 349999), {"Display": '11" 90 Hz'}
            )
        elif category == "Smartwatches":
            brand = rng.choice(list(WATCH_SERIES))
            name, base, options, specs, features = _simple_device(
                rng, brand, WATCH_SERIES[brand], (4999, 149999), {"Case": "44 mm"}
            )
        else:
            brand, name, base, options, specs, features = _accessory(rng, category)
        slug = slugify(name)
        if slug in slugs:
            slug = f"{slug}-{pid}"
        slugs.add(slug)
        description = (
            f"{name} from {brand}, with {', '.join(features[:-1])} and {features[-1]}. "
            + " ".join(rng.sample(SHARED_PHRASES, 2))
        )
        created = now - timedelta(days=rng.uniform(0, 3 * 365))
        prices = []
        for position, (storage, colour) in enumerate(options):
            variant_id += 1
            price = base + Decimal(position // max(1, len({c for _, c in options})) * 25000)
            if "TB" in storage:
                price += Decimal(120000)
            sku = "-".join(
                part
                for part in (
                    brand[:3].upper(),
                    str(pid),
                    slugify(storage).upper(),
                    slugify(colour).upper(),
                )
                if part
            )[:64]
            if sku in skus:
                sku = f"{sku}-{variant_id}"[:64]
            skus.add(sku)
            stock = 0 if rng.random() < 0.125 else rng.randint(1, 60)
            active = position == 0 or rng.random() > 0.02
            if active:
                prices.append(price)
            variant_rows.append((variant_id, pid, sku, storage, colour, price, stock, active))
        product_rows.append(
            (
                pid,
                categories[category].pk,
                brands[brand].pk,
                name,
                slug,
                description,
                json.dumps(specs),
                "",
                rng.random() < 0.02,  # featured
                rng.random() > 0.03,  # active
                created,
                min(prices) if prices else Decimal(0),
                # What Product.save() would have written: name, brand, category, description.
                " ".join([name, brand, category, description]),
            )
        )
    copy_rows(
        Product,
        [
            "id",
            "category_id",
            "brand_id",
            "name",
            "slug",
            "description",
            "specs",
            "image",
            "is_featured",
            "is_active",
            "created_at",
            "price_from",
            "search_text",
        ],
        product_rows,
    )
    copy_rows(
        Variant,
        ["id", "product_id", "sku", "storage", "colour", "price", "stock", "is_active"],
        variant_rows,
    )
    reset_sequences(Product, Variant)
    return len(product_rows), len(variant_rows)


# ---------------------------------------------------------------------------------------------
# Orders
# ---------------------------------------------------------------------------------------------


def seed_orders(rng: random.Random, orders: int, now: datetime) -> tuple[int, int, int]:
    from candor.catalog.models import Variant
    from candor.core.ids import READABLE_ALPHABET
    from candor.orders.models import Order, OrderLine, OrderStatusChange, ShippingMethod

    variants = list(
        Variant.objects.select_related("product").values_list(
            "id", "sku", "product__name", "storage", "colour", "price"
        )
    )
    methods = {m.zone.name: m for m in ShippingMethod.objects.select_related("zone")}
    pk_methods = [m for m in methods.values() if m.zone.name == "Pakistan"]
    gulf = next(m for m in methods.values() if m.zone.name == "Gulf")
    world = next(m for m in methods.values() if m.zone.name == "Rest of the world")
    paths = [p[:3] for p in ORDER_PATHS]
    path_weights = [p[3] for p in ORDER_PATHS]
    numbers: set[str] = set()

    order_rows, line_rows, history_rows = [], [], []
    line_id = history_id = 0
    for oid in range(1, orders + 1):
        number = ""
        while not number or number in numbers:
            code = "".join(rng.choices(READABLE_ALPHABET, k=8))
            number = f"CN-{code[:4]}-{code[4:]}"
        numbers.add(number)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if rng.random() < 0.93:
            city, postcode = rng.choice(PK_CITIES)
            country, phone = "PK", f"+923{rng.randint(0, 4)}{rng.randint(10000000, 99999999)}"
            method = rng.choice(pk_methods)
        else:
            country, city, postcode, prefix = rng.choice(ABROAD)
            phone = f"{prefix}{rng.randint(1000000, 9999999)}"[:16]
            method = gulf if country in ("AE", "SA", "QA") else world
        created = now - timedelta(days=rng.uniform(0, 2 * 365), seconds=rng.randint(0, 86399))
        status, path, payment = rng.choices(paths, path_weights)[0]

        subtotal = Decimal(0)
        picked = rng.sample(variants, rng.choices([1, 2, 3, 4], [55, 28, 12, 5])[0])
        for vid, sku, product_name, storage, colour, price in sorted(picked):
            quantity = rng.choices([1, 2, 3], [85, 12, 3])[0]
            line_id += 1
            total = price * quantity
            subtotal += total
            label = " · ".join(p for p in (storage, colour) if p)
            line_rows.append((line_id, oid, vid, sku, product_name, label, price, quantity, total))
        shipping = method.cost_for(subtotal)

        moment, previous, paid_at = created, "", None
        for step, to_status in enumerate(path):
            history_id += 1
            if step:
                moment += timedelta(hours=rng.uniform(2, 60))
            if to_status == "paid" or (payment == "cod" and to_status == "delivered"):
                paid_at = moment
            note = "Placed online" if step == 0 else ""
            history_rows.append((history_id, oid, previous, to_status, note, moment))
            previous = to_status
        shipped = "shipped" in path
        order_rows.append(
            (
                oid,
                number,
                uuid.UUID(int=rng.getrandbits(128), version=4),
                "web",
                status,
                payment,
                paid_at,
                f"{first.lower()}.{last.lower()}{oid}@example.com",
                phone,
                f"{first} {last}",
                f"House {rng.randint(1, 400)}, {rng.choice(STREETS)}",
                "",
                city,
                postcode,
                country,
                True,
                *("",) * 6,  # billing address: same as shipping
                "",  # note
                method.name,
                "PKR",
                subtotal,
                shipping,
                subtotal + shipping,
                rng.choice(CARRIERS) if shipped else "",
                f"{rng.randint(10**9, 10**10 - 1)}" if shipped else "",
                created,
                moment,
            )
        )
    copy_rows(
        Order,
        [
            "id",
            "number",
            "checkout_token",
            "source",
            "status",
            "payment_method",
            "paid_at",
            "email",
            "phone",
            "shipping_name",
            "shipping_line1",
            "shipping_line2",
            "shipping_city",
            "shipping_postcode",
            "shipping_country",
            "billing_same_as_shipping",
            "billing_name",
            "billing_line1",
            "billing_line2",
            "billing_city",
            "billing_postcode",
            "billing_country",
            "note",
            "shipping_method_name",
            "currency",
            "subtotal",
            "shipping_cost",
            "total",
            "carrier",
            "tracking_number",
            "created_at",
            "updated_at",
        ],
        order_rows,
    )
    copy_rows(
        OrderLine,
        [
            "id",
            "order_id",
            "variant_id",
            "sku",
            "product_name",
            "variant_label",
            "unit_price",
            "quantity",
            "line_total",
        ],
        line_rows,
    )
    copy_rows(
        OrderStatusChange,
        ["id", "order_id", "from_status", "to_status", "note", "created_at"],
        history_rows,
    )
    reset_sequences(Order, OrderLine, OrderStatusChange)
    return len(order_rows), len(line_rows), len(history_rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/candor_bench")
    parser.add_argument("--seed", type=int, default=2014, help="random seed (default 2014)")
    args = parser.parse_args(argv)

    started = time.perf_counter()

    def step(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {message}", flush=True)

    name = recreate_database(args.database_url)
    step(f"recreated database {name}")
    setup_django(args.database_url)

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from candor.demo.services import _shipping, _shop_settings
    from candor.payments.models import PaymentSettings

    call_command("migrate", verbosity=0, interactive=False)
    step("migrated")

    rng = random.Random(args.seed)
    now = timezone.now()
    with transaction.atomic():
        _shop_settings()
        _shipping()
        PaymentSettings.load()
        products, variants = seed_catalogue(rng, args.products, now)
    step(f"catalogue: {products:,} products, {variants:,} variants, shipping zones and methods")
    with transaction.atomic():
        orders, lines, history = seed_orders(rng, args.orders, now)
    step(f"orders: {orders:,} orders, {lines:,} lines, {history:,} status changes")
    with connection.cursor() as cursor:  # Django is in autocommit mode outside atomic()
        cursor.execute("VACUUM ANALYZE")
    step("vacuum analyze")
    print(f"Seeded {name} in {time.perf_counter() - started:.1f} s.")


if __name__ == "__main__":
    main()
