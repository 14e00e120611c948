from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django_countries.fields import CountryField
from phonenumber_field.modelfields import PhoneNumberField


class ShippingZone(models.Model):
    """Countries that share shipping rates. One zone may cover every other country."""

    name = models.CharField(max_length=100)
    countries = CountryField(multiple=True, blank=True)
    rest_of_world = models.BooleanField(
        default=False, help_text="Use this zone for countries no other zone lists."
    )

    class Meta:
        ordering = ["rest_of_world", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        """Each country belongs to one zone, and one zone at most covers the rest."""
        from django.core.exceptions import ValidationError

        others = ShippingZone.objects.exclude(pk=self.pk)
        if self.rest_of_world and others.filter(rest_of_world=True).exists():
            raise ValidationError({"rest_of_world": "Another zone already covers the rest."})
        mine = {country.code for country in self.countries}
        taken = sorted(
            f"{country.name} ({zone.name})"
            for zone in others
            for country in zone.countries
            if country.code in mine
        )
        if taken:
            raise ValidationError({"countries": f"Already in another zone: {', '.join(taken)}."})


class ShippingMethod(models.Model):
    zone = models.ForeignKey(ShippingZone, on_delete=models.CASCADE, related_name="methods")
    name = models.CharField(max_length=100)
    price = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    free_over = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Orders whose subtotal reaches this ship free. Empty: never free.",
    )
    delivery_days = models.CharField(max_length=40, blank=True, help_text="e.g. 2–4 days")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["zone", "price", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="shipping_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.zone})"

    def cost_for(self, subtotal: Decimal) -> Decimal:
        if self.free_over is not None and subtotal >= self.free_over:
            return Decimal("0.00")
        return self.price


class OrderStatus(models.TextChoices):
    # P25: order screening asked for a person to look first; nothing moves until staff decide.
    HELD = "held", "Received, being checked"
    PENDING_PAYMENT = "pending_payment", "Awaiting payment"
    CONFIRMED = "confirmed", "Confirmed"
    PAID = "paid", "Paid"
    PACKED = "packed", "Packed"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"
    REFUNDED = "refunded", "Refunded"


class PaymentMethod(models.TextChoices):
    CASH_ON_DELIVERY = "cod", "Cash on delivery"
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    CARD = "card", "Card (secure payment page)"


class OrderSource(models.TextChoices):
    WEB = "web", "Web shop"
    PHONE = "phone", "Phone order (taken by staff)"


class Order(models.Model):
    number = models.CharField(max_length=20, unique=True)
    # One checkout attempt makes at most one order: a double submit finds this token taken.
    checkout_token = models.UUIDField(unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    source = models.CharField(max_length=10, choices=OrderSource.choices, default=OrderSource.WEB)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Staff member who recorded a phone order.",
    )
    status = models.CharField(max_length=20, choices=OrderStatus.choices)
    payment_method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    paid_at = models.DateTimeField(null=True, blank=True)
    payment_instructions = models.TextField(
        blank=True, help_text="What the customer was told about paying (bank details, cash)."
    )

    email = models.EmailField(blank=True, help_text="Empty only for phone orders without email.")
    phone = PhoneNumberField()
    shipping_name = models.CharField(max_length=150)
    shipping_line1 = models.CharField(max_length=200)
    shipping_line2 = models.CharField(max_length=200, blank=True)
    shipping_city = models.CharField(max_length=100)
    shipping_postcode = models.CharField(max_length=20, blank=True)
    shipping_country = CountryField()
    billing_same_as_shipping = models.BooleanField(default=True)
    billing_name = models.CharField(max_length=150, blank=True)
    billing_line1 = models.CharField(max_length=200, blank=True)
    billing_line2 = models.CharField(max_length=200, blank=True)
    billing_city = models.CharField(max_length=100, blank=True)
    billing_postcode = models.CharField(max_length=20, blank=True)
    billing_country = CountryField(blank=True)
    note = models.TextField(blank=True, max_length=1000)

    shipping_method_name = models.CharField(max_length=100)
    currency = models.CharField(max_length=3)
    subtotal = models.DecimalField(max_digits=12, decimal_places=2)
    shipping_cost = models.DecimalField(max_digits=12, decimal_places=2)
    total = models.DecimalField(max_digits=12, decimal_places=2)

    carrier = models.CharField(max_length=100, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at"]),
            # Order screening counts recent orders per email address and per phone (P25);
            # Upper() is what an `email__iexact` lookup compares on PostgreSQL.
            models.Index(Upper("email"), "created_at", name="order_email_recent"),
            models.Index(fields=["phone", "created_at"], name="order_phone_recent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total__gte=0), name="order_total_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_paid(self) -> bool:
        return self.paid_at is not None

    @property
    def shipping_address_lines(self) -> list[str]:
        return _address_lines(
            self.shipping_name,
            self.shipping_line1,
            self.shipping_line2,
            self.shipping_city,
            self.shipping_postcode,
            self.shipping_country,
        )

    @property
    def billing_address_lines(self) -> list[str]:
        if self.billing_same_as_shipping:
            return self.shipping_address_lines
        return _address_lines(
            self.billing_name,
            self.billing_line1,
            self.billing_line2,
            self.billing_city,
            self.billing_postcode,
            self.billing_country,
        )


def _address_lines(name, line1, line2, city, postcode, country) -> list[str]:
    city_line = " ".join(part for part in (city, postcode) if part)
    return [p for p in (name, line1, line2, city_line, country.name if country else "") if p]


class OrderLine(models.Model):
    """What was bought, copied from the catalogue so later price or name edits don't rewrite it."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        "catalog.Variant", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    sku = models.CharField(max_length=64)
    product_name = models.CharField(max_length=200)
    variant_label = models.CharField(max_length=100, blank=True)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    quantity = models.PositiveIntegerField()
    line_total = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_name}"


class OrderStatusChange(models.Model):
    """The order's history: who moved it from what to what, and when."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=20, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=OrderStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.order}: {self.from_status or '—'} → {self.to_status}"


class ScreeningOutcome(models.TextChoices):
    ACCEPT = "accept", "Accepted"
    REVIEW = "review", "Held for review"
    REJECT = "reject", "Declined"


class ScreeningDecision(models.TextChoices):
    RELEASED = "released", "Released"
    CANCELLED = "cancelled", "Cancelled"


class ScreeningResult(models.Model):
    """The verdict order screening gave an order (P25), and the staff decision on a held one."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="screening")
    screener = models.CharField(max_length=50, help_text="The ORDER_SCREENER that judged it.")
    outcome = models.CharField(max_length=10, choices=ScreeningOutcome.choices)
    reasons = models.JSONField(default=list, blank=True)
    score = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="0 to 100, from screeners that give a score."
    )
    # Only when the screener reads it (the per-address velocity rule); shortened after 30 days.
    ip = models.GenericIPAddressField(null=True, blank=True)
    ip_truncated = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    decision = models.CharField(max_length=10, choices=ScreeningDecision.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["ip", "created_at"], name="screening_ip_recent")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__lte=100),
                name="screening_score_at_most_100",
            ),
            # Only a held order waits for a decision, and a decision has a time.
            models.CheckConstraint(
                condition=models.Q(decision="", decided_at__isnull=True)
                | models.Q(outcome="review", decided_at__isnull=False),
                name="screening_decision_only_for_review",
            ),
        ]
        permissions = [
            ("decide_held_orders", "Can release or cancel orders held by screening"),
        ]

    def __str__(self) -> str:
        return f"{self.order}: {self.get_outcome_display()}"
