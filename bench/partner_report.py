"""Time the partner report (P18) over a year of orders on PostgreSQL.

    python bench/partner_report.py \\
        --database-url postgres://postgres@127.0.0.1:5432/candor_bench_report

Recreates the database named in the URL (its name must contain "bench"), migrates it, writes a
catalogue with bench/seed.py's COPY, then a year of orders (1,000,000 by default, with 1 to 4
lines each, across countries and categories, a share of them cancelled, refunded or unpaid,
and some by customers who restricted processing) and a year of page counts, each with one
INSERT … SELECT over generate_series, so the database does the work. Then it builds the
partner report (candor.insights.partner_report.build: every query and the suppression) for
the year counted from the orders alone (no daily aggregates), times the refresh of the daily
aggregates (insights.daily: every day, then again with nothing changed), and builds the
report for one month and for one year from them, --repeat times each, printing the median,
fastest and slowest; the first build of each is also shown apart (cold caches). It also times
the product-ranking refresh once. Results go to bench/results/<date>-partner-report.md.

    python bench/partner_report.py --reuse   # time again on the database already seeded

Target: the year's report in under 2 s (median).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = PROJECT_DIR / "bench"
sys.path.insert(0, str(BENCH_DIR))

import seed  # noqa: E402  (bench/seed.py: database set-up and the catalogue)
from common import Steps, case, h, insert_select, literal, machine_load, open_shop, start_shop  # noqa: E402
from load import cpu_idle, wait_for_idle  # noqa: E402  (bench/load.py: how busy the machine is)

TARGET_YEAR_SECONDS = 2.0

# Where orders go, per thousand; Iceland gets a handful a month (see COUNTRY_RARE).
COUNTRY_SHARES = {
    "PK": 850,
    "AE": 50,
    "SA": 35,
    "GB": 25,
    "US": 15,
    "QA": 10,
    "CA": 5,
    "DE": 4,
    "FR": 2,
    "NO": 1,
    "NZ": 1,
    "IE": 1,
    "MY": 1,
}
COUNTRY_RARE = "IS"  # 3 orders in 100,000
# (status, share in percent)
STATUSES = [
    ("delivered", 90),
    ("shipped", 3),
    ("paid", 2),
    ("cancelled", 3),
    ("refunded", 1),
    ("pending_payment", 1),
]
RESTRICTED_USERS = 100


def seed_orders(orders: int, today: dt.date) -> None:
    """A year of orders ending yesterday, and their lines, written by the database."""
    from django.db import connection
    from django.utils import timezone

    from candor.accounts.models import User
    from candor.orders.models import Order, OrderLine

    tz = timezone.get_current_timezone()
    first = dt.datetime.combine(today - dt.timedelta(days=365), dt.time.min, tzinfo=tz)
    customers = max(1, orders // 4)
    shares = [(code, n) for code, n in COUNTRY_SHARES.items()]
    country = case(h(3), shares, sum(COUNTRY_SHARES.values()))
    country = f"(CASE WHEN {h(4)} % 100000 < 3 THEN '{COUNTRY_RARE}' ELSE {country} END)"
    User.objects.bulk_create(
        User(email=f"customer{n}@example.com", processing_restricted=True)
        for n in range(RESTRICTED_USERS)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_variant AS SELECT row_number() OVER (ORDER BY v.id) AS n, "
            "v.id, v.sku, v.price, p.name FROM catalog_variant v JOIN catalog_product p "
            "ON p.id = v.product_id WHERE v.is_active AND p.is_active"
        )
        cursor.execute("SELECT count(*) FROM bench_variant")
        variants = cursor.fetchone()[0]
        # Lines first (1–4 per order: 55/28/12/5 %), so each order's subtotal is their sum.
        cursor.execute(
            "CREATE TEMP TABLE bench_line AS SELECT o AS order_id, v.id AS variant_id, v.sku, "
            f"v.name, v.price, q.quantity FROM generate_series(1, {orders}) o "
            f"CROSS JOIN LATERAL generate_series(1, CASE WHEN {h(5)} % 100 < 55 THEN 1 "
            f"WHEN {h(5)} % 100 < 83 THEN 2 WHEN {h(5)} % 100 < 95 THEN 3 ELSE 4 END) k "
            f"CROSS JOIN LATERAL (SELECT CASE WHEN {h(6, 'o * 7 + k')} % 100 < 85 THEN 1 "
            "ELSE 2 END AS quantity) q "
            f"JOIN bench_variant v ON v.n = 1 + {h(7, 'o * 7 + k')} % {variants}"
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_total AS SELECT order_id, sum(price * quantity) AS subtotal "
            "FROM bench_line GROUP BY order_id"
        )
        email = f"'customer' || ({h(1)} % {customers}) || '@example.com'"
        status = case(h(2), STATUSES, 100)
        cursor.execute(
            insert_select(
                Order,
                {
                    "id": "o",
                    "number": "'BR-' || lpad(o::text, 9, '0')",
                    "checkout_token": "md5(o::text)::uuid",
                    # Only restricted customers have accounts here.
                    "user_id": f"(SELECT id FROM {User._meta.db_table} WHERE email = {email})",
                    "status": status,
                    "payment_method": "'cod'",
                    # One address in ten typed in capitals: still the same customer.
                    "email": f"CASE WHEN {h(8)} % 10 = 0 THEN upper({email}) ELSE {email} END",
                    "phone": "'+923001234567'",
                    "shipping_name": "'Bench Customer'",
                    "shipping_line1": "'1 Bench Road'",
                    "shipping_city": "'Lahore'",
                    "shipping_country": country,
                    "billing_same_as_shipping": "TRUE",
                    "shipping_method_name": "'Standard delivery'",
                    "currency": "'PKR'",
                    "subtotal": "t.subtotal",
                    "shipping_cost": "250",
                    "total": "t.subtotal + 250",
                    "created_at": (
                        f"'{first.isoformat()}'::timestamptz"
                        f" + ((o - 1)::float8 / {orders}) * interval '365 days'"
                    ),
                    "updated_at": "now()",
                },
                f"generate_series(1, {orders}) o JOIN bench_total t ON t.order_id = o",
            )
        )
        cursor.execute(
            insert_select(
                OrderLine,
                {
                    "order_id": "l.order_id",
                    "variant_id": "l.variant_id",
                    "sku": "l.sku",
                    "product_name": "l.name",
                    "variant_label": "''",
                    "unit_price": "l.price",
                    "quantity": "l.quantity",
                    "line_total": "l.price * l.quantity",
                },
                "bench_line l",
            )
        )
    seed.reset_sequences(Order, OrderLine)


def seed_page_views(today: dt.date) -> None:
    """A year of daily counts: the home page, every category, and a fifth of the products
    each day, a few popular and most viewed a handful of times."""
    from django.db import connection

    from candor.catalog.models import Category, Product
    from candor.insights.models import PageViewDay

    first = today - dt.timedelta(days=365)
    days = f"generate_series('{first}'::date, '{today}'::date - 1, interval '1 day') AS d(moment)"
    day = "d.moment::date"
    offset = f"({day} - DATE {literal(first)})"  # days since the first
    with connection.cursor() as cursor:
        cursor.execute(
            insert_select(
                PageViewDay,
                {
                    "path": "'/'",
                    "day": day,
                    "views": f"4000 + {h(11, offset)} % 2000",
                },
                days,
            )
        )
        cursor.execute(
            insert_select(
                PageViewDay,
                {
                    "path": "'/c/' || c.slug || '/'",
                    "day": day,
                    "views": f"100 + {h(12, f'c.id * 1000 + {offset}')} % 400",
                },
                f"{days} CROSS JOIN {Category._meta.db_table} c",
            )
        )
        seen = h(13, f"p.id * 1000 + {offset}")
        cursor.execute(
            insert_select(
                PageViewDay,
                {
                    "path": "'/p/' || p.slug || '/'",
                    "day": day,
                    "views": f"1 + {seen} % (1 + 3000 / (1 + p.id % 1000))",
                },
                f"{days} CROSS JOIN {Product._meta.db_table} p "
                f"WHERE p.is_active AND {seen} % 5 = 0",
            )
        )


def timed(build, repeat: int, wait_idle: float) -> tuple[float, list[float], list[float], object]:
    """The first build (cold), then `repeat` more: their times and how idle the machine was
    just before each (waiting up to `wait_idle` seconds for it to be at least 90 % idle)."""
    first_started = time.perf_counter()
    report = build()
    cold = time.perf_counter() - first_started
    runs, idle = [], []
    for _ in range(repeat):
        idle.append(wait_for_idle(wait_idle) if wait_idle else cpu_idle(0.5))
        started = time.perf_counter()
        report = build()
        runs.append(time.perf_counter() - started)
    return cold, runs, idle, report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/candor_bench_report"
    )
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--products", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=0,
        help="before each timed build, wait up to this many seconds for the CPU to be 90%% idle",
    )
    parser.add_argument("--reuse", action="store_true", help="time the database already seeded")
    parser.add_argument("--no-save", action="store_true", help="print only; write no results")
    parser.add_argument("--note", default="", help="a line added to the results file")
    parser.add_argument(
        "--out", default="", help="results file name in bench/results (default: dated)"
    )
    args = parser.parse_args(argv)

    step = Steps()
    open_shop(args.database_url, reuse=args.reuse, step=step)

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from candor.insights import daily, partner_report, services
    from candor.insights.models import AggregateState
    from candor.insights.suppression import GRAND
    from candor.orders.models import Order, OrderLine

    today = timezone.localdate()
    if not args.reuse:
        start_shop(args.products, step)
        with transaction.atomic():
            seed_orders(args.orders, today)
        step(f"orders: {Order.objects.count():,} orders, {OrderLine.objects.count():,} lines")
        with transaction.atomic():
            seed_page_views(today)
        step("page views: a year of daily counts")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        step("vacuum analyze")
        seeded_in = step.elapsed
    else:
        call_command("migrate", verbosity=0, interactive=False)  # tables added since the seed
        seeded_in = None
    AggregateState.objects.all().delete()  # first the report counted from the orders alone

    yesterday = today - dt.timedelta(days=1)
    month_start = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    month_end = today.replace(day=1) - dt.timedelta(days=1)
    year_start = yesterday - dt.timedelta(days=364)
    periods = [
        ("year, counted live", year_start, yesterday),
        ("refresh", None, None),
        ("month", month_start, month_end),
        ("year", year_start, yesterday),
    ]
    load = machine_load()
    rows, refreshes = [], []
    for label, start, end in periods:
        if label == "refresh":
            for what in ("every day", "nothing changed"):
                refresh_started = time.perf_counter()
                days = daily.refresh_daily_aggregates(through=yesterday)
                refreshes.append((what, days, time.perf_counter() - refresh_started))
                step(
                    f"daily aggregates refreshed ({what}): {days} days in {refreshes[-1][2]:.2f} s"
                )
            continue
        cold, runs, idle, report = timed(
            lambda s=start, e=end: partner_report.build(start=s, end=e),
            args.repeat,
            args.wait_idle,
        )
        withheld = {t.key: len(t.withheld) for t in report.tables}
        shown = {
            t.key: (len(t.all_rows) * len(t.all_columns)) - len(t.withheld) for t in report.tables
        }
        rows.append((label, start, end, cold, runs, idle, report, withheld, shown))
        step(
            f"{label} ({start} to {end}): median {statistics.median(runs):.2f} s, "
            f"fastest {min(runs):.2f} s, slowest {max(runs):.2f} s, first {cold:.2f} s, "
            f"machine {statistics.median(idle):.0%} idle before; "
            f"{report.sales.value(GRAND, 'orders'):,} orders counted"
        )
    ranking_started = time.perf_counter()
    stored = services.refresh_product_rankings()
    ranking_seconds = time.perf_counter() - ranking_started
    step(f"product rankings refreshed in {ranking_seconds:.2f} s ({stored:,} suggestions)")

    live_year, stored_year = rows[0][6], rows[-1][6]
    identical = all(
        (a.rows, a.columns, a.withheld, a.figures) == (b.rows, b.columns, b.withheld, b.figures)
        for a, b in zip(live_year.tables, stored_year.tables, strict=True)
    )
    step(f"year from daily aggregates identical to the year counted live: {identical}")
    year_median = statistics.median(rows[-1][4])
    verdict = "met" if year_median < TARGET_YEAR_SECONDS else "NOT met"
    print(f"Target (year under {TARGET_YEAR_SECONDS:.0f} s): {verdict}.")
    if not args.no_save:
        write_results(
            args, rows, (refreshes, identical), ranking_seconds, stored, seeded_in, verdict, load
        )


def write_results(
    args, rows, aggregates, ranking_seconds, stored, seeded_in, verdict, load
) -> None:
    """`aggregates`: the daily-aggregate refreshes timed, and whether the year read from them
    is identical to the year counted live."""
    refreshes, identical = aggregates
    from django.db import connection

    from candor.insights.suppression import GRAND

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=PROJECT_DIR
    ).stdout.strip()
    lines = [
        f"# Partner report, {dt.date.today():%Y-%m-%d}",
        "",
        f"Machine: {os.cpu_count()} cores, shared with other work (load average before timing: "
        f"{load}). PostgreSQL {server}, Python {platform.python_version()}, "
        f"commit {commit or 'unknown'} plus the working tree. Command: "
        f"`python bench/partner_report.py --orders {args.orders} --repeat {args.repeat} "
        f"--wait-idle {args.wait_idle:g}{' --reuse' if args.reuse else ''}`.",
        "",
    ]
    if seeded_in is not None:
        lines += [
            f"Seeded {args.orders:,} orders over the year ending yesterday, their lines, "
            f"{args.products:,} products and a year of page counts in {seeded_in:.0f} s.",
            "",
        ]
    if args.note:
        lines += [args.note, ""]
    lines += [
        "| period | days | orders counted | median | fastest | slowest | first (cold) | "
        "idle before (median) | withheld (sales / sizes / views) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for label, start, end, cold, runs, idle, report, withheld, shown in rows:
        orders = report.sales.value(GRAND, "orders")
        lines.append(
            f"| {label} ({start} to {end}) | {(end - start).days + 1} | {orders:,} | "
            f"{statistics.median(runs):.2f} s | {min(runs):.2f} s | {max(runs):.2f} s | "
            f"{cold:.2f} s | {statistics.median(idle):.0%} | "
            + " / ".join(f"{withheld[k]} of {withheld[k] + shown[k]}" for k in withheld)
            + " |"
        )
    lines += [
        "",
        f"Target: the year's report in under {TARGET_YEAR_SECONDS:.0f} s (median): {verdict}.",
        "",
        "Daily aggregates (`insights.daily.refresh_daily_aggregates`, through yesterday): "
        + "; ".join(f"{what}: {days} days in {seconds:.2f} s" for what, days, seconds in refreshes)
        + f". The year's report from them is identical to the one counted live (every figure "
        f"and withheld position): {'yes' if identical else 'NO'}.",
        "",
        f"Product rankings (90 days): refreshed in {ranking_seconds:.2f} s, "
        f"{stored:,} suggestions stored.",
        "",
    ]
    path = BENCH_DIR / "results" / (args.out or f"{dt.date.today():%Y-%m-%d}-partner-report.md")
    path.write_text("\n".join(lines))
    print(f"Wrote {path.relative_to(PROJECT_DIR)}")


if __name__ == "__main__":
    main()
