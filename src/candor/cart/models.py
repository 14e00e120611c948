from django.conf import settings
from django.db import models


class Cart(models.Model):
    """A basket: an anonymous one is found through the session, a customer's through the user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="cart",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    def __str__(self) -> str:
        return f"Cart {self.pk}"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="one_line_per_variant"),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="line_quantity_min"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × variant {self.variant_id}"
