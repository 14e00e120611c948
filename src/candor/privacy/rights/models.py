"""Rights requests (P20): what a customer or guest asked for, its due date, and its audit trail."""

from django.conf import settings
from django.db import models

EMAIL_MAX = 254
DETAILS_MAX = 2000
REASON_MAX = 1000


class RequestKind(models.TextChoices):
    ACCESS = "access", "See and download my data"
    CORRECTION = "correction", "Correct my details"
    STOP_MAIL = "stop_mail", "Stop marketing mail"
    RESTRICTION = "restriction", "Restrict processing"
    DISABLE = "disable", "Disable my account"
    ERASURE = "erasure", "Delete my data"


class RequestStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    VERIFIED = "verified", "Verified"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    REFUSED = "refused", "Refused"


OPEN_STATUSES = (RequestStatus.RECEIVED, RequestStatus.VERIFIED, RequestStatus.IN_PROGRESS)
VERIFIED_OPEN = (RequestStatus.VERIFIED, RequestStatus.IN_PROGRESS)


class RightsRequest(models.Model):
    """One request about a person's data. `emails` are the addresses it covers once verified
    (a guest's by the link mailed to it, a signed-in customer's verified addresses)."""

    kind = models.CharField(max_length=20, choices=RequestKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rights_requests",
    )
    # The account's id, kept when an erasure deletes the account (and `user` with it), so a
    # re-run still covers it.
    account_id = models.BigIntegerField(null=True, blank=True)
    email = models.EmailField(max_length=EMAIL_MAX, help_text="Where we write to the requester.")
    emails = models.JSONField(default=list, blank=True, help_text="Addresses covered (verified).")
    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.RECEIVED
    )
    refusal_reason = models.TextField(max_length=REASON_MAX, blank=True)
    details = models.TextField(max_length=DETAILS_MAX, blank=True)
    corrections = models.JSONField(default=dict, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    received_at = models.DateTimeField(db_index=True)
    due_at = models.DateTimeField(db_index=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="Erasure: when the requester confirmed the preview."
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    verify_nonce = models.CharField(max_length=32)
    steps_done = models.JSONField(default=list, blank=True)
    preview = models.JSONField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    scan_result = models.JSONField(null=True, blank=True)
    recipients_told = models.JSONField(default=list, blank=True)
    export_file = models.CharField(max_length=200, blank=True)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    # A run that raised (rights/failures.py): shown in the staff queue, mailed to the privacy
    # officers, and retried with backoff until a run succeeds.
    failed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    failure = models.CharField(max_length=200, blank=True, help_text="What the last run hit.")
    failed_runs = models.PositiveIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        permissions = [("work_rightsrequest", "Can work rights requests (privacy)")]
        constraints = [
            # One open request of a kind per address: a double submission finds the first.
            # Once verified: an unverified request (anyone can file one for any address)
            # must not block the address's owner.
            models.UniqueConstraint(
                fields=["kind", "email"],
                condition=models.Q(status__in=["verified", "in_progress"]),
                name="privacy_rights_one_open_per_kind",
            )
        ]
        indexes = [
            models.Index(
                fields=["status", "due_at"],
                condition=models.Q(status__in=["received", "verified", "in_progress"]),
                name="privacy_rights_open_due",
            )
        ]

    def __str__(self) -> str:
        return f"Request {self.pk}: {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class EventAction(models.TextChoices):
    RECEIVED = "received", "Received"
    VERIFICATION_SENT = "verification_sent", "Verification link sent"
    VERIFIED = "verified", "Verified"
    LINK_REFUSED = "link_refused", "Link refused"
    PREVIEWED = "previewed", "Erasure previewed"
    CONFIRMED = "confirmed", "Erasure confirmed"
    ASSIGNED = "assigned", "Assigned"
    STARTED = "started", "Started"
    STEP_DONE = "step_done", "Step done"
    FAILED = "failed", "Failed"
    RECIPIENTS_TOLD = "recipients_told", "Recipients told"
    DONE = "done", "Done"
    REFUSED = "refused", "Refused"
    REMINDED = "reminded", "Reminder sent"
    DOWNLOADED = "downloaded", "Export downloaded"
    EXPORT_REMOVED = "export_removed", "Export file removed"
    REFUSED_ATTEMPT = "refused_attempt", "Attempt refused (no permission)"
    RETRIED = "retried", "Retried after a failure"


class RightsRequestEvent(models.Model):
    """The audit trail: who did what to a request, when. A refused link that names no real
    request is recorded with no request."""

    request = models.ForeignKey(
        RightsRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(max_length=20, choices=EventAction.choices)
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.created_at:%Y-%m-%d %H:%M}"
