"""Back-in-stock and new-product notices (P7): opt-in, confirmed, and sent once."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from candor.catalog import notices, services
from candor.messaging.models import MailClass, OutboxMessage, Subscription, SubscriptionStatus

from ..factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sold_out():
    return VariantFactory(stock=0)


def _confirmed(email, topic):
    return Subscription.objects.create(
        email=email,
        topic=topic,
        status=SubscriptionStatus.CONFIRMED,
        source="test",
        requested_at=timezone.now(),
        confirmed_at=timezone.now(),
    )


def test_p7_asking_for_a_back_in_stock_notice_needs_confirmation(client, sold_out, committed):
    url = reverse("catalog:notify_when_back", args=[sold_out.product.slug])
    response = committed(client.post, url, {"email": "zara@example.com", "variant": sold_out.pk})
    assert response.status_code == 200
    subscription = Subscription.objects.get()
    assert subscription.status == SubscriptionStatus.PENDING
    assert subscription.topic.key == f"back-in-stock:{sold_out.pk}"
    assert subscription.topic.one_shot
    assert [m.to for m in mail.outbox] == [["zara@example.com"]]
    assert "/mail/confirm/" in mail.outbox[0].body


def test_p7_the_product_page_offers_the_notice_only_for_sold_out_options(client, sold_out):
    in_stock = VariantFactory(product=sold_out.product, stock=4)
    page = client.get(sold_out.product.get_absolute_url()).content.decode()
    assert f'<option value="{sold_out.pk}">' in page
    assert f'<option value="{in_stock.pk}">' not in page


@pytest.mark.parametrize(
    "data, message",
    [
        ({"email": "zara@example.com", "variant": 999999}, "Choose one of this product"),
        ({"email": "not-an-email", "variant": 0}, "Enter a valid email address"),
    ],
)
def test_p7_bad_notice_requests_are_refused(client, sold_out, data, message):
    url = reverse("catalog:notify_when_back", args=[sold_out.product.slug])
    response = client.post(url, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Subscription.objects.exists()


def test_p7_an_in_stock_option_needs_no_notice(client):
    variant = VariantFactory(stock=3)
    url = reverse("catalog:notify_when_back", args=[variant.product.slug])
    response = client.post(url, {"email": "zara@example.com", "variant": variant.pk})
    assert response.status_code == 400
    assert b"in stock now" in response.content


def test_p7_back_in_stock_mails_confirmed_subscribers_once(sold_out, committed):
    topic = notices.back_in_stock_topic(sold_out)
    waiting = _confirmed("zara@example.com", topic)
    Subscription.objects.create(
        email="maybe@example.com", topic=topic, source="t", requested_at=timezone.now()
    )
    committed(services.add_stock, variant_ids=[sold_out.pk], quantity=5, acting_user=None)
    assert [m.to for m in mail.outbox] == [["zara@example.com"]]
    assert mail.outbox[0].subject == f"Back in stock: {sold_out.product.name}"
    assert mail.outbox[0].extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert OutboxMessage.objects.get().mail_class == MailClass.MARKETING
    waiting.refresh_from_db()
    assert waiting.status == SubscriptionStatus.FULFILLED

    # sells out and returns again: nobody is mailed twice
    committed(services.set_stock, variant_ids=[sold_out.pk], quantity=0, acting_user=None)
    committed(services.set_stock, variant_ids=[sold_out.pk], quantity=2, acting_user=None)
    assert len(mail.outbox) == 1


def test_p7_stock_coming_back_from_a_cancelled_order_also_notifies(sold_out, committed):
    _confirmed("zara@example.com", notices.back_in_stock_topic(sold_out))

    def give_back():
        from django.db import transaction

        with transaction.atomic():
            services.release_stock({sold_out.pk: 1})

    committed(give_back)
    assert [m.to for m in mail.outbox] == [["zara@example.com"]]


def test_p7_a_topping_up_of_stock_that_was_never_out_mails_nobody(committed):
    variant = VariantFactory(stock=3)
    _confirmed("zara@example.com", notices.back_in_stock_topic(variant))
    committed(services.add_stock, variant_ids=[variant.pk], quantity=5, acting_user=None)
    assert mail.outbox == []


def test_p7_following_a_category_and_a_new_product_announcement(client, committed):
    product = ProductFactory()
    url = reverse("catalog:follow_category", args=[product.category.slug])
    form = client.get(url)
    assert b'name="email"' in form.content
    committed(client.post, url, {"email": "faisal@example.com"})
    assert Subscription.objects.get().topic.label == f"New products in {product.category.name}"
    mail.outbox.clear()
    _confirmed("sobia@example.com", notices.category_topic(product.category))
    assert committed(notices.announce_new_product, product.pk) == 1  # the pending one waits
    assert committed(notices.announce_new_product, product.pk) == 1  # a re-run writes nothing new
    assert [m.to for m in mail.outbox] == [["sobia@example.com"]]
    assert product.name in mail.outbox[0].subject


def test_p7_staff_announce_active_products_only_to_their_category_followers(
    admin_client, committed
):
    shown, hidden = ProductFactory(), ProductFactory(is_active=False)
    _confirmed("sobia@example.com", notices.category_topic(shown.category))
    _confirmed("other@example.com", notices.category_topic(hidden.category))
    response = committed(
        admin_client.post,
        reverse("admin:catalog_product_changelist"),
        {"action": "announce_to_category_followers", "_selected_action": [shown.pk, hidden.pk]},
        follow=True,
    )
    assert b"1 product(s) will be announced" in response.content
    assert [m.to for m in mail.outbox] == [["sobia@example.com"]]
