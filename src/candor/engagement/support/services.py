"""Support actions (P5): opening a thread, replies, staff answers and notes, assigning, closing
and reopening; and leaving site feedback.

Every text a person typed is masked for card numbers before it is stored (P13); the result says
whether anything was hidden, so the page can tell them. Each action is one transaction; mail is
an outbox row written in it, delivered after commit. Staff actions leave a trace: the answer or
note names its author, and assigning, closing and reopening write a ThreadEvent.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from candor.core.ids import readable_code
from candor.orders.models import Order
from candor.privacy.card_numbers import mask_card_numbers

from .files import ATTACHMENT_DIR
from .images import MAX_FILES, CleanImage
from .models import (
    Attachment,
    AuthorKind,
    EventKind,
    Feedback,
    InternalNote,
    Message,
    Thread,
    ThreadEvent,
    ThreadStatus,
)
from .notices import send_acknowledgement, send_answer

__all__ = [
    "SupportError",
    "Posted",
    "open_thread",
    "reply_to_thread",
    "answer_thread",
    "add_internal_note",
    "assign_thread",
    "close_thread",
    "reopen_thread",
    "leave_feedback",
    "purge_orphan_files",
]


class SupportError(Exception):
    """A support action that was refused; the message says why and nothing was changed."""


@dataclass(frozen=True)
class Posted:
    """What a post made: the thread, the message, whether it is new (False for a repeated
    submit of the same form) and whether a card number was hidden in the text."""

    thread: Thread
    message: Message
    created: bool
    masked: bool


def _masked(*texts: str) -> tuple[list[str], bool]:
    results = [mask_card_numbers(text.strip()) for text in texts]
    return [result.text for result in results], any(result.changed for result in results)


def _new_number() -> str:
    return f"SR-{readable_code(4)}-{readable_code(4)}"


def _attach(message: Message, images: Sequence[CleanImage]) -> None:
    for image in images:
        attachment = Attachment(message=message, content_type=image.content_type, size=image.size)
        # The name is replaced by a random one (models.attachment_path); only the extension stays.
        attachment.file.save(f"image.{image.extension}", ContentFile(image.content), save=False)
        attachment.save()


def _check_images(images: Sequence[CleanImage]) -> None:
    if len(images) > MAX_FILES:
        raise SupportError(f"Attach at most {MAX_FILES} images.")


def open_thread(
    *,
    submit_token: uuid.UUID,
    name: str,
    email: str,
    subject: str,
    body: str,
    order: Order | None = None,
    customer=None,
    images: Sequence[CleanImage] = (),
    acting_user=None,
) -> Posted:
    """A customer's (or guest's) request from the contact form: the thread, its first message
    and the acknowledgement mail with a link to it. The same submit token opens one thread."""
    existing = Thread.objects.filter(submit_token=submit_token).first()
    if existing is not None:
        return Posted(existing, existing.messages.first(), created=False, masked=False)
    (name, subject, body), masked = _masked(name, subject, body)
    if not (name and email and subject and body):
        raise SupportError("A name, an email address, a subject and a message are needed.")
    _check_images(images)
    customer = customer if customer is not None and customer.is_authenticated else None
    try:
        with transaction.atomic():
            thread = _insert_thread(
                submit_token=submit_token,
                customer=customer,
                name=name,
                email=email.strip(),
                subject=subject,
                order=order,
            )
            message = Message.objects.create(
                thread=thread, author_kind=AuthorKind.CUSTOMER, body=body, token=submit_token
            )
            _attach(message, images)
            send_acknowledgement(thread)
    except IntegrityError:
        # A concurrent submit of the same form won the race: answer with its thread.
        existing = Thread.objects.filter(submit_token=submit_token).first()
        if existing is None:
            raise
        return Posted(existing, existing.messages.first(), created=False, masked=False)
    return Posted(thread, message, created=True, masked=masked)


def _insert_thread(**fields) -> Thread:
    for _ in range(5):
        try:
            with transaction.atomic():  # a savepoint, so a number clash spoils nothing
                return Thread.objects.create(number=_new_number(), **fields)
        except IntegrityError:
            if Thread.objects.filter(submit_token=fields["submit_token"]).exists():
                raise
    raise SupportError("Could not allocate a reference number; please try again.")


def _existing_post(thread: Thread, token: uuid.UUID) -> Posted | None:
    """The message this form's token already posted, if any (a double submit)."""
    message = Message.objects.filter(token=token).first()
    if message is None:
        return None
    if message.thread_id != thread.pk:
        raise SupportError("This form was already used. Please reload the page and try again.")
    return Posted(thread, message, created=False, masked=False)


def reply_to_thread(
    *,
    thread: Thread,
    body: str,
    token: uuid.UUID,
    images: Sequence[CleanImage] = (),
    acting_user=None,
) -> Posted:
    """The customer writes again (signed in, or through the mailed link). The thread is open
    again, waiting for staff; a closed one is reopened, and that is recorded."""
    (body,), masked = _masked(body)
    if not body:
        raise SupportError("Write a message.")
    _check_images(images)
    try:
        with transaction.atomic():
            locked = Thread.objects.select_for_update().get(pk=thread.pk)
            repeated = _existing_post(locked, token)
            if repeated is not None:
                return repeated
            message = Message.objects.create(
                thread=locked, author_kind=AuthorKind.CUSTOMER, body=body, token=token
            )
            _attach(message, images)
            if locked.status == ThreadStatus.CLOSED:
                ThreadEvent.objects.create(
                    thread=locked, kind=EventKind.REOPENED, detail="The customer replied."
                )
            locked.status = ThreadStatus.OPEN
            locked.last_activity_at = timezone.now()
            locked.save(update_fields=["status", "last_activity_at", "updated_at"])
    except IntegrityError:
        repeated = _existing_post(thread, token)
        if repeated is None:
            raise
        return repeated
    return Posted(locked, message, created=True, masked=masked)


def answer_thread(
    *, thread: Thread, body: str, acting_user, token: uuid.UUID | None = None
) -> Posted:
    """Staff answer: the customer is mailed the answer with a fresh link to the thread, and
    the thread waits on them."""
    _require_staff(acting_user)
    (body,), masked = _masked(body)
    if not body:
        raise SupportError("Write an answer.")
    token = token or uuid.uuid4()
    try:
        with transaction.atomic():
            locked = Thread.objects.select_for_update().get(pk=thread.pk)
            repeated = _existing_post(locked, token)
            if repeated is not None:
                return repeated
            message = Message.objects.create(
                thread=locked,
                author_kind=AuthorKind.STAFF,
                staff_user=acting_user,
                body=body,
                token=token,
            )
            locked.status = ThreadStatus.WAITING
            locked.last_activity_at = timezone.now()
            locked.save(update_fields=["status", "last_activity_at", "updated_at"])
            send_answer(message)
    except IntegrityError:
        repeated = _existing_post(thread, token)
        if repeated is None:
            raise
        return repeated
    return Posted(locked, message, created=True, masked=masked)


def add_internal_note(*, thread: Thread, body: str, acting_user) -> tuple[InternalNote, bool]:
    """A note for staff only. Returns (note, whether a card number was hidden)."""
    _require_staff(acting_user)
    (body,), masked = _masked(body)
    if not body:
        raise SupportError("Write a note.")
    with transaction.atomic():
        note = InternalNote.objects.create(thread=thread, staff=acting_user, body=body)
        _touch(thread)
    return note, masked


def assign_thread(*, thread: Thread, assignee, acting_user) -> Thread:
    """Give the thread to a staff member (None: to nobody)."""
    _require_staff(acting_user, "support.assign_thread")
    if assignee is not None and not (assignee.is_staff and assignee.is_active):
        raise SupportError("Threads can only be assigned to active staff members.")
    with transaction.atomic():
        locked = Thread.objects.select_for_update().get(pk=thread.pk)
        if locked.assignee_id == (assignee.pk if assignee else None):
            return locked
        locked.assignee = assignee
        locked.last_activity_at = timezone.now()
        locked.save(update_fields=["assignee", "last_activity_at", "updated_at"])
        ThreadEvent.objects.create(
            thread=locked,
            kind=EventKind.ASSIGNED,
            acting_user=acting_user,
            detail=f"To {assignee.email}" if assignee else "To nobody",
        )
    return locked


def close_thread(*, thread: Thread, acting_user) -> Thread:
    return _set_status(thread, ThreadStatus.CLOSED, EventKind.CLOSED, acting_user)


def reopen_thread(*, thread: Thread, acting_user) -> Thread:
    return _set_status(thread, ThreadStatus.OPEN, EventKind.REOPENED, acting_user)


def _set_status(thread: Thread, status: str, kind: str, acting_user) -> Thread:
    """Close or reopen; doing it twice changes nothing the second time."""
    _require_staff(acting_user)
    with transaction.atomic():
        locked = Thread.objects.select_for_update().get(pk=thread.pk)
        if (status == ThreadStatus.CLOSED) == (locked.status == ThreadStatus.CLOSED):
            return locked
        locked.status = status
        locked.last_activity_at = timezone.now()
        locked.save(update_fields=["status", "last_activity_at", "updated_at"])
        ThreadEvent.objects.create(thread=locked, kind=kind, acting_user=acting_user)
    return locked


def _touch(thread: Thread) -> None:
    Thread.objects.filter(pk=thread.pk).update(
        last_activity_at=timezone.now(), updated_at=timezone.now()
    )


def _require_staff(user, permission: str = "support.answer_thread") -> None:
    """Customer service only (P15): the admin checks the same permission, and so does every
    other caller (tasks, the shell) through here."""
    if user is None or not (user.is_authenticated and user.is_staff and user.is_active):
        raise SupportError("Only staff can do this.")
    if not user.has_perm(permission):
        raise SupportError("You do not have permission to do this.")


def leave_feedback(*, message: str, page_path: str = "") -> tuple[Feedback, bool]:
    """Anonymous site feedback: the text and the page it came from, nothing about who sent it.
    Returns (feedback, whether a card number was hidden)."""
    (message,), masked = _masked(message)
    if not message:
        raise SupportError("Write a few words first.")
    return Feedback.objects.create(message=message, page_path=page_path), masked


def purge_orphan_files() -> int:
    """Delete attachment files no row refers to any more: those of threads the retention job
    deleted (row deletes do not reach the disk) and of posts whose transaction failed.
    Returns how many files were deleted."""
    storage = Attachment._meta.get_field("file").storage
    try:
        _dirs, names = storage.listdir(ATTACHMENT_DIR)
    except FileNotFoundError:
        return 0
    known = set(
        Attachment.objects.filter(file__startswith=f"{ATTACHMENT_DIR}/").values_list(
            "file", flat=True
        )
    )
    # A file younger than this may belong to a post whose transaction has not committed yet.
    settled = timezone.now() - timedelta(hours=1)
    deleted = 0
    for name in names:
        path = f"{ATTACHMENT_DIR}/{name}"
        if path not in known and storage.get_modified_time(path) < settled:
            storage.delete(path)
            deleted += 1
    return deleted
