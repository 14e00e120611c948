"""What support holds about a subject (P20): their conversations with the shop.

Erasure deletes each conversation the subject started (from the account or with one of their
addresses) with everything in it: messages, attachments (the files too, once the deletion is
committed), staff notes and events. Site feedback is anonymous and tied to nobody.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from candor.privacy.registry import Counts, Holder, counts, email_q, export_rows
from candor.privacy.subjects import Subject, addresses

from .models import Attachment, InternalNote, Message, Thread, ThreadEvent

THREAD = Thread._meta.label
MESSAGE = Message._meta.label
ATTACHMENT = Attachment._meta.label
NOTE = InternalNote._meta.label
EVENT = ThreadEvent._meta.label


def _threads(subject: Subject) -> QuerySet[Thread]:
    query = email_q("email", addresses(subject))
    if subject.user_id is not None:
        query |= Q(customer_id=subject.user_id)
    return Thread.objects.filter(query)


def export(subject: Subject) -> dict[str, list[dict[str, Any]]]:
    threads = _threads(subject)
    return {
        THREAD: export_rows(threads, hide=("submit_token",)),
        MESSAGE: export_rows(Message.objects.filter(thread__in=threads), hide=("token",)),
        ATTACHMENT: export_rows(Attachment.objects.filter(message__thread__in=threads)),
    }


def _children(threads: QuerySet[Thread]) -> dict[str, QuerySet[Any]]:
    return {
        MESSAGE: Message.objects.filter(thread__in=threads),
        ATTACHMENT: Attachment.objects.filter(message__thread__in=threads),
        NOTE: InternalNote.objects.filter(thread__in=threads),
        EVENT: ThreadEvent.objects.filter(thread__in=threads),
    }


def preview(subject: Subject) -> Counts:
    threads = _threads(subject)
    result = {label: counts(deleted=rows.count()) for label, rows in _children(threads).items()}
    result[THREAD] = counts(deleted=threads.count())
    return result


def erase(subject: Subject) -> Counts:
    threads = _threads(subject)
    files = list(
        Attachment.objects.filter(message__thread__in=threads).values_list("file", flat=True)
    )
    _, deleted = threads.delete()
    storage = Attachment._meta.get_field("file").storage

    def remove_files() -> None:
        for name in files:
            storage.delete(name)

    transaction.on_commit(remove_files)
    labels = (THREAD, MESSAGE, ATTACHMENT, NOTE, EVENT)
    return {label: counts(deleted=deleted.get(label, 0)) for label in labels}


HOLDER = Holder("support", export=export, erase=erase, preview=preview)
