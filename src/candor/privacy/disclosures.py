"""Handing personal data to a third party, through one door (P16, P17, P23, X2).

`disclose()` is the only way personal data leaves the shop. It checks every field against the
data map: the model must be declared, every field must be declared on it, and every personal
field must name the recipient (law enforcement and a business successor are standing
recipients: they may receive any declared field, see document.STANDING_RECIPIENTS). One field
that fails refuses the whole call: sending part of a payload the caller built for a purpose
would be as wrong as sending all of it, so nothing is sent and nothing is written. A call that
passes writes its ledger row in the caller's transaction and returns the payload to send.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet, Subquery

from . import vocabulary
from .datamap import NotPersonal, Personal, declaration_for, declarations
from .document import STANDING_RECIPIENTS
from .ledger_models import DisclosureRecord, RecipientNotice
from .subjects import Subject

# Purposes a disclosure may name beyond the data map's own: handing the shop to a buyer.
DISCLOSURE_PURPOSES: dict[str, str] = {
    "business_transfer": "legitimate_interests",
}


class DisclosureRefused(Exception):
    """The data map does not allow this hand-off; nothing was sent or written."""


def _check(recipient: str, model: str, names: Iterable[str], purpose: str) -> str:
    """Refuse anything the map does not declare; return the legal basis of the hand-off."""
    if recipient not in vocabulary.RECIPIENTS:
        raise DisclosureRefused(f"Unknown recipient {recipient!r}.")
    if purpose not in vocabulary.PURPOSES and purpose not in DISCLOSURE_PURPOSES:
        raise DisclosureRefused(f"Unknown purpose {purpose!r}.")
    declaration = declaration_for(model)
    if declaration is None:
        raise DisclosureRefused(f"{model} is not in the data map.")
    names = sorted(set(names))
    if not names:
        raise DisclosureRefused("Nothing to disclose.")
    bases = set()
    for name in names:
        spec = declaration.fields.get(name)
        if spec is None:
            raise DisclosureRefused(f"{model}.{name} is not declared in the data map.")
        if isinstance(spec, NotPersonal):
            continue
        assert isinstance(spec, Personal)
        if recipient not in spec.recipients and recipient not in STANDING_RECIPIENTS:
            raise DisclosureRefused(f"{model}.{name} is not declared for {recipient}.")
        bases.add(DISCLOSURE_PURPOSES.get(purpose) or spec.basis_for(purpose))
    return ", ".join(sorted(bases)) or "no personal data"


def _primary_email(subject: Subject) -> str:
    return min(subject.emails) if subject.emails else ""


def _record(
    *,
    recipient: str,
    subject: Subject,
    model: str,
    names: Iterable[str],
    rows: int,
    purpose: str,
    reference: str,
    acting_user,
    withheld: bool,
) -> DisclosureRecord:
    names = sorted(set(names))
    basis = _check(recipient, model, names, purpose)
    return DisclosureRecord.objects.create(
        recipient=recipient,
        model=model,
        fields=names,
        rows=rows,
        purpose=purpose,
        legal_basis=basis,
        subject_user_id=subject.user_id,
        subject_email=_primary_email(subject),
        subject_label=subject.label[:200],
        withheld=withheld,
        reference=reference[:100],
        acting_user=acting_user,
    )


def disclose(
    *,
    recipient: str,
    subject: Subject,
    model: str,
    fields: dict[str, Any],
    purpose: str,
    reference: str,
    acting_user=None,
    withheld: bool = False,
) -> dict[str, Any]:
    """Check one payload against the map, ledger it, and return what may be sent.

    Raises DisclosureRefused (nothing written) on an unknown recipient or purpose, an
    undeclared model or field, or a personal field not declared for this recipient.
    """
    with transaction.atomic():
        _record(
            recipient=recipient,
            subject=subject,
            model=model,
            names=fields,
            rows=1,
            purpose=purpose,
            reference=reference,
            acting_user=acting_user,
            withheld=withheld,
        )
    return dict(fields)


def disclose_rows(
    *,
    recipient: str,
    subject: Subject,
    model: str,
    rows: list[dict[str, Any]],
    purpose: str,
    reference: str,
    acting_user=None,
    withheld: bool = False,
) -> list[dict[str, Any]]:
    """disclose() for many rows of one model (an export): one ledger row naming every field."""
    names = {name for row in rows for name in row}
    with transaction.atomic():
        _record(
            recipient=recipient,
            subject=subject,
            model=model,
            names=names,
            rows=len(rows),
            purpose=purpose,
            reference=reference,
            acting_user=acting_user,
            withheld=withheld,
        )
    return [dict(row) for row in rows]


def disclose_whole_shop(
    *, recipient: str, labels: Iterable[str], purpose: str, reference: str, acting_user
) -> list[DisclosureRecord]:
    """Ledger a transfer of every row of the given models (P23): one entry per model, naming
    all its declared fields. Only a standing recipient may receive the whole shop."""
    if recipient not in STANDING_RECIPIENTS:
        raise DisclosureRefused(f"{recipient!r} may not receive the whole shop.")
    everyone = Subject(user_id=None, emails=frozenset(), label="every customer")
    known = declarations()
    records = []
    with transaction.atomic():
        for label in sorted(labels):
            declaration = known.get(label)
            if declaration is None or not any(
                isinstance(spec, Personal) for spec in declaration.fields.values()
            ):
                continue  # nothing personal in it: not a disclosure
            record = _record(
                recipient=recipient,
                subject=everyone,
                model=label,
                names=declaration.fields,
                rows=0,
                purpose=purpose,
                reference=reference,
                acting_user=acting_user,
                withheld=False,
            )
            record.whole_shop = True
            record.save(update_fields=["whole_shop"])
            records.append(record)
    return records


def _subject_q(subject: Subject) -> Q:
    q = Q(pk__in=[])
    if subject.user_id is not None:
        q |= Q(subject_user_id=subject.user_id)
    if subject.emails:
        q |= Q(subject_email__in=sorted(subject.emails))
    return q


def _whole_shop_q(subject: Subject) -> Q:
    """A business transfer hands on everyone's data (P23): a customer with an account sees it
    in their ledger if it happened while they had one (its record for the account model)."""
    if subject.user_id is None:
        return Q(pk__in=[])
    joined = (
        get_user_model().objects.filter(pk=subject.user_id).values_list("date_joined", flat=True)
    )
    return Q(whole_shop=True, model=settings.AUTH_USER_MODEL, at__gte=Subquery(joined[:1]))


def records_for(subject: Subject, *, include_withheld: bool = False) -> QuerySet[DisclosureRecord]:
    """The ledger as the person sees it (X2): newest first. Entries a legal request bars from
    telling them are left out unless staff ask for them."""
    rows = DisclosureRecord.objects.filter(_subject_q(subject) | _whole_shop_q(subject))
    if not include_withheld:
        rows = rows.filter(withheld=False)
    return rows.order_by("-at", "-id")


def recipients_for(subject: Subject) -> list[str]:
    """Who has received this person's data (withheld entries included: a recipient told of a
    correction or erasure must be told whatever the person may see)."""
    return sorted(
        set(records_for(subject, include_withheld=True).values_list("recipient", flat=True))
    )


def record_recipient_notice(
    *, recipient: str, subject: Subject, reason: str, request_ref: str
) -> RecipientNotice:
    """Owe `recipient` a notice that this person's data was corrected or erased (GDPR art. 19),
    naming what it received by its references (order numbers), so staff can forward it.
    Idempotent per request, recipient and reason: a re-run request writes no second notice."""
    references = sorted(
        set(
            records_for(subject, include_withheld=True)
            .filter(recipient=recipient)
            .values_list("reference", flat=True)
        )
    )
    notice, _ = RecipientNotice.objects.get_or_create(
        recipient=recipient,
        reason=reason,
        request_ref=request_ref[:100],
        defaults={
            "references": references,
            "subject_user_id": subject.user_id,
            "subject_email": _primary_email(subject),
        },
    )
    return notice
