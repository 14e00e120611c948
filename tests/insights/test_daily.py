"""Daily aggregates for partner reports (P18): a report read from the stored days is the report
counted from the orders, and stored days are never used once they are out of date."""

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from candor.core.models import ShopSettings
from candor.insights import daily, partner_report
from candor.insights.models import AggregateState, OrdersDay, SalesDay
from candor.insights.suppression import GRAND, TOTAL
from candor.orders.models import OrderStatus
from candor.orders.services import change_status
from tests.factories import CategoryFactory, UserFactory

from .helpers import Bought, write_orders
from .test_partner_report import DAYS, END, START, at, bought_from, orders_drawn, stock  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgres_only(on_postgres):
    if not on_postgres:
        pytest.skip("daily aggregates are used on PostgreSQL only")


def live(start=START, end=END, k=3):
    """The report counted from the orders alone (the stored days set aside)."""
    state = AggregateState.objects.filter(pk=daily.STATE_PK)
    kept = list(state.values_list("refreshed_through", flat=True))
    state.update(refreshed_through=None)
    try:
        return partner_report.build(start=start, end=end, k=k)
    finally:
        if kept:
            state.update(refreshed_through=kept[0])


def same(a: partner_report.PartnerReport, b: partner_report.PartnerReport) -> None:
    for key in partner_report.TABLE_KEYS:
        x, y = a.table(key), b.table(key)
        assert (x.rows, x.columns, x.withheld, x.figures) == (
            y.rows,
            y.columns,
            y.withheld,
            y.figures,
        )


def bounds(start, end):
    """Every figure's people bounds as the report's aggregate queries give them."""
    with partner_report._one_snapshot():
        found = partner_report._count(start, end, partner_report.restricted_customers())
    people = {
        **{("sales", p): b for p, b in found.sales_people.items()},
        **{("sizes", p): b for p, b in found.sizes_people.items()},
        **{("country", c): b for c, b in found.country_people.items()},
        "everyone": found.everyone,
    }
    return {key: (b.low, b.high, b.bits & ((1 << 64) - 1)) for key, b in people.items()}, found


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(drawn=orders_drawn, k=st.integers(2, 6), through=st.sampled_from(DAYS))
def test_p18_a_report_from_daily_aggregates_is_the_report_from_the_orders(
    stock,  # noqa: F811
    drawn,
    k,
    through,
):
    """P18: over generated orders, with the aggregates holding all or only the first days of
    the period (the rest counted live), every table's released figures and withheld
    positions, and every figure's people bounds, are those counted from the orders alone."""
    with transaction.atomic():
        write_orders(bought_from(drawn, stock))
        expected = live(k=k)
        expected_bounds, _ = bounds(START, END)
        daily.refresh_daily_aggregates(through=through)

        report = partner_report.build(start=START, end=END, k=k)
        found_bounds, found = bounds(START, END)
        transaction.set_rollback(True)

    assert report.aggregated_through == through
    assert found.aggregated_through == through
    same(report, expected)
    assert found_bounds == expected_bounds


def three_days_of_orders(stock, **extra):  # noqa: F811
    return write_orders(
        Bought(
            email=f"c{i}@example.com",
            lines=[(stock[i % 3], 1)],
            created_at=at(DAYS[i % 3]),
            country=["PK", "AE"][i % 2],
            **extra,
        )
        for i in range(36)
    )


def test_p18_the_refresh_stores_each_day_once_and_then_only_what_changed(stock):  # noqa: F811
    """P18: the first refresh counts every day from the first order to the day given; the
    next counts only later days (and days of orders changed since)."""
    three_days_of_orders(stock)

    assert daily.refresh_daily_aggregates(through=END) == 3
    rows = SalesDay.objects.count(), OrdersDay.objects.count()
    assert daily.refresh_daily_aggregates(through=END) == 0
    assert daily.refresh_daily_aggregates(through=END + dt.timedelta(days=1)) == 1

    assert (SalesDay.objects.count(), OrdersDay.objects.count()) == rows
    assert sum(SalesDay.objects.values_list("lines", flat=True)) == 36
    assert sum(OrdersDay.objects.values_list("orders", flat=True)) == 36
    state = AggregateState.objects.get()
    assert state.refreshed_through == END + dt.timedelta(days=1)


def test_p18_a_newly_restricted_customer_vanishes_from_the_next_report(stock):  # noqa: F811
    """P18 with P20: restricting processing changes the restricted set; the stored days
    counted under the old set are not used (the report counts live), and the next refresh
    counts every day again without the customer."""
    three_days_of_orders(stock)
    user = UserFactory(email="restrict.me@example.com")
    write_orders(
        Bought(email="Restrict.Me@example.com", lines=[(stock[0], 5)], created_at=at(START))
        for _ in range(3)
    )
    daily.refresh_daily_aggregates(through=END)
    before = partner_report.build(start=START, end=END, k=1)
    assert before.aggregated_through == END
    assert before.sales.value(GRAND, "orders") == 39

    user.processing_restricted = True
    user.save(update_fields=["processing_restricted"])
    after = partner_report.build(start=START, end=END, k=1)

    assert after.aggregated_through is None  # counted live: stored days are out of date
    assert after.sales.value(GRAND, "orders") == 36
    assert after.sales.value(GRAND, "items") == 36

    assert daily.refresh_daily_aggregates(through=END) == 3
    again = partner_report.build(start=START, end=END, k=1)
    assert again.aggregated_through == END
    same(again, after)


def test_p18_a_cancelled_order_leaves_the_report_at_once_and_the_stored_day_next(
    stock,  # noqa: F811
    admin_user,
):
    """P18: an order cancelled after its day was stored: its day is counted live until the
    next refresh counts it again; the report never shows the stored figure."""
    bought = three_days_of_orders(stock, status=OrderStatus.CONFIRMED)
    daily.refresh_daily_aggregates(through=END)
    expected_orders = 35

    change_status(order=bought[0].order, to_status=OrderStatus.CANCELLED, acting_user=admin_user)
    report = partner_report.build(start=START, end=END, k=1)

    assert report.sales.value(GRAND, "orders") == expected_orders
    assert report.order_sizes.value((START, TOTAL), "orders") == 11
    same(report, live(k=1))

    assert daily.refresh_daily_aggregates(through=END) == 1  # only the day of that order
    assert sum(OrdersDay.objects.filter(day=START).values_list("orders", flat=True)) == 11
    # Once the change is older than SETTLE, the refresh no longer looks at it.
    AggregateState.objects.update(last_status_change_id=10**12)
    stored = partner_report.build(start=START, end=END, k=1)
    assert stored.sales.value(GRAND, "orders") == expected_orders
    same(stored, report)


def test_p18_a_product_moved_to_another_category_is_counted_live(stock):  # noqa: F811
    """P18: the report groups lines by their product's category now; when a category
    changes, the stored days are not used until counted again."""
    three_days_of_orders(stock)
    daily.refresh_daily_aggregates(through=END)
    product = stock[0].product
    product.category = CategoryFactory(name="Category D")
    product.save()

    report = partner_report.build(start=START, end=END, k=1)

    assert report.aggregated_through is None
    assert product.category_id in report.sales.columns
    same(report, live(k=1))
    daily.refresh_daily_aggregates(through=END)
    again = partner_report.build(start=START, end=END, k=1)
    assert again.aggregated_through == END
    same(again, report)


def test_p18_days_after_the_stored_ones_are_counted_live(stock):  # noqa: F811
    """P18: aggregates through the first day only: the other two days come from the orders,
    and the report adds both up."""
    three_days_of_orders(stock)
    daily.refresh_daily_aggregates(through=START)

    report = partner_report.build(start=START, end=END, k=1)

    assert report.aggregated_through == START
    assert report.sales.value(GRAND, "orders") == 36
    same(report, live(k=1))


@pytest.mark.parametrize("n", [3, 30])
def test_p18_report_queries_from_daily_aggregates_are_pinned(
    stock,  # noqa: F811
    django_assert_num_queries,
    settings,
    n,
):
    """P18: the same number of queries whatever the orders (the shop settings already loaded): the
    report's savepoint and its release, three settings; the restricted customers (3:
    accounts, their addresses, addresses restricted without an account); the aggregates'
    state, the catalogue fingerprint, the days changed since, stored sales and stored orders
    by day (5); category names; the most viewed pages (no page counts here: one query). No
    query reads the orders: the period is stored and k = 1 leaves nothing in doubt."""
    settings.PARTNER_REPORT_MIN_CUSTOMERS = 1
    write_orders(
        Bought(email=f"p{i}@example.com", lines=[(stock[i % 3], 1)], created_at=at(DAYS[i % 3]))
        for i in range(n)
    )
    daily.refresh_daily_aggregates(through=END)
    ShopSettings.load()
    with django_assert_num_queries(15):
        report = partner_report.build(start=START, end=END)
    assert report.sales.value(GRAND, "orders") == n


def test_p18_only_one_refresh_runs_at_a_time(stock):  # noqa: F811
    """P18: while another refresh holds the lock, a second one does nothing."""
    from django.db import connections

    three_days_of_orders(stock)
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [daily.LOCK_KEY])
        assert daily.refresh_daily_aggregates(through=END) == 0
        assert not SalesDay.objects.exists()
    finally:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [daily.LOCK_KEY])
        other.close()
    assert daily.refresh_daily_aggregates(through=END) == 3


def test_p18_runs_of_days():
    d = dt.date(2026, 1, 1)
    days = [d, d + dt.timedelta(1), d + dt.timedelta(2), d + dt.timedelta(5)]
    assert daily.runs(days) == [(d, d + dt.timedelta(2)), (d + dt.timedelta(5),) * 2]
    assert daily.runs(days, longest=2) == [
        (d, d + dt.timedelta(1)),
        (d + dt.timedelta(2),) * 2,
        (d + dt.timedelta(5),) * 2,
    ]


def test_p18_the_page_says_through_which_day_the_daily_totals_go(admin_client, stock):  # noqa: F811
    """P18: the report page states the day the stored aggregates cover through, or that it
    counted from the orders directly."""
    three_days_of_orders(stock)
    period = {"start": START.isoformat(), "end": END.isoformat()}

    before = admin_client.get("/backoffice/insights/partnerreport/", period)
    daily.refresh_daily_aggregates(through=DAYS[1])
    after = admin_client.get("/backoffice/insights/partnerreport/", period)

    assert "Order figures are counted from the orders directly" in before.content.decode()
    assert "daily totals worked out through 2 November 2026" in after.content.decode()
