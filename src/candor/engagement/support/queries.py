"""Reads the support pages share: a customer's threads, one thread as its customer sees it, and
the order a contact form may name."""

from django.db.models import Prefetch, QuerySet

from candor.orders.models import Order

from .models import Attachment, Message, Thread


def customer_threads(user) -> QuerySet[Thread]:
    return Thread.objects.filter(customer=user).only(
        "number", "subject", "status", "last_activity_at", "created_at"
    )


def thread_for_customer(number: str, *, user=None) -> Thread | None:
    """The thread with its messages and their attachments, never the internal notes. With a
    user, only that customer's own thread."""
    threads = Thread.objects.select_related("order").prefetch_related(
        Prefetch(
            "messages",
            queryset=Message.objects.only(
                "thread_id", "author_kind", "body", "created_at"
            ).prefetch_related(
                Prefetch(
                    "attachments",
                    queryset=Attachment.objects.only("message_id", "content_type", "size"),
                )
            ),
        )
    )
    if user is not None:
        threads = threads.filter(customer=user)
    return threads.filter(number=number).first()


def attachment_of(thread: Thread, pk: int) -> Attachment | None:
    return Attachment.objects.filter(pk=pk, message__thread=thread).first()


def normalise_reference(reference: str) -> str:
    return "".join(reference.split()).upper()


def order_for_reference(reference: str, *, user=None, email: str = "") -> Order | None:
    """The order a support request may name: for a signed-in customer one of their own orders,
    for a guest an order placed with the email address they gave. None otherwise, whether or
    not such an order exists for someone else."""
    number = normalise_reference(reference)
    if not number:
        return None
    orders = Order.objects.filter(number=number)
    if user is not None and user.is_authenticated:
        return orders.filter(user=user).first()
    if not email:
        return None
    return orders.filter(email__iexact=email.strip()).first()
