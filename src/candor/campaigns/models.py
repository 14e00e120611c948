"""Mail and notices staff send to many people at once."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Campaign(models.Model):
    """A marketing mailing to one topic's confirmed subscribers (P7)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"

    subject = models.CharField(max_length=150)
    intro = models.TextField("text", help_text="Plain text; blank lines start new paragraphs.")
    topic = models.ForeignKey(
        "messaging.Topic",
        on_delete=models.PROTECT,
        limit_choices_to=Q(kind__in=["newsletter", "category"]),
        help_text="Only people who confirmed this topic receive the campaign.",
    )
    products = models.ManyToManyField("catalog.Product", blank=True, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # How many messages the fan-out wrote; the outbox tells how many went.
    recipients = models.PositiveIntegerField(default=0)
    written_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject

    @property
    def mailing(self) -> str:
        return f"campaign:{self.pk}"


class Announcement(models.Model):
    """A service notice (P9): a site banner for a period and, when staff choose, one mail."""

    class Level(models.TextChoices):
        INFO = "info", "Information"
        WARNING = "warning", "Warning (e.g. maintenance)"

    message = models.CharField(max_length=300, help_text="Shown in the banner on every page.")
    link = models.CharField(
        max_length=200, blank=True, help_text="A page on this site the banner links to (optional)."
    )
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.INFO)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    mail_subject = models.CharField(max_length=150, blank=True)
    mail_body = models.TextField(blank=True, help_text="Plain text for the service mail, if any.")
    mailed_at = models.DateTimeField(null=True, blank=True)
    mailed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipients = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="announcement_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.message

    @property
    def mailing(self) -> str:
        return f"announcement:{self.pk}"
