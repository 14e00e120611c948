"""Campaigns (P7) and service announcements (P9): compose, preview, test, send in batches."""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone

from candor.core.pagecache import invalidate as invalidate_cached_pages
from candor.messaging import mailings, marketing, subscriptions
from candor.messaging.models import MailClass, OutboxMessage

from .models import Announcement, Campaign

CAMPAIGN_TEMPLATE = "campaigns/email/campaign"
ANNOUNCEMENT_TEMPLATE = "campaigns/email/announcement"
BANNER_CACHE_KEY = "campaigns:banner"


class CampaignError(Exception):
    """A request that cannot be carried out; the message says why, for staff."""


def _campaign_context(campaign: Campaign) -> dict:
    products = list(campaign.products.filter(is_active=True).select_related("brand"))
    return {
        "campaign": campaign,
        "paragraphs": [p.strip() for p in campaign.intro.split("\n\n") if p.strip()],
        "products": products,
        "topic": campaign.topic,
    }


def render_campaign(campaign: Campaign) -> mailings.RenderedMailing:
    return marketing.render_marketing(CAMPAIGN_TEMPLATE, _campaign_context(campaign))


def audience(campaign: Campaign) -> QuerySet:
    """Confirmed subscribers of the topic; disabled and restricted people are left out."""
    return subscriptions.confirmed_audience(campaign.topic)


def send_test(*, campaign: Campaign, to_email: str, acting_user) -> OutboxMessage:
    """Mail the campaign, exactly as subscribers will get it, to one staff address."""
    rendered = render_campaign(campaign)
    email = subscriptions.normalize_email(to_email)
    if not get_user_model().objects.filter(email__iexact=email, is_staff=True).exists():
        raise ValidationError("Test copies go only to the address of a staff account.")
    unsubscribe_url, headers, preferences_url = marketing.personal_links(
        email, campaign.topic.key, f"{campaign.mailing}:test"
    )
    holes = {
        marketing.UNSUBSCRIBE_HOLE: unsubscribe_url,
        marketing.PREFERENCES_HOLE: preferences_url,
    }
    with transaction.atomic():
        message = mailings.message_for(
            rendered, email=email, mailing=f"{campaign.mailing}:test", holes=holes, headers=headers
        )
        message.subject = f"[Test] {message.subject}"
        message.idempotency_key = f"{campaign.mailing}:test:{uuid.uuid4()}"
        mailings.write_chunk([message])
    return message


@transaction.atomic
def start_sending(*, campaign_id: int, acting_user) -> Campaign:
    """Send once: a second click, or a second member of staff, finds it already sending."""
    from .tasks import fan_out_campaign

    campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
    if campaign.status != Campaign.Status.DRAFT:
        raise CampaignError(f"“{campaign}” has already been sent; copy it to send again.")
    render_campaign(campaign)  # refuse now, not in the worker, if it cannot be rendered
    campaign.status = Campaign.Status.SENDING
    campaign.started_at = timezone.now()
    campaign.started_by = acting_user
    campaign.save(update_fields=["status", "started_at", "started_by"])
    transaction.on_commit(lambda: fan_out_campaign.delay(campaign.pk), robust=True)
    return campaign


def fan_out(campaign_id: int) -> int:
    """Write one message per recipient, a chunk at a time; safe to run again."""
    campaign = Campaign.objects.select_related("topic").get(pk=campaign_id)
    if campaign.status == Campaign.Status.DRAFT:
        return 0
    written = marketing.send_mailing(
        subscriptions=audience(campaign),
        rendered=render_campaign(campaign),
        mailing=campaign.mailing,
    )
    Campaign.objects.filter(pk=campaign.pk).update(recipients=written, written_at=timezone.now())
    return written


@dataclass(frozen=True)
class Results:
    recipients: int
    waiting: int
    sent: int
    failed: int
    unsubscribed: int

    @property
    def done(self) -> bool:
        return self.waiting == 0


def results(campaign: Campaign) -> Results:
    """Aggregate figures only: how many, never who."""
    counts = mailings.progress(campaign.mailing)
    unsubscribed = subscriptions.unsubscribes_from(campaign.mailing)
    waiting = counts["pending"] + counts["sending"]
    if campaign.written_at is None and campaign.status != Campaign.Status.DRAFT:
        waiting = max(waiting, 1)  # still being written
    return Results(
        recipients=sum(counts.values()),
        waiting=waiting,
        sent=counts["sent"],
        failed=counts["failed"],
        unsubscribed=unsubscribed,
    )


def finish_if_done(campaign: Campaign) -> Campaign:
    if campaign.status == Campaign.Status.SENDING and results(campaign).done:
        Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.SENDING).update(
            status=Campaign.Status.SENT
        )
        campaign.status = Campaign.Status.SENT
    return campaign


# Service announcements (P9)


def active_announcements() -> list[Announcement]:
    """Banners to show now; one query, then cached briefly, since every page asks."""
    found = cache.get(BANNER_CACHE_KEY)
    if found is None:
        now = timezone.now()
        current_and_next = list(
            Announcement.objects.filter(ends_at__gt=now).order_by("starts_at")[:20]
        )
        found = [a for a in current_and_next if a.starts_at <= now]
        # keep it no longer than until the next one starts or a shown one ends
        horizons = [a.ends_at for a in found] + [
            a.starts_at for a in current_and_next if a.starts_at > now
        ]
        ttl = min([60.0] + [max((h - now).total_seconds(), 1) for h in horizons])
        cache.set(BANNER_CACHE_KEY, found, ttl)
    return found


def announcements_changed() -> None:
    """The banner shown on every page changed: forget it, and the pages cached with it."""
    cache.delete(BANNER_CACHE_KEY)
    invalidate_cached_pages()


def customers_to_notify() -> QuerySet:
    """Every customer with an active account and a verified address: service mail is not
    marketing, so no opt-in, but never to an address nobody proved is theirs."""
    from allauth.account.models import EmailAddress

    verified = EmailAddress.objects.filter(
        user=OuterRef("pk"), email__iexact=OuterRef("email"), verified=True
    )
    return get_user_model().objects.filter(Exists(verified), is_active=True, is_staff=False)


@transaction.atomic
def mail_announcement(*, announcement_id: int, acting_user) -> Announcement:
    from .tasks import fan_out_announcement

    announcement = Announcement.objects.select_for_update().get(pk=announcement_id)
    if announcement.mailed_at is not None:
        raise CampaignError("This announcement has already been mailed.")
    if not announcement.mail_subject.strip() or not announcement.mail_body.strip():
        raise CampaignError("Write a mail subject and text before mailing the announcement.")
    announcement.mailed_at = timezone.now()
    announcement.mailed_by = acting_user
    announcement.save(update_fields=["mailed_at", "mailed_by"])
    transaction.on_commit(lambda: fan_out_announcement.delay(announcement.pk), robust=True)
    return announcement


def fan_out_announcement_mail(announcement_id: int) -> int:
    announcement = Announcement.objects.get(pk=announcement_id)
    rendered = mailings.render_mailing(
        ANNOUNCEMENT_TEMPLATE,
        {
            "announcement": announcement,
            "paragraphs": [p.strip() for p in announcement.mail_body.split("\n\n") if p.strip()],
        },
        MailClass.SERVICE,
    )
    written = mailings.send_to_addresses(
        recipients=customers_to_notify(),
        email_field="email",
        rendered=rendered,
        mailing=announcement.mailing,
    )
    Announcement.objects.filter(pk=announcement.pk).update(recipients=written)
    return written


def announce_policy_change(version) -> Announcement:
    """A material change to the privacy policy (P21): a banner until a week after it takes
    effect, and one service mail to every active customer, before it takes effect."""
    when = f"{timezone.localtime(version.effective_at):%-d %B %Y}"
    changes = [change["text"] for change in version.changes if change["material"]]
    diff_url = reverse("privacy:diff", args=[version.number - 1, version.number])
    announcement = Announcement.objects.create(
        message=f"Our privacy policy changes on {when}: {version.summary}"[:300],
        link=diff_url,
        level=Announcement.Level.INFO,
        starts_at=version.published_at,
        ends_at=version.effective_at + timedelta(days=7),
        mail_subject=f"Our privacy policy changes on {when}",
        mail_body="\n\n".join(
            [
                f"On {when} a new version of our privacy policy takes effect. {version.summary}",
                "What changes:\n" + "\n".join(f"- {text}" for text in changes),
                f"Every line that changes: {settings.SITE_URL}{diff_url}",
                "If you do not agree, you can stop marketing mail, change your cookie choice "
                "or disable your account before then, from your account page.",
            ]
        ),
    )
    announcements_changed()
    mail_announcement(announcement_id=announcement.pk, acting_user=None)
    return announcement
