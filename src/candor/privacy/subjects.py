"""Whose data a rights request covers (P20).

A subject is an account, the email addresses verified for the request, or both; each app's
holder (registry.py) finds its rows by either, comparing addresses lowercased.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Subject:
    user_id: int | None  # the account, if any
    emails: frozenset[str]  # lowercased addresses the request covers (verified)
    label: str = ""  # for staff display


# An erased account keeps its row (orders and consent proof point at it) under an address in
# this reserved domain (RFC 2606), so it can never receive mail or be signed in to.
ERASED_DOMAIN = "erased.invalid"


def digest(value: str) -> str:
    """A salted hash of a subject's identifier: the same person gives the same digest (proof
    can be found again if they ask), and nobody without the secret key can reverse it."""
    from django.utils.crypto import salted_hmac

    return salted_hmac("candor.privacy.subject", value.strip().lower()).hexdigest()[:24]


def pseudonym(subject: Subject) -> str:
    """What replaces a subject's name in records the law makes us keep ("erased-<hash>")."""
    key = f"user:{subject.user_id}" if subject.user_id else ",".join(sorted(subject.emails))
    return f"erased-{digest(key)[:12]}"


def placeholder_email(email: str, account_id: int) -> str:
    """The address an erased account is given instead of its own: unique per account, because
    one person may open an account again with the same address and have it erased again (a
    placeholder from the address alone collided with the first one's)."""
    return f"erased-{digest(f'{account_id}:{email}')}@{ERASED_DOMAIN}"


def account_erased(subject: Subject) -> bool:
    """Whether the subject's account was already anonymised (by the accounts eraser): rows
    still linked to it are then pseudonymous and need nothing more."""
    if subject.user_id is None:
        return False
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(pk=subject.user_id, email__endswith=f"@{ERASED_DOMAIN}")
        .exists()
    )


def addresses(subject: Subject) -> frozenset[str]:
    """The subject's verified addresses and, while it is not erased, the account's own
    (lowercased): what each holder matches email columns against."""
    if subject.user_id is None:
        return subject.emails
    from django.contrib.auth import get_user_model

    own = (
        get_user_model()
        .objects.filter(pk=subject.user_id)
        .exclude(email__endswith=f"@{ERASED_DOMAIN}")
        .values_list("email", flat=True)
    )
    return subject.emails | {email.lower() for email in own}
