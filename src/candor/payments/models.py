from django.db import models


class PaymentSettings(models.Model):
    """Which payment methods the shop offers. Gateway secrets come from the environment."""

    cod_enabled = models.BooleanField("cash on delivery", default=True)
    bank_transfer_enabled = models.BooleanField("bank transfer", default=True)
    bank_transfer_instructions = models.TextField(
        blank=True,
        default="Transfer the total to our bank account and quote your order number as the "
        "reference. We ship as soon as the money arrives.",
        help_text="Shown after checkout and in the order mail.",
    )
    card_enabled = models.BooleanField(
        "card (hosted payment page)",
        default=False,
        help_text="Needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET in the environment.",
    )

    class Meta:
        verbose_name = verbose_name_plural = "payment settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="payment_settings_singleton")
        ]

    def __str__(self) -> str:
        return "Payment settings"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> "PaymentSettings":
        return cls.objects.get_or_create(pk=1)[0]


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed or expired"


class Payment(models.Model):
    """One attempt to collect an order's money through a gateway. No card data, ever."""

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(max_length=20)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    # The gateway's id for this attempt (a Stripe Checkout Session id).
    provider_reference = models.CharField(max_length=255, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.method} {self.amount} {self.currency} for {self.order}"


class WebhookEvent(models.Model):
    """Every gateway event we accepted, once: a replayed event finds its id taken."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=100)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_type} {self.event_id}"
