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
    idempotency_key = models.CharField(max_length=200, unique=True)
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
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        verbose_name = "outbox message"

    def __str__(self) -> str:
        return f"{self.subject} → {self.to_email}"
