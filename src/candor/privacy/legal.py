"""Law-enforcement requests (P17): staff record them, the privacy officer decides.

Recording needs `privacy.record_legal_request`; approving, refusing and marking handed over need
`privacy.decide_legal_request`. Every attempt without the permission, on a request that is not
in the right state, or naming no request at all, is refused with LegalRequestRefused and leaves
an audit event (LegalRequestEvent) and nothing else. An approval produces the person's export
(export.export_subject) through disclosures.disclose_rows with recipient law_enforcement, stores
it in private storage, and tells the customer by mail unless the request bars it; a barred
request's ledger entries are withheld from the customer's view of the ledger.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from .datamap import declaration_for
from .disclosures import disclose_rows
from .ledger_models import LegalDocument, LegalRequest, LegalRequestEvent, LegalStatus
from .subjects import Subject

RECORD = "privacy.record_legal_request"
DECIDE = "privacy.decide_legal_request"

# Sends one transactional mail: notifier(template=, to_email=, context=, idempotency_key=).
# messaging registers it at start-up, so privacy imports no app above it.
Notifier = Callable[..., Any]
_notifiers: list[Notifier] = []


def register_notifier(notifier: Notifier) -> None:
    if notifier not in _notifiers:
        _notifiers.append(notifier)


class LegalRequestRefused(Exception):
    """Not allowed or not possible; an audit event says who tried what."""


def _audit(legal_request: LegalRequest | None, actor, action: str, note: str = "") -> None:
    LegalRequestEvent.objects.create(
        legal_request=legal_request,
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        note=note,
    )


def _refuse(legal_request: LegalRequest | None, actor, what: str, why: str):
    # Its own transaction: the refusal is recorded even when the caller's work rolls back.
    with transaction.atomic():
        _audit(legal_request, actor, f"refused {what}", why)
    raise LegalRequestRefused(why)


def _allowed(user, permission: str) -> bool:
    return bool(user is not None and user.is_active and user.is_staff and user.has_perm(permission))


def subject_of(legal_request: LegalRequest) -> Subject:
    return Subject(
        user_id=legal_request.subject_user_id,
        emails=frozenset({legal_request.subject_email.lower()}),
        label=legal_request.subject_email,
    )


def record_legal_request(
    *,
    authority: str,
    instrument: str,
    scope: str,
    subject_email: str,
    subject_user_id: int | None = None,
    customer_notice_barred: bool = False,
    documents: Iterable[Any] = (),
    acting_user,
) -> LegalRequest:
    if not _allowed(acting_user, RECORD):
        _refuse(None, acting_user, "recording", "You may not record legal requests.")
    with transaction.atomic():
        legal_request = LegalRequest.objects.create(
            authority=authority,
            instrument=instrument,
            scope=scope,
            subject_email=subject_email.strip().lower(),
            subject_user_id=subject_user_id,
            customer_notice_barred=customer_notice_barred,
            recorded_by=acting_user,
        )
        for upload in documents:
            LegalDocument.objects.create(legal_request=legal_request, file=upload)
        _audit(legal_request, acting_user, "recorded", instrument)
    return legal_request


class _Refusal(Exception):
    def __init__(self, legal_request: LegalRequest | None, why: str) -> None:
        super().__init__(why)
        self.legal_request, self.why = legal_request, why


@contextmanager
def _deciding(request_id: int, actor, what: str, status: str) -> Iterator[LegalRequest]:
    """The request, locked, in a transaction; refused (and audited after the rollback) without
    the officer's permission, for an unknown id, or from the wrong state."""
    if not _allowed(actor, DECIDE):
        target = LegalRequest.objects.filter(pk=request_id).first()
        _refuse(target, actor, what, "Only the privacy officer may decide legal requests.")
    try:
        with transaction.atomic():
            legal_request = LegalRequest.objects.select_for_update().filter(pk=request_id).first()
            if legal_request is None:
                raise _Refusal(None, f"There is no legal request LR-{request_id}.")
            if legal_request.status != status:
                raise _Refusal(
                    legal_request,
                    f"LR-{request_id} is {legal_request.get_status_display()}; "
                    f"it cannot be {what}.",
                )
            yield legal_request
    except _Refusal as refusal:
        _refuse(refusal.legal_request, actor, what, refusal.why)


def _declared_rows(label: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Only the fields the data map declares for the model (exporters may add keys such as
    an id or a readable summary, which are not data the map covers)."""
    declaration = declaration_for(label)
    if declaration is None:
        return []
    return [{k: v for k, v in row.items() if k in declaration.fields} for row in rows]


def _export(legal_request: LegalRequest, actor) -> bytes:
    from .export import export_subject

    subject = subject_of(legal_request)
    sent: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for app_label, models in export_subject(subject).items():
        for label, rows in (models or {}).items():
            kept = [row for row in _declared_rows(label, rows) if row]
            if not kept:
                continue
            sent.setdefault(app_label, {})[label] = disclose_rows(
                recipient="law_enforcement",
                subject=subject,
                model=label,
                rows=kept,
                purpose="legal_obligation",
                reference=legal_request.reference,
                acting_user=actor,
                withheld=legal_request.customer_notice_barred,
            )
    document = {
        "request": legal_request.reference,
        "authority": legal_request.authority,
        "instrument": legal_request.instrument,
        "subject": legal_request.subject_email,
        "data": sent,
    }
    return json.dumps(document, cls=DjangoJSONEncoder, indent=2, sort_keys=True).encode()


def approve_legal_request(*, request_id: int, reason: str, acting_user) -> LegalRequest:
    """Approve, produce the ledgered export, and tell the customer unless barred."""
    with _deciding(request_id, acting_user, "approved", LegalStatus.RECEIVED) as legal_request:
        content = _export(legal_request, acting_user)
        legal_request.export.save(
            f"{legal_request.reference}.json", ContentFile(content), save=False
        )
        legal_request.status = LegalStatus.APPROVED
        legal_request.decided_by = acting_user
        legal_request.decided_at = timezone.now()
        legal_request.reason = reason
        legal_request.save()
        _audit(legal_request, acting_user, "approved", reason)
        if legal_request.customer_notice_barred:
            _audit(legal_request, acting_user, "customer not told", "the request bars it")
        else:
            for notify in _notifiers:
                notify(
                    template="privacy/email/legal_disclosure",
                    to_email=legal_request.subject_email,
                    context={
                        "authority": legal_request.authority,
                        "instrument": legal_request.instrument,
                        "scope": legal_request.scope,
                        "decided_at": legal_request.decided_at,
                    },
                    idempotency_key=f"legal:{legal_request.pk}:told",
                )
            _audit(legal_request, acting_user, "customer told", legal_request.subject_email)
    return legal_request


def refuse_legal_request(*, request_id: int, reason: str, acting_user) -> LegalRequest:
    if not reason.strip():
        raise LegalRequestRefused("Say why the request is refused.")
    with _deciding(request_id, acting_user, "refused", LegalStatus.RECEIVED) as legal_request:
        legal_request.status = LegalStatus.REFUSED
        legal_request.decided_by = acting_user
        legal_request.decided_at = timezone.now()
        legal_request.reason = reason
        legal_request.save()
        _audit(legal_request, acting_user, "refused", reason)
    return legal_request


def complete_legal_request(*, request_id: int, note: str = "", acting_user) -> LegalRequest:
    """Record that the export was handed to the authority."""
    with _deciding(request_id, acting_user, "completed", LegalStatus.APPROVED) as legal_request:
        legal_request.status = LegalStatus.COMPLETED
        legal_request.save(update_fields=["status"])
        _audit(legal_request, acting_user, "completed", note)
    return legal_request


def audit_download(legal_request: LegalRequest, actor, what: str) -> None:
    """Every download of a document or export is on the request's trail."""
    _audit(legal_request, actor, "downloaded", what)
