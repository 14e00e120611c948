from django.db import models


class MailClass(models.TextChoices):
    # Mail a customer cannot opt out of: orders, payments, shipping, account security.
    TRANSACTIONAL = "transactional", "Transactional"
    # Rare notices about the service itself (maintenance, policy changes).
    SERVICE = "service", "Service announcement"
    # Only ever sent to confirmed opt-ins.
    MARKETING = "marketing", "Marketing"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Gave up"
    # Marketing whose reader withdrew consent (or may no longer get any) before it went out.
    WITHDRAWN = "withdrawn", "Not sent: consent withdrawn"


class OutboxMessage(models.Model):
    """One email, rendered and stored before anything tries to send it.

    The row is written in the same transaction as the change it reports, so a message is
    never lost when a worker or the mail server is down; the idempotency key makes enqueueing
    the same notice twice (a retried request, a replayed webhook) produce one message.
    """

    mail_class = models.CharField(max_length=16, choices=MailClass.choices)
    template = models.CharField(max_length=120)
    to_email = models.EmailField()
    subject = models.CharField(max_length=250)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    # Room for a prefix and the longest valid address (254 characters).
    idempotency_key = models.CharField(max_length=400, unique=True)
    # The mailing a message belongs to ("campaign:12", "announcement:3"), for progress counts.
    mailing = models.CharField(max_length=60, blank=True, default="")
    # The consent a marketing message relies on; withdrawing it withdraws the message.
    topic_key = models.CharField(max_length=80, blank=True, default="")
    # Holds a personal sign-in, reset or confirmation link: hidden from staff, and the body is
    # removed once the message has been sent.
    sensitive = models.BooleanField(default=False)
    status = models.CharField(
        max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(
                fields=["mailing", "status"],
                condition=~models.Q(mailing=""),
                name="outbox_mailing_status",
            ),
        ]
        verbose_name = "outbox message"

    def __str__(self) -> str:
        return f"{self.subject} → {self.to_email}"


class TopicKind(models.TextChoices):
    NEWSLETTER = "newsletter", "Newsletter and offers"
    CATEGORY = "category", "New products in a category"
    BACK_IN_STOCK = "back_in_stock", "Back in stock"


class Topic(models.Model):
    """Something a person can ask to be mailed about.

    Topics are keyed by text ("newsletter", "category:12", "back-in-stock:345") so that
    messaging needs to know nothing about the catalogue that names them.
    """

    key = models.CharField(max_length=80, unique=True)
    kind = models.CharField(max_length=20, choices=TopicKind.choices)
    label = models.CharField(max_length=200)
    # A one-shot topic (back in stock) ends each subscription once its notice is sent.
    one_shot = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "label"]

    def __str__(self) -> str:
        return self.label


class SubscriptionStatus(models.TextChoices):
    PENDING = "pending", "Waiting for confirmation"
    CONFIRMED = "confirmed", "Confirmed"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
    # A one-shot notice went out; nothing more will be sent for it.
    FULFILLED = "fulfilled", "Notice sent"


class Subscription(models.Model):
    """One address's consent to one topic (P7): nothing is sent until it is confirmed."""

    email = models.EmailField()
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="subscriptions")
    status = models.CharField(
        max_length=12, choices=SubscriptionStatus.choices, default=SubscriptionStatus.PENDING
    )
    source = models.CharField(max_length=40, help_text="Where the person asked for it.")
    requested_at = models.DateTimeField()
    # Ties a confirmation link to the request that mailed it; cleared once used.
    confirm_nonce = models.CharField(max_length=32, blank=True, db_index=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_policy_version = models.CharField(max_length=40, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["email", "topic"], name="one_subscription_per_topic")
        ]
        indexes = [models.Index(fields=["topic", "status", "id"])]

    def __str__(self) -> str:
        return f"{self.email} · {self.topic}"


class SubscriptionEvent(models.Model):
    """The consent history: every request, confirmation and withdrawal, kept as proof."""

    class Action(models.TextChoices):
        REQUESTED = "requested", "Asked to subscribe"
        CONFIRMED = "confirmed", "Confirmed by link"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
        FULFILLED = "fulfilled", "One-time notice sent"

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=12, choices=Action.choices)
    source = models.CharField(max_length=40)
    policy_version = models.CharField(max_length=40, blank=True)
    # The mailing (e.g. "campaign:12") an unsubscribe came from, for campaign results.
    mailing = models.CharField(max_length=60, blank=True, db_index=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.at:%Y-%m-%d %H:%M}"
