"""Support's scheduled work: a thin wrapper around the service (safe to run any time)."""

from celery import shared_task

from . import services


@shared_task
def purge_orphan_files() -> int:
    return services.purge_orphan_files()
