"""P7, P14: the public forms that mail a typed-in address cannot be used to mail strangers in
bulk: a per-client cap over all of them, a per-recipient cap over all clients, and a ceiling
for the shop; a refusal is a 429 page with the reason, and nothing is sent or recorded."""

import pytest
from django.test import Client

from candor.messaging import mail_limits
from candor.messaging.models import OutboxMessage, Subscription
from tests.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(db):
    category = CategoryFactory(slug="phones")
    product = ProductFactory(category=category, slug="galaxy")
    sold_out = VariantFactory(product=product, stock=0)
    return category, product, sold_out


def forms(shop):
    """Each form that mails a typed-in address, as a function (client, email) -> response."""
    category, product, sold_out = shop
    return {
        "newsletter": lambda c, e: c.post("/mail/subscribe/", {"email": e}),
        "preferences link": lambda c, e: c.post("/mail/preferences/", {"email": e}),
        "follow a category": lambda c, e: c.post(f"/c/{category.slug}/follow/", {"email": e}),
        "notify when back": lambda c, e: c.post(
            f"/p/{product.slug}/notify/", {"email": e, "variant": sold_out.pk}
        ),
        "password reset": lambda c, e: c.post("/accounts/password/reset/", {"email": e}),
    }


def accepted(response) -> bool:
    return response.status_code in (200, 302)


def test_p7_p14_one_client_cannot_mail_more_than_its_cap_whatever_the_recipients(shop, committed):
    """Ten strangers from one client across every form, then the eleventh is refused."""
    client = Client(REMOTE_ADDR="198.51.100.1")
    post = list(forms(shop).values())
    for n in range(mail_limits.PER_CLIENT_PER_HOUR):
        response = committed(post[n % len(post)], client, f"stranger{n}@example.com")
        assert accepted(response), (n, response.status_code)
    mails = OutboxMessage.objects.count()
    for name, form in forms(shop).items():
        refused = committed(form, client, "one-more@example.com")
        assert refused.status_code == 429, name
        assert "You have asked us to send a lot of mail" in refused.content.decode()
    assert OutboxMessage.objects.count() == mails
    assert not Subscription.objects.filter(email="one-more@example.com").exists()
    # Another visitor is not affected.
    other = committed(post[0], Client(REMOTE_ADDR="203.0.113.5"), "someone@example.com")
    assert accepted(other)


def test_p7_p14_rotating_client_addresses_cannot_flood_one_inbox(shop, committed):
    """Five requests for one address from five clients, one through each form; a sixth from a
    sixth client is refused, and the victim gets no more mail."""
    for n, form in enumerate(forms(shop).values()):
        assert accepted(
            committed(form, Client(REMOTE_ADDR=f"198.51.100.{n + 1}"), "victim@example.com")
        )
    mails = OutboxMessage.objects.filter(to_email="victim@example.com").count()
    refused = committed(
        forms(shop)["newsletter"], Client(REMOTE_ADDR="192.0.2.200"), "Victim@Example.com"
    )
    assert refused.status_code == 429
    assert "already sent several messages to this address" in refused.content.decode()
    assert OutboxMessage.objects.filter(to_email="victim@example.com").count() == mails


def test_p7_p14_the_shop_wide_ceiling_holds_against_many_clients(shop, committed, monkeypatch):
    monkeypatch.setattr(mail_limits, "GLOBAL_PER_HOUR", 3)
    newsletter = forms(shop)["newsletter"]
    for n in range(3):
        client = Client(REMOTE_ADDR=f"198.51.100.{n + 1}")
        assert accepted(committed(newsletter, client, f"p{n}@example.com"))
    refused = committed(newsletter, Client(REMOTE_ADDR="192.0.2.9"), "last@example.com")
    assert refused.status_code == 429
    assert "sending a lot of mail just now" in refused.content.decode()
    assert not Subscription.objects.filter(email="last@example.com").exists()


def test_p14_behind_the_proxy_the_cap_counts_each_visitor(shop, committed, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    for n in range(mail_limits.PER_CLIENT_PER_HOUR + 2):
        response = committed(
            proxy.post,
            "/mail/subscribe/",
            {"email": f"v{n}@example.com"},
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}",
        )
        assert response.status_code == 200, n


def test_p14_an_ipv6_client_is_counted_by_its_network(shop, committed):
    """One host can use any address of its /64: those count as one client."""
    newsletter = forms(shop)["newsletter"]
    for n in range(mail_limits.PER_CLIENT_PER_HOUR):
        client = Client(REMOTE_ADDR=f"2001:db8:1:2::{n + 1:x}")
        assert accepted(committed(newsletter, client, f"s{n}@example.com"))
    refused = committed(newsletter, Client(REMOTE_ADDR="2001:db8:1:2::ffff"), "x@example.com")
    assert refused.status_code == 429
    elsewhere = committed(newsletter, Client(REMOTE_ADDR="2001:db8:1:3::1"), "y@example.com")
    assert accepted(elsewhere)


def test_p7_the_refusal_page_works_without_javascript_and_says_nothing_was_sent(
    shop, committed, monkeypatch
):
    monkeypatch.setattr(mail_limits, "PER_RECIPIENT_PER_DAY", 0)
    response = committed(forms(shop)["follow a category"], Client(), "a@example.com")
    assert response.status_code == 429
    html = response.content.decode()
    assert "Nothing was sent and nothing was changed." in html
    assert '<a href="/c/phones/follow/">Back</a>' in html
    assert "<script" not in html
