"""Rights requests (P20): filing, verifying, running, refusing and reminding.

A request is filed by a signed-in customer (verified at once: their verified addresses) or by
anyone from the public form (verified when the link mailed to the address is used). Access,
correction with the corrected values, stop-mail, restriction and disable then complete without
staff; an erasure waits until the requester confirms its preview (or staff run it from the
queue). Every change writes a RightsRequestEvent, and the requester gets mail at each step.

Running is split in short transactions on purpose: an erasure commits app by app
(erasure.erase_subject), recording each finished app in `steps_done`, so a run that fails
part-way is resumed from where it stopped.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from ..card_numbers import mask_card_numbers
from ..registry import holders
from ..subjects import Subject
from . import failures, hooks, links
from .models import (
    OPEN_STATUSES,
    VERIFIED_OPEN,
    EventAction,
    RequestKind,
    RequestStatus,
    RightsRequest,
    RightsRequestEvent,
)

logger = logging.getLogger(__name__)

# Kinds that complete without staff once verified (an erasure also needs the confirmation of
# its preview; a correction needs the corrected values).
SELF_SERVICE = {
    RequestKind.ACCESS,
    RequestKind.CORRECTION,
    RequestKind.STOP_MAIL,
    RequestKind.RESTRICTION,
    RequestKind.DISABLE,
}
CORRECTABLE = ("name", "phone")
# The request's own tables keep the requester's address as proof that the request was
# answered (data map): the scan after an erasure reports them apart.
OWN_TABLES = {RightsRequest._meta.db_table, RightsRequestEvent._meta.db_table}


class RightsError(Exception):
    """A refused step: the message says why, and nothing was changed."""


@dataclass(frozen=True)
class Filed:
    request: RightsRequest
    created: bool
    masked: bool = False


def target_days() -> int:
    return int(getattr(settings, "RIGHTS_REQUEST_TARGET_DAYS", 7))


def subject_of(request: RightsRequest) -> Subject:
    return Subject(
        user_id=request.account_id,
        emails=frozenset(e.lower() for e in request.emails),
        label=request.email,
    )


def private_storage() -> FileSystemStorage:
    """Exports live outside MEDIA_ROOT (never served by URL): PRIVATE_MEDIA_ROOT, or `private`
    next to MEDIA_ROOT; only the signed download link reads them."""
    root = (
        getattr(settings, "PRIVATE_MEDIA_ROOT", None)
        or Path(settings.MEDIA_ROOT).parent / "private"
    )
    return FileSystemStorage(location=str(root), base_url=None)


def _event(
    request: RightsRequest | None, action: str, acting_user: Any = None, note: str = ""
) -> RightsRequestEvent:
    return RightsRequestEvent.objects.create(
        request=request, action=action, acting_user=acting_user, note=note[:300]
    )


def _mail(request: RightsRequest, step: str, **context: Any) -> None:
    """Mail the requester about one step, once (the key is the request and the step)."""
    template = context.pop("template", "update")
    sensitive = context.pop("sensitive", False)
    hooks.mailer()(
        template=f"privacy/email/rights_{template}",
        to_email=request.email,
        context={
            "request": request,
            "step": step,
            "status_url": context.pop("status_url", _status_url(request)),
            **context,
        },
        idempotency_key=f"rights:{request.pk}:{step}",
        sensitive=sensitive,
    )


def _status_url(request: RightsRequest) -> str:
    # An erased customer has no account to sign in to: their request's page is the link.
    if request.user_id is not None and request.kind != RequestKind.ERASURE:
        from django.urls import reverse

        return f"{settings.SITE_URL}{reverse('accounts:privacy_request', args=[request.pk])}"
    return links.request_url(request.pk, request.verify_nonce)


# --- filing and verifying -------------------------------------------------------------------


def file_request(
    *,
    kind: str,
    email: str,
    user: Any = None,
    verified_emails: frozenset[str] | set[str] = frozenset(),
    details: str = "",
    corrections: dict[str, str] | None = None,
) -> Filed:
    """File a request. With `user` (signed in) it is verified at once and covers the account
    and `verified_emails`; without, a verification link is mailed to `email`.

    A second request of the same kind for the same address while one is open returns the
    open one (double submission): nothing new is written and no mail goes out.
    """
    if kind not in RequestKind.values:
        raise RightsError("Choose what you are asking for.")
    email = email.strip().lower()
    masked = mask_card_numbers(details.strip())
    corrections = {k: v.strip() for k, v in (corrections or {}).items() if k in CORRECTABLE}
    corrections = {k: mask_card_numbers(v).text for k, v in corrections.items() if v}
    existing = _open_request(kind, email, user)
    if existing is not None:
        return Filed(existing, created=False)
    now = timezone.now()
    try:
        with transaction.atomic():
            request = RightsRequest.objects.create(
                kind=kind,
                user=user,
                account_id=user.pk if user is not None else None,
                email=email,
                emails=sorted({e.lower() for e in verified_emails} | {email})
                if user is not None
                else [],
                status=RequestStatus.VERIFIED if user is not None else RequestStatus.RECEIVED,
                verified_at=now if user is not None else None,
                details=masked.text,
                corrections=corrections,
                received_at=now,
                due_at=now + timedelta(days=target_days()),
                verify_nonce=secrets.token_hex(16),
            )
            _event(request, EventAction.RECEIVED, user)
            if user is None:
                _mail(request, "verify", template="verify", sensitive=True)
                _event(request, EventAction.VERIFICATION_SENT)
            else:
                _mail(request, "received")
                _after_verification(request, acting_user=user)
    except IntegrityError:  # the same request, submitted twice at once
        existing = _open_request(kind, email, user)
        if existing is None:
            raise
        return Filed(existing, created=False)
    return Filed(request, created=True, masked=masked.changed)


def _open_request(kind: str, email: str, user: Any = None) -> RightsRequest | None:
    """The open request a new one repeats, if any. Anyone can file an unverified request for
    any address, so it never stands in for the owner's: a signed-in customer's repeat is one of
    their own or a verified one for the address (which then becomes theirs); a guest's repeat
    is a guest request for the address."""
    same = RightsRequest.objects.filter(kind=kind, email=email)
    if user is None:
        return same.filter(status__in=OPEN_STATUSES, user__isnull=True).first()
    found = (
        same.filter(status__in=OPEN_STATUSES, user=user).first()
        or same.filter(status__in=VERIFIED_OPEN).first()
    )
    if found is not None and found.user_id is None:
        RightsRequest.objects.filter(pk=found.pk).update(user=user, account_id=user.pk)
        found.user, found.account_id = user, user.pk
    return found


def request_from_link(token: str) -> RightsRequest:
    """The request a mailed link names. A forged or expired link is refused with an audit
    entry (on the request when the link is genuine but old) and discloses nothing."""
    try:
        link = links.read_request_token(token)
    except links.BadLink as refused:
        request = (
            RightsRequest.objects.filter(pk=refused.request_id).first()
            if refused.request_id
            else None
        )
        _event(request, EventAction.LINK_REFUSED, note=f"{refused.reason} link")
        raise
    request = RightsRequest.objects.filter(pk=link.request_id).first()
    if request is None or not secrets.compare_digest(request.verify_nonce, link.nonce):
        _event(request, EventAction.LINK_REFUSED, note="link for another request")
        raise links.BadLink("invalid")
    return request


def verify(*, request: RightsRequest) -> RightsRequest:
    """The requester used the link mailed to the address: the request now covers that
    address. Idempotent: a verified request is returned as it is."""
    with transaction.atomic():
        locked = RightsRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != RequestStatus.RECEIVED:
            return locked
        other = (
            RightsRequest.objects.filter(
                kind=locked.kind, email=locked.email, status__in=VERIFIED_OPEN
            )
            .exclude(pk=locked.pk)
            .first()
        )
        if other is not None:  # the owner already has this request under way
            locked.status = RequestStatus.REFUSED
            locked.refusal_reason = f"The same request is already under way ({other.pk})."
            locked.save(update_fields=["status", "refusal_reason"])
            _event(locked, EventAction.REFUSED, note=locked.refusal_reason)
            return locked
        locked.status = RequestStatus.VERIFIED
        locked.verified_at = timezone.now()
        locked.emails = [locked.email]
        locked.save(update_fields=["status", "verified_at", "emails"])
        _event(locked, EventAction.VERIFIED, note="address confirmed by the mailed link")
        _mail(locked, "verified")
        _after_verification(locked, acting_user=None)
    return locked


def _after_verification(request: RightsRequest, *, acting_user: Any) -> None:
    """Start what completes without staff; an erasure waits for its preview's confirmation."""
    if request.kind == RequestKind.ERASURE:
        _store_preview(request, acting_user)
    elif request.kind == RequestKind.CORRECTION and not request.corrections:
        return  # only a description of what is wrong: staff make the change
    elif request.kind in SELF_SERVICE:
        _schedule_run(request)


def _store_preview(request: RightsRequest, acting_user: Any) -> None:
    from ..erasure import preview_erasure

    request.preview = preview_erasure(subject_of(request))
    request.save(update_fields=["preview"])
    _event(request, EventAction.PREVIEWED, acting_user)


def refresh_preview(*, request: RightsRequest, acting_user: Any) -> RightsRequest:
    """Staff look at what an erasure would do now (the data may have changed since)."""
    if request.kind != RequestKind.ERASURE or not request.is_open:
        raise RightsError("Only an open erasure request has a preview.")
    with transaction.atomic():
        _store_preview(request, acting_user)
    return request


def _schedule_run(request: RightsRequest) -> None:
    from .tasks import run_rights_request

    pk = request.pk
    transaction.on_commit(lambda: run_rights_request.delay(pk))


def erasure_is_safe(request: RightsRequest) -> bool:
    """Whether an erasure may run without staff: never when it reaches a staff member's
    account (their name is on records the shop must keep); otherwise yes."""
    return not covered_accounts(request).filter(Q(is_staff=True) | Q(is_superuser=True)).exists()


def erasure_waits_for_staff(request: RightsRequest) -> bool:
    """A confirmed erasure that reaches a staff account and has not been run yet."""
    return (
        request.kind == RequestKind.ERASURE
        and request.status == RequestStatus.VERIFIED
        and request.confirmed_at is not None
        and not erasure_is_safe(request)
    )


def covered_accounts(request: RightsRequest):
    """The accounts a request reaches: its own, and any whose sign-in or verified address is
    one it covers (a guest's erasure of an address erases the account that holds it)."""
    emails = {e.lower() for e in (request.emails or [request.email]) if e}
    found = Q(email__in=emails) | Q(emailaddress__email__in=emails)
    if request.account_id is not None:
        found |= Q(pk=request.account_id)
    return get_user_model().objects.filter(found).distinct()


def confirm_erasure(*, request: RightsRequest, acting_user: Any = None) -> RightsRequest:
    """The requester saw the preview and confirmed. Runs at once where safe, otherwise waits
    in the staff queue. Idempotent."""
    with transaction.atomic():
        locked = RightsRequest.objects.select_for_update().get(pk=request.pk)
        if locked.kind != RequestKind.ERASURE or locked.status != RequestStatus.VERIFIED:
            raise RightsError("This request is not waiting for a confirmation.")
        if locked.confirmed_at is not None:
            return locked
        locked.confirmed_at = timezone.now()
        locked.save(update_fields=["confirmed_at"])
        safe = erasure_is_safe(locked)
        _event(
            locked,
            EventAction.CONFIRMED,
            acting_user,
            "" if safe else "queued for staff: a staff account",
        )
        if safe:
            _schedule_run(locked)
        else:
            _mail(locked, "queued")
    return locked


# --- staff ----------------------------------------------------------------------------------


def assign(*, request: RightsRequest, assignee: Any, acting_user: Any) -> RightsRequest:
    with transaction.atomic():
        locked = RightsRequest.objects.select_for_update().get(pk=request.pk)
        if not locked.is_open:
            raise RightsError("This request is closed.")
        if locked.assignee_id == getattr(assignee, "pk", None):
            return locked
        locked.assignee = assignee
        locked.save(update_fields=["assignee"])
        _event(locked, EventAction.ASSIGNED, acting_user, str(assignee or "nobody"))
    return locked


def refuse(*, request: RightsRequest, reason: str, acting_user: Any) -> RightsRequest:
    """Refuse with a reason the requester is told. A closed request cannot be refused."""
    reason = mask_card_numbers(reason.strip()).text
    if not reason:
        raise RightsError("Give the reason the requester will be told.")
    with transaction.atomic():
        locked = RightsRequest.objects.select_for_update().get(pk=request.pk)
        if not locked.is_open:
            raise RightsError("This request is closed.")
        locked.status = RequestStatus.REFUSED
        locked.refusal_reason = reason[:1000]
        locked.completed_at = timezone.now()
        locked.save(update_fields=["status", "refusal_reason", "completed_at"])
        _event(locked, EventAction.REFUSED, acting_user, reason)
        _mail(locked, "refused")
    return locked


def complete_by_hand(*, request: RightsRequest, note: str, acting_user: Any) -> RightsRequest:
    """Staff did what was asked themselves (a correction described in words)."""
    note = note.strip()
    if not note:
        raise RightsError("Say what was done.")
    with transaction.atomic():
        locked = RightsRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status not in (RequestStatus.VERIFIED, RequestStatus.IN_PROGRESS):
            raise RightsError("Only a verified, open request can be completed.")
        if locked.kind == RequestKind.CORRECTION:
            _tell_recipients(locked, "corrected", acting_user)
        _finish(locked, acting_user, {"note": note})
    return locked


# --- running --------------------------------------------------------------------------------


def run_request(*, request_id: int, acting_user: Any = None) -> RightsRequest:
    """Carry out a verified request. A closed request is returned unchanged; one that failed
    part-way resumes from its recorded steps. Raises RightsError when it may not run."""
    with transaction.atomic():
        request = RightsRequest.objects.select_for_update().get(pk=request_id)
        if not request.is_open:
            return request
        if request.status == RequestStatus.RECEIVED:
            raise RightsError("The request is not verified yet.")
        if (
            request.kind == RequestKind.ERASURE
            and request.confirmed_at is None
            and acting_user is None
            and request.status != RequestStatus.IN_PROGRESS  # started by staff: a retry
        ):
            raise RightsError("The erasure waits for the requester to confirm its preview.")
        if request.status != RequestStatus.IN_PROGRESS:
            request.status = RequestStatus.IN_PROGRESS
            request.save(update_fields=["status"])
            _event(request, EventAction.STARTED, acting_user)
            _mail(request, "in_progress")
    try:
        with _one_run_at_a_time(request.pk):
            result = RUNNERS[request.kind](request, acting_user)
    except RightsError as refused:
        _event(request, EventAction.FAILED, acting_user, str(refused))
        raise
    except Exception as error:
        # Left in progress, marked failed for staff and retried later: a re-run resumes from
        # the steps recorded so far (6b).
        failures.record_failure(request_id=request.pk, error=error, acting_user=acting_user)
        logger.exception("Rights request %s failed", request.pk)
        raise
    with transaction.atomic():
        locked = RightsRequest.objects.select_for_update().get(pk=request.pk)
        for field in ("steps_done", "scan_result", "recipients_told", "export_file"):
            setattr(locked, field, getattr(request, field))
        _finish(locked, acting_user, result)
    return locked


@contextmanager
def _one_run_at_a_time(request_id: int):
    """The beat task and a staff member's "run" may start the same request together: the
    second is refused rather than doing the work twice (two exports, two erasures). A
    PostgreSQL session lock, released when the run ends; SQLite runs one writer anyway."""
    if connection.vendor != "postgresql":
        yield
        return
    key = f"rights-request-run:{request_id}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [key])
        (locked,) = cursor.fetchone()
    if not locked:
        raise RightsError("This request is being carried out already.")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [key])


def record_refused_attempt(*, request_id: int, acting_user: Any, note: str) -> None:
    """A staff member without the permission tried to act on a request: nothing happens, and
    the attempt is on the request's trail."""
    found = RightsRequest.objects.filter(pk=request_id).first()
    _event(found, EventAction.REFUSED_ATTEMPT, acting_user, note)


def _finish(request: RightsRequest, acting_user: Any, result: dict[str, Any]) -> None:
    failures.clear_failure(request)
    request.status = RequestStatus.DONE
    request.completed_at = timezone.now()
    request.result = result
    request.save()
    _event(request, EventAction.DONE, acting_user)
    extra: dict[str, Any] = {}
    if request.kind == RequestKind.ACCESS and request.export_file:
        extra = {
            "template": "export",
            "sensitive": True,
            "export_url": links.export_url(request.pk, request.verify_nonce),
            "link_days": settings.RIGHTS_EXPORT_LINK_DAYS,
        }
    _mail(request, "done", **extra)


def _run_access(request: RightsRequest, acting_user: Any) -> dict[str, Any]:
    from ..export import build_export_zip

    data = build_export_zip(subject_of(request))
    storage = private_storage()
    name = storage.save(f"rights/{request.pk}-{uuid.uuid4().hex}.zip", ContentFile(data))
    if request.export_file and request.export_file != name:  # a re-run replaces the old copy
        storage.delete(request.export_file)
    request.export_file = name
    return {"bytes": len(data)}


def _run_correction(request: RightsRequest, acting_user: Any) -> dict[str, Any]:
    if not request.corrections:
        raise RightsError("Nothing to apply: make the change by hand, then complete it.")
    subject = subject_of(request)
    changed = 0
    for holder in holders():
        if holder.correct is not None:
            with transaction.atomic():
                changed += holder.correct(subject, dict(request.corrections))
    if not changed:  # nothing valid to apply (or nobody to apply it to): staff decide
        raise RightsError(
            "Nothing could be corrected automatically; staff will make the change by hand."
        )
    _tell_recipients(request, "corrected", acting_user)
    return {"rows_changed": changed}


def _run_action(request: RightsRequest, acting_user: Any) -> dict[str, Any]:
    action = hooks.action_for(request.kind)
    if action is None:
        raise RightsError("This kind of request cannot be carried out here.")
    with transaction.atomic():
        note = action(subject_of(request), request, acting_user)
    return {"note": note}


def _run_erasure(request: RightsRequest, acting_user: Any) -> dict[str, Any]:
    from ..erasure import erase_subject
    from ..export import export_subject
    from ..scan import identifying_values, scan_for

    subject = subject_of(request)
    # What to look for afterwards: read before it is gone (on a re-run, what is left).
    values = identifying_values(export_subject(subject)) | set(subject.emails)

    def on_step(app_label: str, counts: dict[str, dict[str, int]]) -> None:
        request.steps_done = sorted({*request.steps_done, app_label})
        RightsRequest.objects.filter(pk=request.pk).update(steps_done=request.steps_done)
        _event(request, EventAction.STEP_DONE, acting_user, app_label)

    # Recipients are read from the ledger before the ledger's own entries are erased (6a).
    _tell_recipients(request, "erased", acting_user)
    results = erase_subject(subject, done=set(request.steps_done), on_step=on_step)
    hits = scan_for(values)
    request.scan_result = {
        "at": timezone.now().isoformat(),
        "values": len(values),
        "hits": [
            {"table": h.table, "column": h.column, "count": h.count}
            for h in hits
            if h.table not in OWN_TABLES
        ],
        "kept_as_proof": sorted({h.table for h in hits if h.table in OWN_TABLES}),
    }
    return {"erased": results}


RUNNERS = {
    RequestKind.ACCESS: _run_access,
    RequestKind.CORRECTION: _run_correction,
    RequestKind.STOP_MAIL: _run_action,
    RequestKind.RESTRICTION: _run_action,
    RequestKind.DISABLE: _run_action,
    RequestKind.ERASURE: _run_erasure,
}


def _tell_recipients(request: RightsRequest, reason: str, acting_user: Any) -> None:
    """GDPR art. 19 (6a): every recipient the ledger says received this subject's data gets a
    notice (for the built-in ones a recorded notice staff forward); the request lists them."""
    try:
        from .. import disclosures
    except ImportError:  # the ledger is not installed: nobody to tell
        return
    subject = subject_of(request)
    told = list(request.recipients_told)  # a re-run keeps those already told
    for recipient in disclosures.recipients_for(subject):
        disclosures.record_recipient_notice(
            recipient=recipient,
            subject=subject,
            reason=reason,
            request_ref=f"rights request {request.pk}",
        )
        told.append(recipient)
    request.recipients_told = sorted(set(told))
    RightsRequest.objects.filter(pk=request.pk).update(recipients_told=request.recipients_told)
    if told:
        _event(
            request, EventAction.RECIPIENTS_TOLD, acting_user, ", ".join(request.recipients_told)
        )


# --- export download ------------------------------------------------------------------------


def export_for_link(token: str) -> tuple[RightsRequest, bytes]:
    """The ZIP a download link names. Forged or expired links are refused and recorded."""
    try:
        link = links.read_export_token(token)
    except links.BadLink as refused:
        found = (
            RightsRequest.objects.filter(pk=refused.request_id).first()
            if refused.request_id
            else None
        )
        _event(found, EventAction.LINK_REFUSED, note=f"{refused.reason} download link")
        raise
    request = RightsRequest.objects.filter(pk=link.request_id, kind=RequestKind.ACCESS).first()
    if request is None or not secrets.compare_digest(request.verify_nonce, link.nonce):
        _event(request, EventAction.LINK_REFUSED, note="download link for another request")
        raise links.BadLink("invalid")
    if not request.export_file:
        raise links.BadLink("missing")
    try:
        with private_storage().open(request.export_file, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise links.BadLink("missing") from None
    _event(request, EventAction.DOWNLOADED)
    return request, data


def remove_expired_exports(*, now=None) -> int:
    """Delete the ZIP of every access request whose download link has expired: the copy of
    everything we hold about someone should not outlive the link that gives it to them.
    Returns how many files were removed; safe to repeat."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.RIGHTS_EXPORT_LINK_DAYS)
    removed = 0
    stale = RightsRequest.objects.filter(completed_at__lt=cutoff).exclude(export_file="")
    for request in stale.only("pk", "export_file"):
        private_storage().delete(request.export_file)  # no error if already gone
        RightsRequest.objects.filter(pk=request.pk).update(export_file="")
        _event(request, EventAction.EXPORT_REMOVED, note="the download link had expired")
        removed += 1
    return removed


def expire_unverified(*, now=None) -> int:
    """Close every request whose verification link has expired unused: nobody showed they
    hold the address, and it should not sit in the queue or stand in anyone's way."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.RIGHTS_REQUEST_LINK_DAYS)
    reason = "The address was not confirmed before the link expired."
    expired = 0
    for request in RightsRequest.objects.filter(
        status=RequestStatus.RECEIVED, received_at__lt=cutoff
    ):
        RightsRequest.objects.filter(pk=request.pk, status=RequestStatus.RECEIVED).update(
            status=RequestStatus.REFUSED, refusal_reason=reason
        )
        _event(request, EventAction.REFUSED, note=reason)
        expired += 1
    return expired


# --- reminders ------------------------------------------------------------------------------

REMIND_WITHIN = timedelta(days=2)
REMIND_EVERY = timedelta(hours=20)


def privacy_officers() -> list[Any]:
    """Active staff who may work requests (the permission directly or through a group)."""
    perm = Permission.objects.filter(
        codename="work_rightsrequest", content_type__app_label="privacy"
    ).first()
    users = get_user_model().objects.filter(is_active=True, is_staff=True)
    return list(
        users.filter(Q(user_permissions=perm) | Q(groups__permissions=perm)).distinct()
        if perm
        else users.none()
    )


def send_reminders(*, now=None) -> int:
    """Mail the assignee (or, with none, every privacy officer) about each open request due
    within two days or overdue; at most once a day per request. Returns requests reminded."""
    now = now or timezone.now()
    due = list(
        RightsRequest.objects.filter(status__in=VERIFIED_OPEN, due_at__lte=now + REMIND_WITHIN)
        .filter(Q(last_reminded_at__isnull=True) | Q(last_reminded_at__lte=now - REMIND_EVERY))
        .select_related("assignee")
    )
    officers: list[Any] | None = None
    reminded = 0
    for request in due:
        if request.assignee is not None and request.assignee.is_active:
            to = [request.assignee]
        else:
            officers = privacy_officers() if officers is None else officers
            to = officers
        if not to:
            continue
        with transaction.atomic():
            for staff in to:
                hooks.mailer()(
                    template="privacy/email/rights_reminder",
                    to_email=staff.email,
                    context={"request": request, "overdue": request.due_at <= now},
                    idempotency_key=f"rights:{request.pk}:remind:{staff.pk}:{now:%Y%m%d%H}",
                )
            RightsRequest.objects.filter(pk=request.pk).update(last_reminded_at=now)
            _event(request, EventAction.REMINDED, note=", ".join(str(s.pk) for s in to))
        reminded += 1
    return reminded
