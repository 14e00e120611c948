"""What the privacy app keeps: published policy versions, cookie consent, request logs."""

from django.conf import settings
from django.db import models


class PolicyVersion(models.Model):
    """One published privacy policy: immutable once written (P21, P24)."""

    number = models.PositiveIntegerField(unique=True)
    content = models.JSONField(help_text="The policy as structured data, as /privacy/ shows it.")
    datamap = models.JSONField(help_text="The data map it was generated from.")
    content_hash = models.CharField(max_length=64)
    summary = models.TextField()
    material = models.BooleanField(
        help_text="A new category, purpose or recipient, or a longer retention: announced "
        "before it takes effect."
    )
    changes = models.JSONField(default=list, blank=True)
    published_at = models.DateTimeField()
    effective_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    announced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"Version {self.number} (effective {self.effective_at:%Y-%m-%d})"

    def save(self, *args, **kwargs):
        # Immutable: a published version is evidence of what people were told.
        if self.pk is not None:
            raise ValueError("A published policy version cannot be changed; publish a new one.")
        super().save(*args, **kwargs)


class ConsentRecord(models.Model):
    """A signed-in customer's cookie choice, kept as proof (P10)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cookie_consents"
    )
    categories = models.JSONField(help_text="The optional categories allowed; [] declines all.")
    policy_version = models.CharField(max_length=40, blank=True)
    source = models.CharField(max_length=40)
    gpc = models.BooleanField(default=False, help_text="The browser sent Sec-GPC: 1.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{', '.join(self.categories) or 'essential only'} · {self.created_at:%Y-%m-%d}"


class RequestLog(models.Model):
    """One request, as the server log the policy describes (P12). Kept as declared in the
    data map: the IP and browser detail are shortened first, then the row is deleted."""

    at = models.DateTimeField(db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    ip_truncated = models.BooleanField(default=False)
    user_agent = models.TextField(blank=True)
    browser = models.CharField(max_length=80, blank=True)
    os = models.CharField(max_length=80, blank=True)
    referrer = models.TextField(blank=True)
    method = models.CharField(max_length=10)
    path = models.TextField()
    status = models.PositiveSmallIntegerField()
    user_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        permissions = [("read_request_logs", "Can read request logs (security)")]
        indexes = [
            # Only signed-in requests are ever looked up by user (a customer's own records);
            # most rows are anonymous and need not pay for an index entry on every insert.
            models.Index(
                fields=["user_id"],
                condition=models.Q(user_id__isnull=False),
                name="privacy_requestlog_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.method} {self.path} {self.status}"


# Rights requests (P20) live in their own package; Django finds models through this module.
from .access_models import PersonalDataAccess, StaffAccessRecord  # noqa: E402, F401

# The disclosure ledger and legal requests (P16, P17, P23).
from .ledger_models import (  # noqa: E402, F401
    DisclosureRecord,
    LegalDocument,
    LegalRequest,
    LegalRequestEvent,
    RecipientNotice,
)
from .rights.models import RightsRequest, RightsRequestEvent  # noqa: E402, F401
