"""Opt-in notices about the catalogue (P7): back in stock, and new products in a category.

Both are marketing: they go only to confirmed subscribers, through messaging, with the
unsubscribe foot and headers. A back-in-stock subscription is one-shot: it ends when its
notice is written, so a variant that sells out and returns again mails nobody twice.
"""

from django.db import transaction
from django.utils import timezone

from candor.messaging import marketing, subscriptions
from candor.messaging.models import Topic, TopicKind

from .models import Category, Product, Variant


def back_in_stock_topic(variant: Variant) -> Topic:
    label = f"Back in stock: {variant.product.name}"
    if variant.label:
        label += f" ({variant.label})"
    return subscriptions.ensure_topic(
        key=f"back-in-stock:{variant.pk}", kind=TopicKind.BACK_IN_STOCK, label=label, one_shot=True
    )


def category_topic(category: Category) -> Topic:
    return subscriptions.ensure_topic(
        key=f"category:{category.pk}",
        kind=TopicKind.CATEGORY,
        label=f"New products in {category.name}",
    )


def restocked(variant_ids: list[int]) -> None:
    """Call inside the transaction that put stock back: notices go out after it commits."""
    from .tasks import notify_back_in_stock

    for variant_id in variant_ids:
        transaction.on_commit(lambda v=variant_id: notify_back_in_stock.delay(v), robust=True)


def notify_back_in_stock(variant_id: int) -> int:
    variant = Variant.objects.select_related("product").filter(pk=variant_id).first()
    if variant is None or variant.stock <= 0 or not variant.is_active:
        return 0
    if not variant.product.is_active:
        return 0
    topic = Topic.objects.filter(key=f"back-in-stock:{variant.pk}").first()
    if topic is None:
        return 0
    rendered = marketing.render_marketing(
        "catalog/email/back_in_stock",
        {"variant": variant, "product": variant.product, "topic": topic},
    )
    return marketing.send_mailing(
        subscriptions=subscriptions.confirmed_audience(topic),
        rendered=rendered,
        mailing=f"back-in-stock:{variant.pk}:{int(timezone.now().timestamp())}",
        one_shot=True,
    )


def schedule_announcements(product_ids: list[int]) -> int:
    """Queue new-product notices for these products once the caller's transaction commits;
    inactive products are skipped. Returns how many were queued."""
    from .tasks import announce_new_product

    active = list(
        Product.objects.filter(pk__in=product_ids, is_active=True).values_list("pk", flat=True)
    )
    for product_id in active:
        transaction.on_commit(lambda p=product_id: announce_new_product.delay(p), robust=True)
    return len(active)


def announce_new_product(product_id: int) -> int:
    """Mail a new product to its category's subscribers; once per person per product."""
    product = Product.objects.select_related("category", "brand").get(pk=product_id)
    if not product.is_active:
        return 0
    topic = category_topic(product.category)
    rendered = marketing.render_marketing(
        "catalog/email/new_product", {"product": product, "topic": topic}
    )
    return marketing.send_mailing(
        subscriptions=subscriptions.confirmed_audience(topic),
        rendered=rendered,
        mailing=f"new-product:{product.pk}",
    )
