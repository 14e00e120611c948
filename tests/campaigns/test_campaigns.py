"""Campaigns (P7) and service announcements (P9)."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from candor.campaigns import services
from candor.campaigns.models import Announcement, Campaign
from candor.messaging import links, subscriptions
from candor.messaging.models import MailClass, OutboxMessage, Subscription, SubscriptionStatus

from ..factories import ProductFactory

pytestmark = pytest.mark.django_db


def _subscriber(email, topic, status=SubscriptionStatus.CONFIRMED):
    return Subscription.objects.create(
        email=email, topic=topic, status=status, source="test", requested_at=timezone.now()
    )


@pytest.fixture
def campaign(admin_user):
    topic = subscriptions.newsletter_topic()
    for name in ("amna", "bilal", "chen"):
        _subscriber(f"{name}@example.com", topic)
    _subscriber("pending@example.com", topic, SubscriptionStatus.PENDING)
    _subscriber("gone@example.com", topic, SubscriptionStatus.UNSUBSCRIBED)
    campaign = Campaign.objects.create(
        subject="Winter offers",
        intro="Warm phones for cold days.\n\nOnly this week.",
        topic=topic,
        created_by=admin_user,
    )
    campaign.products.add(ProductFactory(name="Pixel Nine"))
    return campaign


def test_p7_the_preview_shows_the_mail_with_its_products_and_unsubscribe_foot(campaign):
    rendered = services.render_campaign(campaign)
    assert rendered.subject == "Winter offers"
    assert "Warm phones for cold days." in rendered.text
    assert "Pixel Nine" in rendered.text and "http://testserver/p/" in rendered.text
    assert "To stop it, unsubscribe here" in rendered.text


def test_p7_the_admin_page_shows_the_audience_and_a_preview(admin_client, campaign):
    page = admin_client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk]))
    assert page.status_code == 200
    assert b"Not sent. 3 confirmed subscribers would get it." in page.content
    assert b"srcdoc=" in page.content and b"Winter offers" in page.content


def test_p7_a_test_copy_goes_only_to_the_staff_address(admin_client, campaign, committed):
    refused = committed(
        admin_client.post,
        reverse("admin:campaign_test", args=[campaign.pk]),
        {"to_email": "amna@example.com"},
        follow=True,
    )
    assert b"Test copies go only to the address of a staff account." in refused.content
    assert mail.outbox == []
    get_user_model().objects.create_user(
        email="staff@candor.example", password="x" * 12, is_staff=True
    )
    committed(
        admin_client.post,
        reverse("admin:campaign_test", args=[campaign.pk]),
        {"to_email": "staff@candor.example"},
    )
    assert [m.to for m in mail.outbox] == [["staff@candor.example"]]
    assert mail.outbox[0].subject == "[Test] Winter offers"
    assert "List-Unsubscribe" in mail.outbox[0].extra_headers
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT


def test_p7_sending_goes_to_confirmed_subscribers_once(admin_client, campaign, committed):
    confirm = admin_client.get(reverse("admin:campaign_send", args=[campaign.pk]))
    assert b"<strong>3</strong> confirmed subscribers" in confirm.content
    committed(admin_client.post, reverse("admin:campaign_send", args=[campaign.pk]))
    assert sorted(m.to[0] for m in mail.outbox) == [
        "amna@example.com",
        "bilal@example.com",
        "chen@example.com",
    ]
    assert all(m.extra_headers["List-Unsubscribe-Post"] for m in mail.outbox)
    # each person's own link, never someone else's
    for message in mail.outbox:
        token = message.extra_headers["List-Unsubscribe"].split("/mail/unsubscribe/")[1]
        assert links.read_unsubscribe_token(token.split("/")[0]).email == message.to[0]
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENDING
    assert campaign.recipients == 3
    figures = services.results(services.finish_if_done(campaign))
    assert (figures.recipients, figures.sent, figures.failed, figures.waiting) == (3, 3, 0, 0)
    assert campaign.status == Campaign.Status.SENT

    # a second click, or a second member of staff, sends nothing more
    response = committed(admin_client.post, reverse("admin:campaign_send", args=[campaign.pk]))
    assert response.status_code == 302
    assert len(mail.outbox) == 3
    assert OutboxMessage.objects.filter(mailing=campaign.mailing).count() == 3


def test_p7_a_fan_out_run_again_writes_and_sends_nothing_twice(campaign, committed):
    committed(services.start_sending, campaign_id=campaign.pk, acting_user=None)
    assert committed(services.fan_out, campaign.pk) == 3  # a redelivered task
    assert OutboxMessage.objects.filter(mailing=campaign.mailing).count() == 3
    assert len(mail.outbox) == 3


def test_p7_people_excluded_from_marketing_are_skipped(campaign, committed):
    from candor.messaging import audience

    def disabled():
        return (
            get_user_model()
            .objects.filter(email="bilal@example.com")
            .values(address=Lower("email"))
        )

    get_user_model().objects.create_user(email="bilal@example.com", password="x" * 12)
    audience.register_marketing_exclusion(disabled)
    try:
        committed(services.start_sending, campaign_id=campaign.pk, acting_user=None)
    finally:
        audience._providers.remove(disabled)
    assert sorted(m.to[0] for m in mail.outbox) == ["amna@example.com", "chen@example.com"]


def test_p7_results_count_unsubscribes_from_the_campaign(client, campaign, committed):
    committed(services.start_sending, campaign_id=campaign.pk, acting_user=None)
    header = mail.outbox[0].extra_headers["List-Unsubscribe"]
    url = header.split("<")[1].split(">")[0].removeprefix("http://testserver")
    client.post(url, data="List-Unsubscribe=One-Click", content_type="text/plain")
    assert services.results(campaign).unsubscribed == 1


def test_p7_a_campaign_can_only_go_to_an_opt_in_topic(campaign):
    from django.core.exceptions import ValidationError

    topic = subscriptions.ensure_topic(
        key="back-in-stock:9", kind="back_in_stock", label="Back: x", one_shot=True
    )
    campaign.topic = topic
    with pytest.raises(ValidationError):
        campaign.full_clean()


# Service announcements (P9)


def _announcement(**overrides):
    now = timezone.now()
    values = {
        "message": "The shop is down for maintenance on Sunday 02:00–03:00.",
        "level": "warning",
        "starts_at": now - timedelta(hours=1),
        "ends_at": now + timedelta(hours=1),
        "mail_subject": "Maintenance on Sunday",
        "mail_body": "We will be down for an hour.\n\nOrders are safe.",
    }
    return Announcement.objects.create(**{**values, **overrides})


def test_p9_the_banner_shows_on_every_page_only_while_it_runs(client):
    now = timezone.now()
    _announcement(message="Now on", starts_at=now - timedelta(hours=1))
    _announcement(
        message="Later on", starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=2)
    )
    services.announcements_changed()
    for url in (reverse("catalog:home"), reverse("cart:view"), reverse("messaging:subscribe")):
        page = client.get(url)
        assert b'role="alert"><div class="wrap">Now on</div>' in page.content
        assert b"Later on" not in page.content


def test_p9_the_service_mail_goes_to_active_customers_once(admin_client, committed):
    from allauth.account.models import EmailAddress

    users = get_user_model().objects
    for email, active in [("active@example.com", True), ("disabled@example.com", False)]:
        user = users.create_user(email=email, password="x" * 12, is_active=active)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    users.create_user(email="never-verified@example.com", password="x" * 12)
    announcement = _announcement()
    changelist = reverse("admin:campaigns_announcement_changelist")
    committed(
        admin_client.post,
        changelist,
        {"action": "mail_to_customers", "_selected_action": [announcement.pk]},
    )
    assert [m.to for m in mail.outbox] == [["active@example.com"]]
    sent = mail.outbox[0]
    assert sent.subject == "Maintenance on Sunday"
    assert "List-Unsubscribe" not in sent.extra_headers
    assert "It contains no advertising." in sent.body
    assert OutboxMessage.objects.get().mail_class == MailClass.SERVICE
    committed(
        admin_client.post,
        changelist,
        {"action": "mail_to_customers", "_selected_action": [announcement.pk]},
    )
    assert len(mail.outbox) == 1
    announcement.refresh_from_db()
    assert announcement.recipients == 1


def test_p9_an_announcement_without_mail_text_is_not_mailed(committed):
    announcement = _announcement(mail_subject="", mail_body="")
    with pytest.raises(services.CampaignError, match="Write a mail subject and text"):
        committed(services.mail_announcement, announcement_id=announcement.pk, acting_user=None)
    announcement.refresh_from_db()
    assert announcement.mailed_at is None
    assert not OutboxMessage.objects.exists()


def test_p7_p20_disabled_and_restricted_customers_get_no_campaign(campaign, committed):
    from allauth.account.models import EmailAddress

    from candor.accounts.services import disable_account

    users = get_user_model().objects
    disabled = users.create_user(email="amna@example.com", password="x" * 12)
    disable_account(user=disabled, acting_user=None)
    restricted = users.create_user(email="someone@example.com", password="x" * 12)
    restricted.processing_restricted = True
    restricted.save()
    # the restricted customer subscribed with a second address of theirs
    EmailAddress.objects.create(user=restricted, email="bilal@example.com", verified=True)
    assert services.audience(campaign).count() == 1
    mail.outbox.clear()
    committed(services.start_sending, campaign_id=campaign.pk, acting_user=None)
    assert [m.to for m in mail.outbox] == [["chen@example.com"]]


def test_p9_saving_an_announcement_refreshes_cached_pages(admin_client, settings):
    """P9: with the first-visit page cache on, a new banner shows on the next first visit."""
    from django.test import Client

    from candor.core.models import ShopSettings

    settings.PAGE_CACHE_SECONDS = 600
    ShopSettings.load()  # a running shop: creating the settings row would clear the cache
    before = Client().get(reverse("catalog:home"))
    assert b"Closed on Friday" not in before.content
    now = timezone.now()
    admin_client.post(
        reverse("admin:campaigns_announcement_add"),
        {
            "message": "Closed on Friday",
            "level": "info",
            "starts_at_0": (now - timedelta(minutes=1)).strftime("%Y-%m-%d"),
            "starts_at_1": (now - timedelta(minutes=1)).strftime("%H:%M:%S"),
            "ends_at_0": (now + timedelta(days=1)).strftime("%Y-%m-%d"),
            "ends_at_1": (now + timedelta(days=1)).strftime("%H:%M:%S"),
        },
    )
    assert Announcement.objects.count() == 1
    after = Client().get(reverse("catalog:home"))
    assert b"Closed on Friday" in after.content
