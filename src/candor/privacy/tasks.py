"""Thin Celery wrappers around the privacy services; safe to retry."""

from typing import Any

from celery import shared_task
from django.core.management import call_command

from . import retention
from .rights.tasks import run_rights_request, send_rights_reminders  # noqa: F401  (registered)


@shared_task(ignore_result=True)
def apply_retention() -> dict[str, Any]:
    """Daily (beat entry "apply-retention"): shorten and delete what the data map says is due.
    Idempotent, so a retry or a missed day does no harm. Returns the counts per model and the
    steps it left to the apps' erasers (pseudonymize)."""
    return retention.apply_retention().as_dict()


@shared_task(ignore_result=True)
def clear_expired_sessions() -> None:
    """Daily (beat entry "clear-expired-sessions"): remove session rows past their expiry, as
    the data map declares for sessions.Session; Django refuses them already, this deletes them."""
    call_command("clearsessions")
