"""What the catalogue holds about a subject (P20): only, for a staff member, the audit of the
prices and stock they changed. It is kept for its two years (the data map) as a security
record; once the account is erased it points at an anonymised account."""

from __future__ import annotations

from typing import Any

from candor.privacy.registry import Counts, Holder, counts, export_rows
from candor.privacy.subjects import Subject, account_erased

from .models import VariantChange

CHANGE = VariantChange._meta.label


def _changes(subject: Subject):
    if subject.user_id is None or account_erased(subject):
        return VariantChange.objects.none()
    return VariantChange.objects.filter(changed_by_id=subject.user_id)


def export(subject: Subject) -> dict[str, list[dict[str, Any]]]:
    return {CHANGE: export_rows(_changes(subject))}


def preview(subject: Subject) -> Counts:
    return {CHANGE: counts(kept=_changes(subject).count())}


def erase(subject: Subject) -> Counts:
    return preview(subject)


HOLDER = Holder("catalog", export=export, erase=erase, preview=preview)
