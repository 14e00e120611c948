"""What accounts hold about a subject, for export, erasure and correction (P20).

Erasing an account keeps its row, deactivated and anonymised, because orders and consent
proof point at it: the address becomes a placeholder unique to the account (a salted hash), names
and phone are emptied, the password made unusable. Everything else the account holds goes:
addresses, sign-in addresses and their confirmations, social accounts (and their tokens),
two-factor authenticators, the account's history and its sessions. Admin log entries about the
account lose the address they were labelled with; the record of staff powers it was given or
lost stays, pointing at the anonymised account, without its note.
"""

from __future__ import annotations

import re
from typing import Any

from allauth.account.models import EmailAddress, EmailConfirmation
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.contrib.admin.models import LogEntry
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from phonenumber_field.phonenumber import PhoneNumber, to_python

from candor.core.models import ShopSettings
from candor.privacy.registry import Counts, Holder, counts, email_q, export_rows
from candor.privacy.subjects import ERASED_DOMAIN, Subject, addresses, placeholder_email

from .models import AccountEvent, Address, RestrictedAddress, StaffPowerChange, User
from .services import _forget_cached_sessions, _session_keys_of

USER = User._meta.label
POWERS = StaffPowerChange._meta.label


def _users(subject: Subject) -> QuerySet[User]:
    """The live (not yet anonymised) account of the subject: by id, or by a verified address
    when the request came without one."""
    if subject.user_id is not None:
        found = User.objects.filter(pk=subject.user_id)
    else:
        found = User.objects.filter(email_q("email", subject.emails))
    return found.exclude(email__endswith=f"@{ERASED_DOMAIN}")


def _owned(subject: Subject) -> dict[str, QuerySet[Any]]:
    users = _users(subject)
    return {
        Address._meta.label: Address.objects.filter(owner__in=users),
        AccountEvent._meta.label: AccountEvent.objects.filter(user__in=users),
        EmailConfirmation._meta.label: EmailConfirmation.objects.filter(
            email_address__user__in=users
        ),
        EmailAddress._meta.label: EmailAddress.objects.filter(user__in=users),
        SocialToken._meta.label: SocialToken.objects.filter(account__user__in=users),
        SocialAccount._meta.label: SocialAccount.objects.filter(user__in=users),
        Authenticator._meta.label: Authenticator.objects.filter(user__in=users),
        RestrictedAddress._meta.label: RestrictedAddress.objects.filter(
            email__in=sorted(addresses(subject))
        ),
    }


def export(subject: Subject) -> dict[str, list[dict[str, Any]]]:
    users = _users(subject)
    owned = _owned(subject)
    result = {
        USER: export_rows(users, hide=("password",)),
        Address._meta.label: export_rows(owned[Address._meta.label]),
        AccountEvent._meta.label: export_rows(owned[AccountEvent._meta.label]),
        EmailAddress._meta.label: export_rows(owned[EmailAddress._meta.label]),
        SocialAccount._meta.label: export_rows(owned[SocialAccount._meta.label]),
        # What staff changed in the account, as the admin's log recorded it.
        LogEntry._meta.label: export_rows(_admin_log(subject, users), hide=("user",)),
        # Secrets stay here: what kind of second factor, and when it was set up and used.
        Authenticator._meta.label: export_rows(owned[Authenticator._meta.label], hide=("data",)),
        # The staff powers the account was given or lost (who did it is another person's).
        POWERS: export_rows(StaffPowerChange.objects.filter(user__in=users), hide=("acting_user",)),
    }
    # The hash itself stays here; the export says whether there is one.
    usable = set(
        users.exclude(password="").exclude(password__startswith="!").values_list("pk", flat=True)
    )
    for row in result[USER]:
        row["password"] = "set (stored only as a hash)" if row["id"] in usable else ""
    return result


def _admin_log(subject: Subject, users: QuerySet[User]) -> QuerySet[LogEntry]:
    """Entries about the account, or labelled with one of the subject's addresses (a
    subscription is shown as its address)."""
    about = Q(
        content_type=ContentType.objects.get_for_model(User),
        object_id__in=[str(pk) for pk in users.values_list("pk", flat=True)],
    )
    for email in sorted(addresses(subject)):
        # The whole address, not a part of another ("bob@" inside "jimbob@").
        # A full stop ends a sentence, not the address, unless more of a domain follows.
        whole = rf"(^|[^a-z0-9._%+-]){re.escape(email)}($|[^a-z0-9.-]|\.($|[^a-z0-9-]))"
        about |= Q(object_repr__iregex=whole) | Q(change_message__iregex=whole)
    return LogEntry.objects.filter(about)


def preview(subject: Subject) -> Counts:
    users = _users(subject)
    result = {label: counts(deleted=rows.count()) for label, rows in _owned(subject).items()}
    result[USER] = counts(pseudonymized=users.count())
    result[LogEntry._meta.label] = counts(pseudonymized=_admin_log(subject, users).count())
    result[POWERS] = counts(pseudonymized=StaffPowerChange.objects.filter(user__in=users).count())
    return result


def erase(subject: Subject) -> Counts:
    users = list(_users(subject).select_for_update())
    if not users:
        return {USER: counts()}
    user_ids = [user.pk for user in users]
    live = User.objects.filter(pk__in=user_ids)
    result: Counts = {}
    # Children first (confirmations before addresses, tokens before social accounts), so each
    # model's count is its own.
    for label, rows in _owned(subject).items():
        _, per_model = rows.delete()
        result[label] = counts(deleted=per_model.get(label, 0))
    result[LogEntry._meta.label] = counts(
        pseudonymized=_admin_log(subject, live).update(
            object_repr="erased account", change_message=""
        )
    )
    # The powers trail stays (it points at the anonymised account); what staff typed goes.
    result[POWERS] = counts(
        pseudonymized=StaffPowerChange.objects.filter(user_id__in=user_ids).update(note="")
    )
    session_keys = [key for user in users for key in _session_keys_of(user)]
    deleted_sessions, _ = Session.objects.filter(session_key__in=session_keys).delete()
    transaction.on_commit(lambda: _forget_cached_sessions(session_keys))
    result[Session._meta.label] = counts(deleted=deleted_sessions)
    unusable = make_password(None)
    for user in users:
        user.email = placeholder_email(user.email, user.pk)
        user.first_name = user.last_name = ""
        user.phone = ""
        user.password = unusable
        user.is_active = False
        user.processing_restricted = True
        user.disabled_at = user.disabled_at or timezone.now()
    User.objects.bulk_update(
        users,
        [
            "email",
            "first_name",
            "last_name",
            "phone",
            "password",
            "is_active",
            "processing_restricted",
            "disabled_at",
        ],
    )
    result[USER] = counts(pseudonymized=len(users))
    return result


def correct(subject: Subject, details: dict[str, str]) -> int:
    """Apply corrected account details: a full "name" (or first_name / last_name) and a
    "phone", which must be a valid number (one that is not is left for staff); other keys are
    ignored. Returns the number of accounts changed."""
    changes: dict[str, str] = {}
    if details.get("name", "").strip():
        first, _, last = details["name"].strip().partition(" ")
        changes.update(first_name=first[:150], last_name=last.strip()[:150])
    for key in ("first_name", "last_name"):
        if details.get(key, "").strip():
            changes[key] = details[key].strip()[:150]
    if details.get("phone", "").strip():
        phone = to_python(details["phone"], region=ShopSettings.load().country.code)
        if isinstance(phone, PhoneNumber) and phone.is_valid():
            changes["phone"] = phone.as_e164
    if not changes:
        return 0
    return _users(subject).update(**changes)


HOLDER = Holder("accounts", export=export, erase=erase, preview=preview, correct=correct)
