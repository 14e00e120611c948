from decimal import Decimal

from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse


class Category(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:category", args=[self.slug])


class Brand(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="products")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    description = models.TextField(blank=True)
    specs = models.JSONField(default=dict, blank=True, help_text="Name → value, shown as a table")
    image = models.ImageField(upload_to="products/", blank=True)
    is_featured = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Kept by catalog.services from the variants, so listings sort and filter without joins.
    price_from = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    # Words the search matches: name, brand, category, description (kept in save()).
    search_text = models.TextField(blank=True, editable=False)
    # On PostgreSQL a trigger keeps this parsed form of search_text (migration 0004), so ranking
    # does not re-parse every match; elsewhere it stays empty.
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [
            models.Index(fields=["category", "is_active", "price_from"]),
            models.Index(fields=["category", "is_active", "brand"]),
            models.Index(fields=["is_active", "-created_at"]),
            models.Index(fields=["is_featured", "is_active", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # A derived column of this row, not a workflow: recomputed whenever the row is written.
        self.search_text = " ".join(
            [self.name, self.brand.name, self.category.name, self.description]
        )
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("catalog:product", args=[self.slug])


class Variant(models.Model):
    """What is actually sold and stocked: one storage/colour combination with its own SKU."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField("SKU", max_length=64, unique=True)
    storage = models.CharField(max_length=40, blank=True, help_text="e.g. 128 GB")
    colour = models.CharField(max_length=40, blank=True)
    price = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    stock = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["price", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gt=0), name="variant_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} {self.label}".strip()

    @property
    def label(self) -> str:
        return " · ".join(part for part in (self.storage, self.colour) if part)

    @property
    def in_stock(self) -> bool:
        return self.stock > 0


class VariantChange(models.Model):
    """Audit of price and stock changes made by staff (orders keep their own history)."""

    class Field(models.TextChoices):
        PRICE = "price", "Price"
        STOCK = "stock", "Stock"

    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="changes")
    field = models.CharField(max_length=10, choices=Field.choices)
    old_value = models.CharField(max_length=30)
    new_value = models.CharField(max_length=30)
    changed_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.variant_id} {self.field}: {self.old_value} → {self.new_value}"


class Suggestion(models.Model):
    """Another product shown on a product's page: often bought with it, or popular in its
    category. Worked out from orders and page views counted in aggregate (see
    insights.rankings), so it says what shoppers as a whole did, never what one visitor did
    (P18). Replaced as a whole by services.replace_suggestions."""

    class Kind(models.TextChoices):
        BOUGHT_TOGETHER = "together", "Often bought together"
        POPULAR = "popular", "Popular in this category"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="suggestions")
    suggested = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["product", "kind", "position"]
        constraints = [
            # Also the index the product page reads its suggestions through.
            models.UniqueConstraint(
                fields=["product", "kind", "position"], name="catalog_suggestion_one_per_place"
            ),
            models.UniqueConstraint(
                fields=["product", "kind", "suggested"], name="catalog_suggestion_once"
            ),
            models.CheckConstraint(
                condition=~models.Q(suggested=models.F("product")),
                name="catalog_suggestion_not_itself",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} → {self.suggested_id} ({self.kind} #{self.position})"
