"""Reads shared by the testimonial pages, the product page's tag and the services."""

from django.db.models import QuerySet

from candor.catalog.models import Product
from candor.orders.models import OrderLine, OrderStatus

from .models import Testimonial, TestimonialConsent, TestimonialStatus


def _bought_product_ids(user):
    """The products in the customer's own orders, cancelled orders left out (a subquery)."""
    return (
        OrderLine.objects.filter(order__user=user, variant__isnull=False)
        .exclude(order__status=OrderStatus.CANCELLED)
        .values("variant__product_id")
    )


def has_bought(user, product_id: int) -> bool:
    return Product.objects.filter(
        pk=product_id, is_active=True, pk__in=_bought_product_ids(user)
    ).exists()


def products_bought_by(user) -> list[Product]:
    """Active products the customer bought with their account, by name."""
    return list(
        Product.objects.filter(is_active=True, pk__in=_bought_product_ids(user))
        .order_by("name", "id")
        .only("id", "name", "slug")
    )


def published() -> QuerySet[Testimonial]:
    """What the public may see (P19): approved, with consent in force, from an account that is
    open and has not restricted processing, about a product still sold. Newest first."""
    return (
        Testimonial.objects.filter(
            status=TestimonialStatus.APPROVED,
            consent__withdrawn_at__isnull=True,
            consent__ended_at__isnull=True,
            consent__product__is_active=True,
            consent__user__is_active=True,
            consent__user__processing_restricted=False,
        )
        .select_related("consent__product")
        .only(
            "text",
            "rating",
            "display_name",
            "affiliation",
            "reviewed_at",
            "consent__id",
            "consent__product__name",
            "consent__product__slug",
        )
        .order_by("-reviewed_at", "-id")
    )


def consents_of(user) -> list[TestimonialConsent]:
    """The customer's consents with their testimonials (if still kept), newest first."""
    return list(
        TestimonialConsent.objects.filter(user=user).select_related("product", "testimonial")
    )
