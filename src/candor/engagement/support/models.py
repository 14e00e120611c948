"""Support threads between a customer and the shop's staff, and anonymous site feedback (P5).

Every piece of text here was typed by a person; services mask card numbers in it before it is
saved (P13). Lengths are limited in the forms; the columns that are varchar leave room for
masking, which writes a masked number a few characters longer than the digits it replaces.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from candor.core.storage import private_storage

# What the forms accept; masking may lengthen text a little, so the columns are wider.
SUBJECT_MAX = 150
NAME_MAX = 150
BODY_MAX = 5000
FEEDBACK_MAX = 1000
PATH_MAX = 200


class ThreadStatus(models.TextChoices):
    OPEN = "open", "Open"
    WAITING = "waiting", "Waiting on customer"
    CLOSED = "closed", "Closed"


class Thread(models.Model):
    """One support request: the customer's first message and everything said after it."""

    number = models.CharField(max_length=20, unique=True)
    # The contact form's idempotency token: a double submit opens one thread.
    submit_token = models.UUIDField(unique=True)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="support_threads",
    )
    name = models.CharField(max_length=200)
    email = models.EmailField()
    subject = models.CharField(max_length=200)
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=ThreadStatus.choices, default=ThreadStatus.OPEN
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"is_staff": True},
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Moves with every message and note; retention counts from it.
    last_activity_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-last_activity_at", "-id"]
        verbose_name = "support conversation"
        verbose_name_plural = "support conversations"
        indexes = [models.Index(fields=["status", "-last_activity_at"])]
        permissions = [
            ("answer_thread", "Can answer support conversations, add notes, close and reopen"),
            ("assign_thread", "Can assign support conversations to staff"),
        ]

    def __str__(self) -> str:
        return f"{self.number}: {self.subject}"


class AuthorKind(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    STAFF = "staff", "Staff"


class Message(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    author_kind = models.CharField(max_length=10, choices=AuthorKind.choices)
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.TextField(max_length=BODY_MAX)
    # The reply form's idempotency token: a double submit posts one message.
    token = models.UUIDField(unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "support message"
        verbose_name_plural = "support messages"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(author_kind="staff") | models.Q(staff_user__isnull=True),
                name="support_message_customer_has_no_staff_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.thread.number} · {self.get_author_kind_display()}"


class InternalNote(models.Model):
    """What staff write for each other about a thread; the customer never sees it."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="notes")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(max_length=BODY_MAX)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "internal support note"
        verbose_name_plural = "internal support notes"

    def __str__(self) -> str:
        return f"Note on {self.thread_id}"


class EventKind(models.TextChoices):
    ASSIGNED = "assigned", "Assigned"
    CLOSED = "closed", "Closed"
    REOPENED = "reopened", "Reopened"


class ThreadEvent(models.Model):
    """Who assigned, closed or reopened a thread, and when (staff actions are audited)."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=EventKind.choices)
    # A staff member, or empty when the customer's reply reopened the thread.
    acting_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    detail = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "support conversation event"
        verbose_name_plural = "support conversation events"

    def __str__(self) -> str:
        return f"{self.thread_id}: {self.get_kind_display()}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    """A random name: the customer's own file name (often a person's name) is not kept."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"support/{uuid.uuid4().hex}.{extension}"


class Attachment(models.Model):
    """An image sent with a customer's message, re-encoded without its metadata."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    # Private storage, not MEDIA_ROOT: only the access-checked views serve these (support.files).
    file = models.FileField(upload_to=attachment_path, max_length=100, storage=private_storage)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        verbose_name = "support attachment"
        verbose_name_plural = "support attachments"

    def __str__(self) -> str:
        return self.file.name


class Feedback(models.Model):
    """A comment on the shop from the footer form: anonymous, with the page it was sent from."""

    message = models.TextField(max_length=FEEDBACK_MAX)
    page_path = models.CharField(max_length=PATH_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "site feedback"
        verbose_name_plural = "site feedback"

    def __str__(self) -> str:
        return self.message[:60]
