"""The disclosure ledger and legal requests (P16, P17, P23, X2).

A DisclosureRecord is written, in the hand-off's own transaction, each time personal data leaves
the shop (disclosures.disclose). A RecipientNotice tells a recipient that data it received was
corrected or erased (GDPR art. 19). A LegalRequest is a law-enforcement request as staff recorded
it and the privacy officer decided it; LegalRequestEvent is its audit trail, refused attempts
included. Documents and exports live in private storage: never under MEDIA_URL.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils import timezone

from candor.core.storage import PrivateStorage


def private_storage() -> PrivateStorage:
    """Named by the migrations of the fields below; the storage is core's."""
    return PrivateStorage()


class DisclosureRecord(models.Model):
    """One hand-off of personal data to a third party: who got which fields of whose data,
    when, why and on what basis (P16, X2)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    recipient = models.CharField(max_length=40)
    model = models.CharField(max_length=100, help_text="The model label the fields belong to.")
    fields = models.JSONField(help_text="The field names handed over.")
    rows = models.PositiveIntegerField(default=1, help_text="How many records of that model.")
    purpose = models.CharField(max_length=40)
    legal_basis = models.CharField(max_length=80)
    subject_user_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    subject_email = models.CharField(max_length=254, blank=True, db_index=True)
    subject_label = models.CharField(max_length=200, blank=True)
    whole_shop = models.BooleanField(
        default=False, help_text="A business transfer: everyone's data, not one person's."
    )
    withheld = models.BooleanField(
        default=False,
        help_text="Hidden from the customer: a legal request bars telling them (P17).",
    )
    reference = models.CharField(max_length=100, help_text="Order number, request number...")
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]
        permissions = [
            ("transfer_business", "Can export the whole shop to a successor (owner only)"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.recipient}: {self.model} ({self.reference})"


class RecipientNoticeReason(models.TextChoices):
    CORRECTED = "corrected", "data corrected"
    ERASED = "erased", "data erased"


class RecipientNotice(models.Model):
    """A notice owed to a recipient that holds data since corrected or erased (GDPR art. 19);
    for the built-in recipients staff forward it and mark it forwarded."""

    created_at = models.DateTimeField(default=timezone.now)
    recipient = models.CharField(max_length=40)
    reason = models.CharField(max_length=20, choices=RecipientNoticeReason.choices)
    request_ref = models.CharField(max_length=100)
    # What the recipient knows the data by (order numbers): enough to act on without naming
    # the person again.
    references = models.JSONField(default=list)
    subject_user_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    subject_email = models.CharField(max_length=254, blank=True, db_index=True)
    forwarded_at = models.DateTimeField(null=True, blank=True)
    forwarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.get_reason_display()} ({self.request_ref})"


class LegalStatus(models.TextChoices):
    RECEIVED = "received", "received"
    APPROVED = "approved", "approved (export produced)"
    REFUSED = "refused", "refused"
    COMPLETED = "completed", "completed (handed over)"


class LegalRequest(models.Model):
    """A law-enforcement request for a person's data (P17)."""

    authority = models.CharField(max_length=200, help_text="Who asks: the police unit or court.")
    instrument = models.CharField(
        max_length=200,
        help_text="The instrument: order, warrant or statute, with its number.",
    )
    scope = models.TextField(max_length=2000, help_text="What data the instrument covers.")
    subject_email = models.EmailField(help_text="The address of the person concerned.")
    subject_user_id = models.BigIntegerField(null=True, blank=True)
    customer_notice_barred = models.BooleanField(
        default=False, help_text="The instrument forbids telling the customer."
    )
    status = models.CharField(
        max_length=20, choices=LegalStatus.choices, default=LegalStatus.RECEIVED
    )
    received_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(max_length=2000, blank=True)
    export = models.FileField(storage=private_storage, upload_to="legal/exports/", blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        permissions = [
            ("record_legal_request", "Can record law-enforcement requests"),
            ("decide_legal_request", "Can approve or refuse legal requests (privacy officer)"),
        ]

    def __str__(self) -> str:
        return f"LR-{self.pk}: {self.authority}"

    @property
    def reference(self) -> str:
        return f"LR-{self.pk}"


class LegalDocument(models.Model):
    legal_request = models.ForeignKey(
        LegalRequest, on_delete=models.CASCADE, related_name="documents"
    )
    file = models.FileField(storage=private_storage, upload_to="legal/documents/")
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return Path(self.file.name).name


class LegalRequestEvent(models.Model):
    """The audit trail of legal requests, including refused attempts (no request for a forged
    id)."""

    legal_request = models.ForeignKey(
        LegalRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=40)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


from . import ledger_datamap  # noqa: E402, F401  (the data map's entries for these models)
