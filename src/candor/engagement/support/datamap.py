"""What support keeps, for the data map (X1, P5).

A support conversation is kept 3 years after its last message or change, then deleted with
everything in it (messages, attachments, internal notes, history): long enough to answer a
follow-up about the same order or device (warranty claims run up to two years after delivery,
and a complaint can come later), not longer. The generic retention job deletes the thread by
`last_activity_at`; its messages, notes, events and attachment rows go with it (cascade), and
the daily task `support.tasks.purge_orphan_files` removes the image files left on disk.

Site feedback is anonymous: the words and the page, no account, address or cookie. It is kept 2
years (enough to see whether a change helped), then deleted, and read only to improve the shop.

The mail provider receives the address we answer and the answers we mail; the customer's own
messages are not repeated in our mail.
"""

from candor.privacy.datamap import NOT_PERSONAL, YEAR, declare, keep, personal

from .models import Attachment, Feedback, InternalNote, Message, Thread, ThreadEvent

THREAD_KEEP = [keep(3 * YEAR, "delete", since="last_activity")]
THREAD_NOTE = (
    "Deleted 3 years after the conversation's last message or change (Thread.last_activity_at), "
    "with everything in it."
)
# In the acknowledgement and answer mail: the address, the name, the reference and subject.
MAILED = ["mail_provider"]
WITH_THREAD = "Deleted with its conversation, 3 years after the conversation's last activity."


def support_data(category: str, *, source: str = "given", recipients=(), note=THREAD_NOTE):
    return personal(
        category,
        purposes=["customer_service"],
        basis="legitimate_interests",
        source=source,
        keep=THREAD_KEEP,
        recipients=recipients,
        note=note,
    )


def staff_reference(note: str):
    """Which staff member did something: an audit record (staff are people too)."""
    return personal(
        "security.audit",
        purposes=["customer_service", "security"],
        basis="legitimate_interests",
        source="automatic",
        keep=THREAD_KEEP,
        note=note + " " + WITH_THREAD,
    )


declare(
    Thread,
    fields={
        "number": support_data("content.support", source="automatic", recipients=MAILED),
        "submit_token": NOT_PERSONAL,  # random; makes a double submit one thread
        "customer": support_data("identity.account", source="automatic"),
        "name": support_data("identity.name", recipients=MAILED),
        "email": support_data(
            "contact.email",
            recipients=MAILED,
            note="We answer at this address. " + THREAD_NOTE,
        ),
        "subject": support_data("content.support", recipients=MAILED),
        "order": support_data("commerce.order"),
        "status": support_data("content.support", source="automatic"),
        "assignee": staff_reference("The staff member the conversation is assigned to."),
        "created_at": support_data("content.support", source="automatic"),
        "updated_at": NOT_PERSONAL,  # row bookkeeping
        "last_activity_at": support_data("content.support", source="automatic"),
    },
    age_field="last_activity_at",
)

declare(
    Message,
    fields={
        "thread": support_data("content.support", note=WITH_THREAD),
        "author_kind": support_data("content.support", source="automatic", note=WITH_THREAD),
        "staff_user": staff_reference("Who wrote a staff answer."),
        "body": support_data(
            "content.support",
            recipients=MAILED,
            note="Staff answers are mailed to the customer; card numbers are masked before "
            "anything is stored (P13). " + WITH_THREAD,
        ),
        "token": NOT_PERSONAL,  # random; makes a double submit one message
        "created_at": support_data("content.support", source="automatic", note=WITH_THREAD),
    },
)

declare(
    Attachment,
    fields={
        "message": support_data("content.support", note=WITH_THREAD),
        "file": support_data(
            "content.support",
            note="A photo the customer sent, re-encoded without its metadata (no location, "
            "camera or time) and stored under a random name. " + WITH_THREAD,
        ),
        "content_type": NOT_PERSONAL,  # image/jpeg, image/png or image/webp
        "size": NOT_PERSONAL,  # bytes
    },
)

declare(
    InternalNote,
    fields={
        "thread": support_data("content.staff_note", source="staff", note=WITH_THREAD),
        "staff": staff_reference("Who wrote an internal note."),
        "body": support_data(
            "content.staff_note",
            source="staff",
            note="Staff notes about a conversation, never shown to the customer. " + WITH_THREAD,
        ),
        "created_at": support_data("content.staff_note", source="automatic", note=WITH_THREAD),
    },
)

declare(
    ThreadEvent,
    fields={
        "thread": support_data("content.support", source="automatic", note=WITH_THREAD),
        "kind": support_data("content.support", source="automatic", note=WITH_THREAD),
        "acting_user": staff_reference("Who assigned, closed or reopened the conversation."),
        "detail": staff_reference("To whom it was assigned, or that the customer reopened it."),
        "created_at": support_data("content.support", source="automatic", note=WITH_THREAD),
    },
)

FEEDBACK_NOTE = "Anonymous site feedback, deleted 2 years after it was sent."


def feedback_data():
    return personal(
        "content.feedback",
        purposes=["improvement"],
        basis="legitimate_interests",
        source="given",
        keep=keep(2 * YEAR, "delete"),
        note=FEEDBACK_NOTE,
    )


declare(
    Feedback,
    fields={
        "message": feedback_data(),
        "page_path": feedback_data(),
        "created_at": feedback_data(),
    },
    age_field="created_at",
)

# Export and erasure of a subject's data (P20): subject_data.py.
from candor.privacy.registry import register_holder  # noqa: E402

from .subject_data import HOLDER  # noqa: E402

register_holder(HOLDER)
