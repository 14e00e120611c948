"""The ledger's part in rights requests (P20, X2): its rows in an export, and on erasure the
link to the person removed while the record of the hand-off stays. Legal requests are kept as
they are (a legal obligation) and never exported while they bar telling the customer."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q

from .ledger_models import DisclosureRecord, RecipientNotice
from .registry import Holder, register_holder
from .subjects import Subject

LEDGER = "privacy.DisclosureRecord"
NOTICES = "privacy.RecipientNotice"


def _q(subject: Subject) -> Q:
    q = Q(pk__in=[])
    if subject.user_id is not None:
        q |= Q(subject_user_id=subject.user_id)
    if subject.emails:
        q |= Q(subject_email__in=sorted(subject.emails))
    return q


def export(subject: Subject) -> dict[str, list[dict[str, Any]]]:
    ledger = DisclosureRecord.objects.filter(_q(subject), withheld=False).values(
        "at", "recipient", "model", "fields", "purpose", "legal_basis", "reference"
    )
    notices = RecipientNotice.objects.filter(_q(subject)).values(
        "created_at", "recipient", "reason", "request_ref", "forwarded_at"
    )
    return {LEDGER: list(ledger), NOTICES: list(notices)}


def preview(subject: Subject) -> dict[str, dict[str, int]]:
    return {
        LEDGER: {
            "deleted": 0,
            "pseudonymized": DisclosureRecord.objects.filter(_q(subject)).count(),
            "kept": 0,
        },
        NOTICES: {
            "deleted": 0,
            "pseudonymized": RecipientNotice.objects.filter(_q(subject)).count(),
            "kept": 0,
        },
    }


def erase(subject: Subject) -> dict[str, dict[str, int]]:
    with transaction.atomic():
        ledger = DisclosureRecord.objects.filter(_q(subject)).update(
            subject_user_id=None, subject_email="", subject_label=""
        )
        notices = RecipientNotice.objects.filter(_q(subject)).update(
            subject_user_id=None, subject_email=""
        )
    return {
        LEDGER: {"deleted": 0, "pseudonymized": ledger, "kept": 0},
        NOTICES: {"deleted": 0, "pseudonymized": notices, "kept": 0},
    }


register_holder(Holder(app_label="privacy_ledger", export=export, erase=erase, preview=preview))
