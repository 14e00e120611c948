"""Support mail (P5): transactional, to the address the customer gave, each with a signed link
to the thread (so it is marked sensitive: its body is hidden in the back office and removed from
the outbox once sent)."""

from django.conf import settings

from candor.messaging.models import MailClass
from candor.messaging.services import enqueue

from .links import thread_url
from .models import Message, Thread


def send_acknowledgement(thread: Thread) -> None:
    """We received the request: its reference and the link to follow it."""
    enqueue(
        template="support/email/opened",
        to_email=thread.email,
        context={
            "thread": thread,
            "thread_url": thread_url(thread.number),
            "link_days": settings.SUPPORT_LINK_DAYS,
        },
        mail_class=MailClass.TRANSACTIONAL,
        idempotency_key=f"support:{thread.number}:opened",
        sensitive=True,
    )


def send_answer(message: Message) -> None:
    """Staff answered: the answer itself and the link to reply."""
    thread = message.thread
    enqueue(
        template="support/email/answer",
        to_email=thread.email,
        context={
            "thread": thread,
            "answer": message,
            "thread_url": thread_url(thread.number),
            "link_days": settings.SUPPORT_LINK_DAYS,
        },
        mail_class=MailClass.TRANSACTIONAL,
        idempotency_key=f"support:answer:{message.pk}",
        sensitive=True,
    )
