"""What the privacy app itself holds about a subject (P20): server-log rows of their requests,
their cookie choices, and (for a staff member) the policy versions they published.

Erasure deletes the subject's server-log rows and empties, in every other row, any IP address
those rows held (fully, not shortened: the same address logged before signing in). Cookie
choices are kept as pseudonymous proof of consent, pointing at the account that the accounts
eraser anonymises. A published policy version stays, without the link to who published it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import ConsentRecord, PolicyVersion, RequestLog
from .registry import Counts, Holder, counts, export_rows, register_holder
from .subjects import Subject, account_erased

LOG = RequestLog._meta.label
CONSENT = ConsentRecord._meta.label
POLICY = PolicyVersion._meta.label


def _logs(subject: Subject) -> QuerySet[RequestLog]:
    if subject.user_id is None:
        return RequestLog.objects.none()
    return RequestLog.objects.filter(user_id=subject.user_id)


def _same_address(subject: Subject) -> QuerySet[RequestLog]:
    """Rows of no account (or another) from an address the subject's own rows hold."""
    ips = _logs(subject).exclude(ip__isnull=True).values("ip")
    return RequestLog.objects.filter(ip__in=ips).exclude(user_id=subject.user_id)


def _consents(subject: Subject) -> QuerySet[ConsentRecord]:
    if subject.user_id is None or account_erased(subject):
        return ConsentRecord.objects.none()
    return ConsentRecord.objects.filter(user_id=subject.user_id)


def _published(subject: Subject) -> QuerySet[PolicyVersion]:
    if subject.user_id is None:
        return PolicyVersion.objects.none()
    return PolicyVersion.objects.filter(published_by_id=subject.user_id)


def export(subject: Subject) -> dict[str, list[dict[str, Any]]]:
    return {
        LOG: export_rows(_logs(subject)),
        CONSENT: export_rows(_consents(subject)),
        POLICY: [
            {"number": number, "published_at": at.isoformat()}
            for number, at in _published(subject).values_list("number", "published_at")
        ],
    }


def preview(subject: Subject) -> Counts:
    return {
        LOG: counts(deleted=_logs(subject).count(), pseudonymized=_same_address(subject).count()),
        CONSENT: counts(pseudonymized=_consents(subject).count()),
        POLICY: counts(pseudonymized=_published(subject).count()),
    }


def erase(subject: Subject) -> Counts:
    # The other rows' addresses first, while the subject's own rows still say which they are.
    blanked = _same_address(subject).update(ip=None, ip_truncated=False)
    deleted = _logs(subject).delete()[1].get(LOG, 0)
    consents = _consents(subject).count()
    # update(), not save(): a version is immutable except for this link (data map).
    published = _published(subject).update(published_by=None)
    return {
        LOG: counts(deleted=deleted, pseudonymized=blanked),
        CONSENT: counts(pseudonymized=consents),
        POLICY: counts(pseudonymized=published),
    }


register_holder(Holder("privacy", export=export, erase=erase, preview=preview))
