"""What rights requests (candor.privacy.rights) carry out in the apps above privacy (P20).

The privacy app may import neither accounts nor messaging, so they are handed to it here, when
the accounts app is ready: the mailer (messaging's transactional outbox) and the actions for
stop-mail, restriction and disable. Each action covers the request's account and every address
it covers, and says in a short note what it did.
"""

from typing import Any

from allauth.account.models import EmailAddress
from django.db.models import Q

from candor.messaging.models import MailClass
from candor.messaging.services import enqueue
from candor.messaging.subscriptions import unsubscribe, withdraw_marketing
from candor.privacy.rights import hooks
from candor.privacy.rights.services import RightsError
from candor.privacy.subjects import Subject

from .models import RestrictedAddress, User
from .services import disable_account, restrict_processing


def transactional_mail(
    *, template: str, to_email: str, context: dict, idempotency_key: str, sensitive: bool = False
) -> Any:
    return enqueue(
        template=template,
        to_email=to_email,
        context=context,
        mail_class=MailClass.TRANSACTIONAL,
        idempotency_key=idempotency_key,
        sensitive=sensitive,
    )


def accounts_of(subject: Subject) -> list[User]:
    """The account the subject names and any account holding one of its verified addresses."""
    emails = list(subject.emails)
    found = Q(pk=subject.user_id) if subject.user_id else Q(pk__in=[])
    if emails:
        found |= Q(email__in=emails) | Q(
            pk__in=EmailAddress.objects.filter(email__in=emails, verified=True).values("user_id")
        )
    return list(User.objects.filter(found).distinct())


def stop_mail(subject: Subject, request: Any, acting_user: Any) -> str:
    """End every marketing subscription of the addresses (and the account's), at once."""
    addresses = set(subject.emails)
    for user in accounts_of(subject):
        addresses |= {
            e.lower()
            for e in EmailAddress.objects.filter(user=user).values_list("email", flat=True)
        }
        addresses.add(user.email.lower())
    ended = 0
    for address in sorted(addresses):
        ended += unsubscribe(email=address, source="rights_request") or 0
        withdraw_marketing(email=address)
    return f"{ended} subscription(s) ended"


def restrict(subject: Subject, request: Any, acting_user: Any) -> str:
    users = accounts_of(subject)
    for user in users:
        restrict_processing(user=user, restricted=True)
    for address in subject.emails:  # a guest's address too: no marketing, and not counted
        unsubscribe(email=address, source="rights_request")
        withdraw_marketing(email=address)
        RestrictedAddress.objects.get_or_create(email=address.lower())
    return f"{len(users)} account(s) and {len(subject.emails)} address(es) restricted"


def disable(subject: Subject, request: Any, acting_user: Any) -> str:
    users = accounts_of(subject)
    if not users:
        raise RightsError("There is no account with this address to disable.")
    for user in users:
        # The holder asked (a verified request), so a staff account is disabled as well.
        disable_account(
            user=user, acting_user=acting_user, note="rights request", requested_by_holder=True
        )
    return f"{len(users)} account(s) disabled"


def register() -> None:
    hooks.register_mailer(transactional_mail)
    hooks.register_action("stop_mail", stop_mail)
    hooks.register_action("restriction", restrict)
    hooks.register_action("disable", disable)
