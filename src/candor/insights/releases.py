"""Which partner-report periods have left the shop, so no two overlap (P18).

Each report withholds every figure describing fewer than k customers, and whatever would let
one be worked out from its own totals. Two reports for overlapping periods (1–30 January and
1–31 January) would undo that: their difference is one day's figures, however few people they
describe. So releasing a period (downloading its CSV for a partner) is recorded, and a period
that partly overlaps one already released is refused; the same period may be downloaded again.
Staff may look at any period in the back office: they see the orders themselves anyway.
"""

from __future__ import annotations

from datetime import date

from django.db import connection, transaction

from .models import ReportRelease


class ReleaseRefused(Exception):
    pass


def overlapping(first_day: date, last_day: date):
    return ReportRelease.objects.filter(first_day__lte=last_day, last_day__gte=first_day).exclude(
        first_day=first_day, last_day=last_day
    )


def release(*, first_day: date, last_day: date, acting_user) -> ReportRelease:
    """Record that this period's report leaves the shop, or raise ReleaseRefused."""
    with transaction.atomic():
        if connection.vendor == "postgresql":  # one release decision at a time
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext('partner-report-release'))")
        clash = overlapping(first_day, last_day).order_by("first_day").first()
        if clash is not None:
            raise ReleaseRefused(
                f"This period overlaps the report already released for {clash}: partners "
                "could subtract one from the other and learn about fewer customers than "
                "either report may describe. Choose a period that does not overlap it."
            )
        found, _created = ReportRelease.objects.get_or_create(
            first_day=first_day, last_day=last_day, defaults={"released_by": acting_user}
        )
        return found


def released_periods() -> list[ReportRelease]:
    return list(ReportRelease.objects.order_by("-first_day")[:24])
