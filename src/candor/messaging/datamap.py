"""What messaging keeps, for the data map (X1): the outbox of mail, and marketing consent.

The outbox holds every mail we send, addressed and rendered, so the mail provider receives
its address, subject, text and headers; bodies can hold a name, an address or an order, so
they are declared as the mail itself (content.mail), not as free text. Rows are deleted 90 days
after they were written; the body of a mail carrying a personal link is removed as soon as it
is sent (`sensitive`).

Consent to marketing (P7) is kept while it is in force and three years after it ends (an
unsubscribe, or a one-time notice sent), as proof that we mailed only with consent; then the
subscription and its history are deleted.
"""

from candor.privacy.datamap import (
    NOT_PERSONAL,
    YEAR,
    declare,
    declare_not_personal,
    keep,
    personal,
)

from .models import OutboxMessage, Subscription, SubscriptionEvent, Topic

OUTBOX_NOTE = (
    "Transactional and service mail rely on the contract; marketing mail in the outbox relies "
    "on the subscription's consent (declared on messaging.Subscription). Deleted 90 days "
    "after the row was written."
)


def outbox(category: str, *, recipients=(), note: str = OUTBOX_NOTE):
    return personal(
        category,
        purposes=["order_fulfilment", "customer_service", "account"],
        basis="contract",
        source="automatic",
        keep=keep(90, "delete"),
        recipients=recipients,
        note=note,
    )


MAIL_PROVIDER = ["mail_provider"]

declare(
    OutboxMessage,
    fields={
        "mail_class": outbox("content.mail"),
        "template": outbox("content.mail"),
        "to_email": outbox("contact.email", recipients=MAIL_PROVIDER),
        "subject": outbox("content.mail", recipients=MAIL_PROVIDER),
        "body_text": outbox("content.mail", recipients=MAIL_PROVIDER),
        "body_html": outbox("content.mail", recipients=MAIL_PROVIDER),
        "headers": outbox(
            "content.mail",
            recipients=MAIL_PROVIDER,
            note="List-Unsubscribe links name the address in a signed token. " + OUTBOX_NOTE,
        ),
        "idempotency_key": outbox(
            "contact.email",
            note="Some keys hold the address (a subscription's or a mailing's). " + OUTBOX_NOTE,
        ),
        "mailing": outbox("content.mail"),
        "topic_key": outbox("content.mail"),
        "sensitive": NOT_PERSONAL,  # delivery bookkeeping
        "status": outbox("content.mail"),
        "attempts": NOT_PERSONAL,  # delivery bookkeeping
        "last_error": outbox(
            "content.mail", note="A mail server's answer can quote the address. " + OUTBOX_NOTE
        ),
        "created_at": outbox("content.mail"),
        "next_attempt_at": NOT_PERSONAL,  # delivery bookkeeping
        "sent_at": outbox("content.mail"),
    },
    age_field="created_at",
)

CONSENT_KEPT = [keep(3 * YEAR, "delete", since="ended")]
CONSENT_NOTE = (
    "Kept while the subscription is pending or confirmed, and 3 years after it ends (unsubscribed "
    "or notice sent) as proof of consent; then deleted with its history. The 3 years count "
    "from ended_at."
)


def consent(category: str, *, purposes=("marketing", "consent_proof"), source: str = "given"):
    return personal(
        category,
        purposes=purposes,
        basis="consent",
        source=source,
        keep=CONSENT_KEPT,
        note=CONSENT_NOTE,
    )


declare(
    Subscription,
    fields={
        "email": personal(
            "contact.email",
            purposes=["marketing", "consent_proof"],
            basis="consent",
            source="given",
            keep=CONSENT_KEPT,
            recipients=MAIL_PROVIDER,
            note=CONSENT_NOTE,
        ),
        "topic": consent("marketing.consent"),
        "status": consent("marketing.consent", source="automatic"),
        "source": consent("marketing.consent", source="automatic"),
        "requested_at": consent("marketing.consent", source="automatic"),
        "confirm_nonce": NOT_PERSONAL,  # random; ties a confirmation link to its request
        "confirmed_at": consent("marketing.consent", source="automatic"),
        "confirmed_policy_version": consent("marketing.consent", source="automatic"),
        "ended_at": consent("marketing.consent", source="automatic"),
    },
    # Rows still pending or confirmed have no ended_at, so no job can age them out.
    age_field="ended_at",
)

EVENT_NOTE = (
    "The history of a subscription, kept as proof of consent (P7); deleted with its "
    "subscription, 3 years after the subscription ends."
)


def proof(category: str):
    return personal(
        category,
        purposes=["consent_proof"],
        basis="legal_obligation",
        source="automatic",
        keep=CONSENT_KEPT,
        note=EVENT_NOTE,
    )


declare(
    SubscriptionEvent,
    fields={
        "subscription": proof("marketing.consent"),
        "action": proof("marketing.consent"),
        "source": proof("marketing.consent"),
        "policy_version": proof("marketing.consent"),
        "mailing": proof("marketing.consent"),
        "at": proof("marketing.consent"),
    },
)

declare_not_personal(
    Topic, reason="What people can subscribe to (newsletter, a category, a variant)."
)

# Export and erasure of a subject's data (P20): subject_data.py.
from candor.privacy.registry import register_holder  # noqa: E402

from .subject_data import HOLDER  # noqa: E402

register_holder(HOLDER)
