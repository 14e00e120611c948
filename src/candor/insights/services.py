"""Adding counted views to the daily totals (P11), and refreshing what product pages suggest
from aggregate counts (P18)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from candor.catalog.services import replace_suggestions
from candor.privacy.request_logs import without_waiting_for_disk

from . import rankings
from .models import PageViewDay

# Rows per INSERT statement; a flush normally holds far fewer.
ROWS_PER_STATEMENT = 500


def record_views(*, counts: Mapping[tuple[str, date], int]) -> int:
    """Add `counts` ({(path, day): views}) to the stored totals; returns the views added.

    One `INSERT … ON CONFLICT (path, day) DO UPDATE SET views = views + excluded.views` per
    500 pages (PostgreSQL and SQLite both have it): the database adds to whatever total is
    there when the statement runs, so two processes flushing the same page and day both count,
    and neither reads a total it then overwrites. Rows go in (path, day) order so that two
    flushes lock shared rows in the same order and cannot deadlock. Committed without waiting
    for PostgreSQL's fsync (see request_logs.without_waiting_for_disk).
    """
    items = sorted((key, n) for key, n in counts.items() if n > 0)
    if not items:
        return 0
    table = connection.ops.quote_name(PageViewDay._meta.db_table)
    path_, day_, views = (connection.ops.quote_name(c) for c in ("path", "day", "views"))
    with transaction.atomic(), connection.cursor() as cursor:
        without_waiting_for_disk()
        for start in range(0, len(items), ROWS_PER_STATEMENT):
            chunk = items[start : start + ROWS_PER_STATEMENT]
            placeholders = ", ".join(["(%s, %s, %s)"] * len(chunk))
            params: list[object] = []
            for (path, day), n in chunk:
                params += [path, connection.ops.adapt_datefield_value(day), n]
            cursor.execute(
                f"INSERT INTO {table} ({path_}, {day_}, {views}) VALUES {placeholders} "
                f"ON CONFLICT ({path_}, {day_}) DO UPDATE "
                f"SET {views} = {table}.{views} + EXCLUDED.{views}",
                params,
            )
    return sum(n for _, n in items)


def refresh_product_rankings(*, today: date | None = None) -> int:
    """Work out "often bought together" and "popular in this category" for every product from
    the last SUGGESTION_DAYS days and store them for the product pages (cached pages are
    retired when anything changed). Returns the suggestions stored. Run by Celery beat."""
    found = rankings.compute(
        today=today or timezone.localdate(),
        days=settings.SUGGESTION_DAYS,
        min_customers=settings.SUGGESTION_MIN_CUSTOMERS,
    )
    return replace_suggestions(
        together=found.together, popular=found.popular, per_product=rankings.PER_PRODUCT
    )
