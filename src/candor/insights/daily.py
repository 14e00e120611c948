"""Daily aggregates for the partner reports (P18): the report's own GROUP BYs, stored per day.

A year's report spends most of its time joining a year of order lines to their orders. The
figures of one local day, though, only change when one of its orders changes. So
`refresh_daily_aggregates` (Celery beat, hourly) stores, per day, exactly what the report's
queries give over that day: per (country, category) the items, revenue, lines and customer
sketch (SalesDay), and per (country, band of order total) the orders and sketch (OrdersDay),
with the same `counting.counted` filter and the same `people.customers` sketch. Sums add up
and sketches OR together across days, so a period's figures and bounds from stored days are
the same numbers the live queries give (insights.people); figures in doubt are still counted
exactly from the orders.

A report uses a stored day only when it is fresh (`stored`):
- the aggregates were counted through that day, under the current restricted customers,
  variant categories, bands and time zone (AggregateState.digest);
- no order of that day has changed status since (every change, and every new order, writes
  an OrderStatusChange; days of those after the last one seen are counted live).
Every other day of the period is counted live, with the report's existing queries. Erasing a
customer's address from their orders (P20) changes neither country, category nor amounts, so
no day is counted again; their orders keep the sketch bit they had, as the same customer.

PostgreSQL only: elsewhere people are counted exactly per figure, which does not add up
across days, so the report always counts live there and the refresh does nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import reduce
from operator import or_

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from candor.catalog.models import Product, Variant
from candor.orders.models import Order, OrderLine, OrderStatusChange

from .counting import Restricted, counted, day_bounds, restricted_customers
from .models import AggregateState, OrdersDay, SalesDay
from .people import customers, sketch_union, sketching

# Days per transaction when counting again.
BATCH_DAYS = 31
# Status changes younger than this at a refresh are looked at again by the next one: a change
# whose transaction was still open then may hold a lower id than ones already seen.
SETTLE = timedelta(minutes=10)
# pg_try_advisory_lock key: one refresh at a time.
LOCK_KEY = 0x43414E44_4441494C  # "CANDDAIL"
STATE_PK = 1

COUNTRY, CATEGORY = "order__shipping_country", "variant__product__category"
# In the order the refresh's queries select them.
SALES_COLUMNS = ("day", "country", "category_id", "items", "revenue", "lines", "sketch")


def _tz():
    return timezone.get_current_timezone()


def digest(restricted: Restricted) -> str:
    """Fingerprint of what, besides the orders, decides a day's stored figures."""
    variant, product = Variant._meta, Product._meta
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT md5(string_agg(v.{variant.pk.column}::text || ':' || "
            f"coalesce(p.category_id::text, ''), ',' ORDER BY v.{variant.pk.column})) "
            f"FROM {variant.db_table} v JOIN {product.db_table} p "
            f"ON p.{product.pk.column} = v.product_id"
        )
        categories = cursor.fetchone()[0] or ""
    facts = (
        restricted.user_ids,
        restricted.addresses,
        tuple(str(limit) for limit in settings.PARTNER_REPORT_ORDER_BANDS),
        settings.TIME_ZONE,
        categories,
    )
    return hashlib.sha256(repr(facts).encode()).hexdigest()


def runs(days: Iterable[date], *, longest: int | None = None) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) runs, each at most `longest` days."""
    found: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if found:
            first, last = found[-1]
            if day == last + timedelta(days=1) and (
                longest is None or (day - first).days < longest
            ):
                found[-1] = (first, day)
                continue
        found.append((day, day))
    return found


def within(periods: list[tuple[date, date]], order: str = "") -> Q:
    """Rows whose order was placed on one of the days of `periods` (local days)."""
    ranges = []
    for first, last in periods:
        since, until = day_bounds(first, last)
        ranges.append(Q(**{f"{order}created_at__gte": since, f"{order}created_at__lt": until}))
    return reduce(or_, ranges, Q(pk__in=[]))


def _days(first: date, last: date) -> Iterator[date]:
    for i in range((last - first).days + 1):
        yield first + timedelta(days=i)


# --- Reading: what a report may take from the stored days ------------------------------------


@dataclass
class Stored:
    """What a report takes from the stored days: the rows as the live queries give them."""

    through: date | None = None  # the aggregates hold days up to this one (None: not used)
    sales: list[tuple] = field(default_factory=list)  # (country, category, items, revenue, n, bits)
    orders: list[tuple] = field(default_factory=list)  # (day, country, band, n, bits)
    live: list[tuple[date, date]] = field(default_factory=list)  # days to count from the orders


def stored(start: date, end: date, restricted: Restricted) -> Stored:
    """The fresh stored days of `start`..`end`, and the runs of days left to count live.
    One query when nothing is stored for the period, two when what is stored is out of date,
    otherwise five."""
    everything = Stored(live=[(start, end)])
    if not sketching():
        return everything
    state = AggregateState.objects.filter(pk=STATE_PK).first()
    if state is None or state.refreshed_through is None or state.refreshed_through < start:
        return everything
    if state.digest != digest(restricted):
        return everything
    last = min(end, state.refreshed_through)
    since, until = day_bounds(start, last)
    changed = set(
        OrderStatusChange.objects.filter(
            pk__gt=state.last_status_change_id,
            order__created_at__gte=since,
            order__created_at__lt=until,
        )
        .annotate(day=TruncDate("order__created_at", tzinfo=_tz()))
        .values_list("day", flat=True)
        .distinct()
        .order_by()
    )
    days = [day for day in _days(start, last) if day not in changed]
    live = runs([*changed, *(_days(last + timedelta(days=1), end) if last < end else ())])
    found = Stored(through=state.refreshed_through, live=live)
    if not days:
        return found
    periods = runs(days)
    in_days = reduce(
        or_, (Q(day__gte=first, day__lte=last) for first, last in periods), Q(pk__in=[])
    )
    found.sales = list(
        SalesDay.objects.filter(in_days)
        .values_list("country", "category_id")
        .annotate(
            items=Sum("items"),
            revenue=Sum("revenue"),
            n=Sum("lines"),
            bits=sketch_union("sketch"),
        )
        .order_by()
    )
    found.orders = list(
        OrdersDay.objects.filter(in_days)
        .values_list("day", "country", "band", "orders", "sketch")
        .order_by()
    )
    return found


# --- Writing: the refresh ---------------------------------------------------------------------


def _count_days(first: date, last: date, restricted: Restricted) -> None:
    """Replace the stored rows of `first`..`last` by what the report's queries give for them."""
    from .partner_report import _band

    tz = _tz()
    lines = (
        counted(
            OrderLine.objects.all(), start=first, end=last, restricted=restricted, order="order__"
        )
        .annotate(day=TruncDate("order__created_at", tzinfo=tz))
        .values_list("day", COUNTRY, CATEGORY)
        .annotate(
            items=Sum("quantity"),
            revenue=Sum("line_total"),
            n=Count("pk"),
            people=customers("order__"),
        )
        .order_by()
    )
    orders = (
        counted(Order.objects.all(), start=first, end=last, restricted=restricted)
        .annotate(day=TruncDate("created_at", tzinfo=tz), band=_band())
        .values_list("day", "shipping_country", "band")
        .annotate(n=Count("pk"), people=customers())
        .order_by()
    )
    SalesDay.objects.filter(day__gte=first, day__lte=last).delete()
    OrdersDay.objects.filter(day__gte=first, day__lte=last).delete()
    with connection.cursor() as cursor:
        for model, columns, query in (
            (
                SalesDay,
                ("day", "country", "category_id", "items", "revenue", "lines", "sketch"),
                lines,
            ),
            (OrdersDay, ("day", "country", "band", "orders", "sketch"), orders),
        ):
            sql, params = query.query.sql_with_params()
            names = ", ".join(connection.ops.quote_name(c) for c in columns)
            cursor.execute(f"INSERT INTO {model._meta.db_table} ({names}) {sql}", params)


def refresh_daily_aggregates(*, through: date | None = None) -> int:
    """Count and store the days not stored yet up to `through` (yesterday by default), and
    count again the days whose orders changed since the last refresh, or every day when the
    restricted customers, a variant's category, the bands or the time zone changed. One
    transaction per batch of days; the report uses none of them until the state says so.
    Returns the days counted; 0 on databases other than PostgreSQL, or while another refresh
    runs."""
    if not sketching():
        return 0
    through = through or timezone.localdate() - timedelta(days=1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
        if not cursor.fetchone()[0]:
            return 0
    try:
        return _refresh(through)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def _refresh(through: date) -> int:
    restricted = restricted_customers()
    current = digest(restricted)
    seen = (
        OrderStatusChange.objects.filter(created_at__lt=timezone.now() - SETTLE).aggregate(
            last=Max("pk")
        )["last"]
        or 0
    )
    state, _ = AggregateState.objects.get_or_create(pk=STATE_PK)
    if state.digest != current or state.refreshed_through is None:
        # Everything again. Until done, reports count live (the digest matches nothing).
        with transaction.atomic():
            AggregateState.objects.filter(pk=STATE_PK).update(digest="", refreshed_through=None)
            SalesDay.objects.all().delete()
            OrdersDay.objects.all().delete()
        oldest = Order.objects.aggregate(first=Min("created_at"))["first"]
        first = timezone.localdate(oldest) if oldest else through
        days = list(_days(first, through)) if first <= through else []
        done_through = through
    else:
        changed = (
            OrderStatusChange.objects.filter(pk__gt=state.last_status_change_id)
            .annotate(day=TruncDate("order__created_at", tzinfo=_tz()))
            .values_list("day", flat=True)
            .distinct()
            .order_by()
        )
        later = _days(state.refreshed_through + timedelta(days=1), through)
        done_through = max(through, state.refreshed_through)
        days = [day for day in {*changed, *later} if day <= done_through]
        seen = max(seen, state.last_status_change_id)
    for first, last in runs(days, longest=BATCH_DAYS):
        with transaction.atomic():
            _count_days(first, last, restricted)
    AggregateState.objects.filter(pk=STATE_PK).update(
        refreshed_through=done_through,
        digest=current,
        last_status_change_id=seen,
        refreshed_at=timezone.now(),
    )
    return len(days)
