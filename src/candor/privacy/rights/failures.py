"""A run of a rights request that fails is seen at once and tried again (P20).

An erasure that stops part-way must not sit "in progress" unnoticed while the person's data
stays. When a run raises, `record_failure` marks the request (failed_at, what it hit, how
many runs failed, when it is tried again), writes the "failed" event and, on the first
failure of a series, mails the assignee or every privacy officer; all in one transaction.
The beat entry "rights-retry-failed" runs `retry_due` every few minutes: each failed request
whose time has come is run again, resuming from its recorded steps, after 10 minutes, then
20, 40… and at most a day apart, until a run succeeds (which clears the mark). Staff can also
retry at once from the queue ("Re-run from where it stopped").

What is stored about the failure is the exception's class and the step it stopped at, never
its message, which may quote the very data being erased.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from . import hooks
from .models import EventAction, RequestStatus, RightsRequest, RightsRequestEvent

logger = logging.getLogger(__name__)

FIRST_RETRY = timedelta(minutes=10)
LONGEST_WAIT = timedelta(days=1)


def next_retry(failed_runs: int, *, now: datetime) -> datetime:
    """10 minutes after the first failure, doubling after each further one, capped at a day."""
    wait = FIRST_RETRY * (2 ** min(max(failed_runs - 1, 0), 16))
    return now + min(wait, LONGEST_WAIT)


def describe(request: RightsRequest, error: BaseException) -> str:
    step = ""
    if request.kind == "erasure":
        from ..registry import holders

        pending = [h.app_label for h in holders() if h.app_label not in request.steps_done]
        step = f" while erasing {pending[0]}" if pending else ""
    return f"{type(error).__name__}{step}"[:200]


def record_failure(*, request_id: int, error: BaseException, acting_user: Any = None) -> None:
    """Mark the request failed, audited, and tell staff on the first failure of a series."""
    from .services import privacy_officers

    now = timezone.now()
    with transaction.atomic():
        request = RightsRequest.objects.select_for_update().get(pk=request_id)
        request.failed_runs += 1
        request.failed_at = now
        request.failure = describe(request, error)
        request.retry_at = next_retry(request.failed_runs, now=now)
        request.save(update_fields=["failed_runs", "failed_at", "failure", "retry_at"])
        RightsRequestEvent.objects.create(
            request=request,
            action=EventAction.FAILED,
            acting_user=acting_user,
            note=f"{request.failure}; retried after {request.retry_at:%Y-%m-%d %H:%M}"[:300],
        )
        if request.failed_runs == 1:
            staff = (
                [request.assignee]
                if request.assignee is not None and request.assignee.is_active
                else privacy_officers()
            )
            for member in staff:
                hooks.mailer()(
                    template="privacy/email/rights_failed",
                    to_email=member.email,
                    context={"request": request},
                    idempotency_key=f"rights:{request.pk}:failed:{now:%Y%m%d%H%M%S}:{member.pk}",
                )


def clear_failure(request: RightsRequest) -> None:
    """On the request about to be saved as done: the failure mark goes (the events keep it)."""
    request.failed_at = None
    request.failure = ""
    request.retry_at = None


def retry_due(*, now: datetime | None = None) -> int:
    """Run again every failed, still open request whose retry time has come; returns how many
    were tried. A run that fails again is recorded again, with a longer wait."""
    from .services import RightsError, run_request

    now = now or timezone.now()
    due = list(
        RightsRequest.objects.filter(
            status=RequestStatus.IN_PROGRESS, failed_at__isnull=False, retry_at__lte=now
        ).values_list("pk", flat=True)
    )
    for pk in due:
        RightsRequestEvent.objects.create(request_id=pk, action=EventAction.RETRIED)
        try:
            run_request(request_id=pk)
        except RightsError as refused:  # e.g. being run by someone else right now
            logger.info("Rights request %s not retried: %s", pk, refused)
        except Exception:  # recorded on the request by run_request, with its next retry
            logger.exception("Rights request %s failed again", pk)
    return len(due)
