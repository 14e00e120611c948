"""Need-to-know staff access (P15): the data-family permissions and the access records."""

from django.conf import settings
from django.db import models


class PersonalDataAccess(models.Model):
    """Holds the four data-family permissions; no table. A role that has one reads that
    family of customers' personal data (after giving a reason); without it the back office
    shows the data masked. Families are derived from data-map categories (staff_access.py)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_contact", "Can reveal customers' names, email addresses and phone numbers"),
            ("view_address", "Can reveal customers' postal addresses"),
            ("view_payment_references", "Can reveal payment references"),
            ("view_logs", "Can reveal IP addresses and browser strings in logs"),
        ]
        verbose_name = "personal data access"

    def __str__(self) -> str:
        return "personal data access"


class StaffAccessRecord(models.Model):
    """One staff member's reveal of a customer's personal data, or a refused attempt:
    who, whose, what, why and when."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A plain id, not a foreign key: the record outlives nothing it describes, and erasing the
    # customer's account must not depend on it.
    subject_user_id = models.BigIntegerField(null=True, blank=True)
    model = models.CharField(max_length=100, help_text="The record's model label.")
    object_pk = models.CharField(max_length=40)
    family = models.CharField(max_length=30)
    fields = models.JSONField(default=list, help_text="The fields revealed.")
    reason = models.CharField(max_length=300)
    granted = models.BooleanField(help_text="False: refused, nothing was shown.")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(
                fields=["subject_user_id"],
                condition=models.Q(subject_user_id__isnull=False),
                name="privacy_access_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.family} of {self.model} #{self.object_pk}"
