"""Celery wrappers for rights requests; idempotent (a closed request is left as it is)."""

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def run_rights_request(request_id: int) -> None:
    """Carry out a verified request (scheduled on commit of its verification or confirmation).
    A failure leaves it in progress, recorded, for a re-run from the queue."""
    from .services import RightsError, run_request

    try:
        run_request(request_id=request_id)
    except RightsError as refused:
        logger.info("Rights request %s not run: %s", request_id, refused)
    except Exception:  # marked failed on the request by run_request; retried by beat
        logger.exception("Rights request %s failed", request_id)


@shared_task(ignore_result=True)
def send_rights_reminders() -> int:
    """Beat entry "rights-request-reminders": requests due within two days or overdue."""
    from .services import send_reminders

    return send_reminders()


@shared_task(ignore_result=True)
def housekeeping() -> tuple[int, int]:
    """Beat entry "rights-housekeeping": export files whose download link has expired, and
    requests whose verification link expired unused."""
    from .services import expire_unverified, remove_expired_exports

    return remove_expired_exports(), expire_unverified()


@shared_task(ignore_result=True)
def retry_failed_rights_requests() -> int:
    """Beat entry "rights-retry-failed": failed runs whose backoff has passed."""
    from .failures import retry_due

    return retry_due()
