"""Mail to many people at once: written in chunks, handed to the workers in batches.

A mailing is rendered once; each recipient's row is a copy with their own links put in by
string replacement. Recipients are read a chunk at a time by primary key (keyset), so memory
stays flat however long the list is. Every row's idempotency key is (mailing, address), so a
fan-out that is interrupted and run again writes no row twice and sends nobody a second copy.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

from .models import MailClass, OutboxMessage, OutboxStatus
from .services import render_message

CHUNK = 1000


@dataclass(frozen=True)
class RenderedMailing:
    template: str
    mail_class: str
    subject: str
    text: str
    html: str


def render_mailing(template: str, context: dict, mail_class: str) -> RenderedMailing:
    from .checks import refuse_marketing_content

    if mail_class != MailClass.MARKETING:
        refuse_marketing_content(template)
    subject, text, html = render_message(template, {**context, "mail_class": mail_class})
    return RenderedMailing(template, mail_class, subject, text, html)


def keyset_chunks(queryset: QuerySet, *fields: str) -> Iterator[list[tuple]]:
    """Rows of (pk, *fields) in pk order, CHUNK at a time, never the whole table at once."""
    last = 0
    while True:
        chunk = list(queryset.filter(pk__gt=last).order_by("pk").values_list("pk", *fields)[:CHUNK])
        if not chunk:
            return
        yield chunk
        last = chunk[-1][0]


def fill(body: str, holes: dict[str, str]) -> str:
    for hole, value in holes.items():
        body = body.replace(hole, value)
    return body


def message_for(
    rendered: RenderedMailing,
    *,
    email: str,
    mailing: str,
    holes: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    topic_key: str = "",
) -> OutboxMessage:
    holes = holes or {}
    return OutboxMessage(
        mail_class=rendered.mail_class,
        template=rendered.template,
        to_email=email,
        subject=rendered.subject,
        body_text=fill(rendered.text, holes),
        body_html=fill(rendered.html, holes),
        headers=headers or {},
        idempotency_key=f"{mailing}:{email}",
        mailing=mailing,
        topic_key=topic_key,
    )


def _dispatch(message_ids: list[int]) -> None:
    from .tasks import deliver_batch

    size = settings.OUTBOX_BATCH_SIZE
    for start in range(0, len(message_ids), size):
        deliver_batch.delay(message_ids[start : start + size])


def write_chunk(rows: list[OutboxMessage], also: Callable[[], None] | None = None) -> None:
    """Store a chunk of messages (skipping any already written) and hand them on after commit."""
    with transaction.atomic():
        OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)
        if also is not None:
            also()
        ids = list(
            OutboxMessage.objects.filter(
                idempotency_key__in=[row.idempotency_key for row in rows],
                status=OutboxStatus.PENDING,
            ).values_list("pk", flat=True)
        )
        transaction.on_commit(lambda: _dispatch(ids), robust=True)


def send_to_addresses(
    *, recipients: QuerySet, email_field: str, rendered: RenderedMailing, mailing: str
) -> int:
    """Non-marketing mailing (service notices) to every address the queryset yields."""
    written = 0
    for chunk in keyset_chunks(recipients, email_field):
        write_chunk([message_for(rendered, email=email, mailing=mailing) for _, email in chunk])
        written += len(chunk)
    return written


def progress(mailing: str) -> dict[str, int]:
    """How many of a mailing's messages are in each state."""
    from django.db.models import Count

    counts = dict(
        OutboxMessage.objects.filter(mailing=mailing)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in OutboxStatus.values}
