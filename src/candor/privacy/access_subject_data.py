"""What the staff access records hold about a customer, for export and erasure (P15, P20).

A customer's export lists when staff revealed which of their details (not which staff member:
that is the shop's own record). Erasure keeps each record, since it proves that access was
controlled and the privacy centre's count depends on it, but empties its reason, which staff
type and which may name the customer, and unlinks it from the account.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from .access_models import StaffAccessRecord
from .registry import Counts, Holder, counts, export_rows, register_holder
from .subjects import Subject

ACCESS = StaffAccessRecord._meta.label
ERASED_REASON = "(erased with the customer's data)"


def _records(subject: Subject) -> QuerySet[StaffAccessRecord]:
    if subject.user_id is None:
        return StaffAccessRecord.objects.none()
    return StaffAccessRecord.objects.filter(subject_user_id=subject.user_id)


def export(subject: Subject) -> dict[str, list[dict[str, Any]]]:
    return {ACCESS: export_rows(_records(subject), hide=("staff",))}


def preview(subject: Subject) -> Counts:
    return {ACCESS: counts(pseudonymized=_records(subject).count())}


def erase(subject: Subject) -> Counts:
    with transaction.atomic():
        changed = _records(subject).update(reason=ERASED_REASON, subject_user_id=None)
    return {ACCESS: counts(pseudonymized=changed)}


register_holder(Holder(app_label="privacy_access", export=export, erase=erase, preview=preview))
