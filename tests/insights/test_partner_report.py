"""Partner reports (P18): aggregate statistics only, small groups withheld (k-anonymity with
complementary suppression), as a back-office page with charts and as CSV files."""

import csv
import datetime as dt
import io
from collections import defaultdict
from decimal import Decimal
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from candor.insights import partner_report
from candor.insights.apps import describe_partner_reports
from candor.insights.counting import SOLD
from candor.insights.models import PageViewDay
from candor.insights.suppression import TOTAL
from candor.orders.models import OrderStatus
from candor.privacy import document
from tests.factories import (
    CategoryFactory,
    ProductFactory,
    UserFactory,
    VariantFactory,
    VerifiedEmailFactory,
)

from .helpers import Bought, check_released, solvable, write_orders

pytestmark = pytest.mark.django_db

REPORT_URL = "/backoffice/insights/partnerreport/"
START = dt.date(2026, 11, 1)
DAYS = [START + dt.timedelta(days=i) for i in range(3)]
END = DAYS[-1]
PERIOD = {"start": START.isoformat(), "end": END.isoformat()}
LOCAL = ZoneInfo(django_settings.TIME_ZONE)


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL)


@pytest.fixture
def stock(db):
    """Three categories, one product each, priced into three bands of order total."""
    return [
        VariantFactory(
            product=ProductFactory(category=CategoryFactory(name=f"Category {name}")), price=price
        )
        for name, price in (
            ("A", Decimal("1000.00")),
            ("B", Decimal("9000.00")),
            ("C", Decimal("30000.00")),
        )
    ]


# --- What is released is true, and protects small groups (properties) --------------------------

orders_drawn = st.lists(
    st.fixed_dictionaries(
        {
            "customer": st.integers(0, 14),
            "shout": st.booleans(),  # the same address in capitals is the same customer
            "country": st.sampled_from(["PK", "AE", "GB"]),
            "lines": st.lists(
                st.tuples(st.integers(0, 2), st.integers(1, 2)),
                min_size=1,
                max_size=3,
                unique_by=lambda line: line[0],
            ),
            "day": st.sampled_from(DAYS),
            "hour": st.sampled_from([0, 12, 23]),
            "status": st.sampled_from([*SOLD, OrderStatus.CANCELLED, OrderStatus.PENDING_PAYMENT]),
        }
    ),
    max_size=40,
)


def truth(drawn, stock):
    """From the generated orders, in Python: every position's people and figures."""
    sales_people, sizes_people = defaultdict(set), defaultdict(set)
    orders, items, revenue = defaultdict(set), defaultdict(int), defaultdict(Decimal)
    sizes_orders = defaultdict(int)
    band_of = [i for i, _ in enumerate(partner_report.bands())]
    for n, o in enumerate(drawn):
        if o["status"] not in SOLD:
            continue
        who = f"person{o['customer']}@example.com"
        total = sum((stock[v].price * q for v, q in o["lines"]), Decimal(0))
        band = next(
            (
                i
                for i, (_, below) in zip(band_of, partner_report.bands(), strict=True)
                if below and total < below
            ),
            band_of[-1],
        )
        for day_key in (o["day"], TOTAL):
            for band_key in (band, TOTAL):
                sizes_people[(day_key, band_key)].add(who)
                sizes_orders[(day_key, band_key)] += 1
        for v, q in o["lines"]:
            category = stock[v].product.category_id
            for country_key in (o["country"], TOTAL):
                for category_key in (category, TOTAL):
                    sales_people[(country_key, category_key)].add(who)
                    orders[(country_key, category_key)].add(n)
                    items[(country_key, category_key)] += q
                    revenue[(country_key, category_key)] += stock[v].price * q
    return sales_people, orders, items, revenue, sizes_people, sizes_orders


def bought_from(drawn, stock):
    return [
        Bought(
            email=(f"person{o['customer']}@example.com").upper()
            if o["shout"]
            else f"person{o['customer']}@example.com",
            lines=[(stock[v], q) for v, q in o["lines"]],
            created_at=at(o["day"], o["hour"]),
            country=o["country"],
            status=o["status"],
        )
        for o in drawn
    ]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(drawn=orders_drawn, k=st.integers(2, 6))
def test_p18_released_figures_are_true_and_protect_small_groups(stock, drawn, k):
    """P18: over generated orders, every released figure equals the true aggregate
    (items and revenue in every position, orders by country and in all); no
    released figure describes 0 < n < k customers; no released total minus the released
    figures of its row or column describes 0 < n < k customers; and no withheld figure can
    be solved for exactly. Not-counted orders (cancelled, awaiting payment) count nowhere."""
    with transaction.atomic():
        write_orders(bought_from(drawn, stock))
        report = partner_report.build(start=START, end=END, k=k)
        transaction.set_rollback(True)
    sales_people, orders, items, revenue, sizes_people, sizes_orders = truth(drawn, stock)

    sales = report.sales
    assert set(sales.rows) == {r for r, _ in sales_people if r is not TOTAL}
    assert set(sales.columns) == {c for _, c in sales_people if c is not TOTAL}
    check_released(
        people={p: frozenset(g) for p, g in sales_people.items()},
        withheld=sales.withheld,
        rows=sales.rows,
        columns=sales.columns,
        k=k,
    )
    for r in sales.all_rows:
        for c in sales.all_columns:
            if (r, c) not in sales.withheld:
                assert sales.value((r, c), "items") == items.get((r, c), 0)
                assert sales.value((r, c), "revenue") == revenue.get((r, c), 0)
                if c is TOTAL:  # orders by country, and in all
                    assert sales.value((r, c), "orders") == len(orders.get((r, c), ()))

    sizes = report.order_sizes
    assert sizes.rows == DAYS
    check_released(
        people={p: frozenset(g) for p, g in sizes_people.items()},
        withheld=sizes.withheld,
        rows=sizes.rows,
        columns=sizes.columns,
        k=k,
    )
    for r in sizes.all_rows:
        for c in sizes.all_columns:
            if (r, c) not in sizes.withheld:
                assert sizes.value((r, c), "orders") == sizes_orders.get((r, c), 0)
    # Both tables count the same orders: their grand totals are shown or withheld together.
    assert ((TOTAL, TOTAL) in sales.withheld) == ((TOTAL, TOTAL) in sizes.withheld)


views_drawn = st.dictionaries(
    st.tuples(st.sampled_from(DAYS), st.sampled_from(["/", "/c/phones/", "/p/a/", "/p/b/"])),
    st.integers(1, 30),
    max_size=12,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(counts=views_drawn, k=st.integers(2, 12))
def test_p18_page_views_withhold_days_of_fewer_than_k_views(db, counts, k):
    """P18 (with P11): views are not people, so k applies to the views: no released figure
    counts 0 < n < k views, no released total minus its line's released figures does, and
    no withheld figure can be solved for."""
    with transaction.atomic():
        PageViewDay.objects.bulk_create(
            PageViewDay(day=day, path=path, views=n) for (day, path), n in counts.items()
        )
        table = partner_report.build(start=START, end=END, k=k).page_views
        transaction.set_rollback(True)
    # Each view its own token: the union of tokens counts views.
    tokens = defaultdict(set)
    for (day, path), n in counts.items():
        for i in range(n):
            for position in ((day, path), (day, TOTAL), (TOTAL, path), (TOTAL, TOTAL)):
                tokens[position].add((day, path, i))

    assert set(table.columns) == {path for _, path in counts}
    check_released(
        people={p: frozenset(t) for p, t in tokens.items()},
        withheld=table.withheld,
        rows=table.rows,
        columns=table.columns,
        k=k,
    )
    for p, t in tokens.items():
        if p not in table.withheld:
            assert table.value(p, "views") == len(t)


def test_p18_more_pages_than_shown_are_one_column(db, settings):
    """P18: the most viewed pages each have a column; the rest are added up as one."""
    settings.PARTNER_REPORT_TOP_PAGES = 2
    PageViewDay.objects.bulk_create(
        PageViewDay(day=START, path=path, views=n)
        for path, n in (("/", 50), ("/c/phones/", 40), ("/p/a/", 20), ("/p/b/", 15))
    )

    table = partner_report.build(start=START, end=END, k=10).page_views

    assert table.columns == ["/", "/c/phones/", partner_report.OTHER_PAGES]
    assert table.value((START, partner_report.OTHER_PAGES), "views") == 35
    assert table.value((TOTAL, TOTAL), "views") == 125


def test_p18_a_grand_total_withheld_in_one_table_is_withheld_in_all(stock, monkeypatch):
    """P18: both order tables count the same orders, so their grand totals are one figure.
    Should protecting another figure ever take it in one table (suppression avoids that
    wherever it can), the other table withholds it too, and protects it in turn."""
    write_orders(
        Bought(email=f"c{i}@example.com", lines=[(stock[i % 3], 1)], created_at=at(DAYS[i % 3]))
        for i in range(60)
    )
    release = partner_report.Draft.release

    def sales_takes_the_grand_total(draft, k, *, also=()):
        if draft.key == "sales":
            also = [*also, (TOTAL, TOTAL)]
        return release(draft, k, also=also)

    monkeypatch.setattr(partner_report.Draft, "release", sales_takes_the_grand_total)

    report = partner_report.build(start=START, end=END, k=10)

    assert (TOTAL, TOTAL) in report.order_sizes.withheld
    assert report.order_sizes.value((TOTAL, TOTAL), "orders") is None
    assert (
        solvable(report.order_sizes.withheld, report.order_sizes.rows, report.order_sizes.columns)
        == set()
    )


def test_p18_restricted_customers_are_not_counted(stock):
    """P18, P20: orders of a customer who restricted processing count nowhere: those of the
    account, and guest orders with any of its addresses in any letter case."""
    restricted = UserFactory(email="quiet@example.com", processing_restricted=True)
    VerifiedEmailFactory(user=restricted, email="other@example.com", primary=False)
    write_orders(
        [
            Bought(
                email="quiet@example.com",
                lines=[(stock[0], 1)],
                created_at=at(START),
                user=restricted,
            ),
            Bought(email="QUIET@example.com", lines=[(stock[0], 1)], created_at=at(START)),
            Bought(email="Other@Example.com", lines=[(stock[0], 1)], created_at=at(START)),
            Bought(email="someone@example.com", lines=[(stock[1], 1)], created_at=at(START)),
        ]
    )

    report = partner_report.build(start=START, end=END, k=1)

    assert report.sales.value((TOTAL, TOTAL), "orders") == 1
    assert report.sales.value((TOTAL, TOTAL), "revenue") == Decimal("9000.00")
    assert report.sales.columns == [stock[1].product.category_id]
    assert report.order_sizes.value((TOTAL, TOTAL), "orders") == 1


def test_p18_p20_a_guest_who_restricted_processing_is_not_counted(stock, committed):
    """A guest (no account) who asked, through a verified request, to restrict processing:
    their guest orders count nowhere either."""
    from candor.privacy.rights import services as rights

    write_orders(
        [
            Bought(email="Guest@Example.com", lines=[(stock[0], 1)], created_at=at(START)),
            Bought(email="someone@example.com", lines=[(stock[1], 1)], created_at=at(START)),
        ]
    )
    filed = committed(rights.file_request, kind="restriction", email="guest@example.com").request
    committed(rights.verify, request=filed)

    report = partner_report.build(start=START, end=END, k=1)

    assert report.sales.value((TOTAL, TOTAL), "orders") == 1
    assert report.sales.columns == [stock[1].product.category_id]


def test_p18_days_are_the_shops_local_days(stock):
    """P18: an order at 00:30 local time belongs to that local day, and the period's edges
    are local midnights."""
    write_orders(
        [
            Bought(
                email="a@example.com",
                lines=[(stock[0], 1)],
                created_at=at(START, 0).replace(minute=30),
            ),
            Bought(
                email="b@example.com",
                lines=[(stock[0], 1)],
                created_at=at(START) - dt.timedelta(hours=13),
            ),
            Bought(email="c@example.com", lines=[(stock[0], 1)], created_at=at(END, 23)),
            Bought(
                email="d@example.com",
                lines=[(stock[0], 1)],
                created_at=at(END, 23) + dt.timedelta(hours=2),
            ),
        ]
    )

    sizes = partner_report.build(start=START, end=END, k=1).order_sizes

    assert [sizes.value((day, TOTAL), "orders") for day in DAYS] == [1, 0, 1]


# --- The back-office page and its CSV files ----------------------------------------------------


class Tables(HTMLParser):
    """Text of every cell of every <table id=…> on a page."""

    def __init__(self):
        super().__init__()
        self.tables, self._table, self._row, self._cell = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and dict(attrs).get("id"):
            self._table = self.tables.setdefault(dict(attrs)["id"], [])
        elif tag == "tr" and self._table is not None:
            self._row = []
            self._table.append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def page_figures(html: str, table_id: str) -> dict[tuple[str, str], str]:
    parser = Tables()
    parser.feed(html)
    header, *rows = parser.tables[table_id]
    return {
        (row[0], column): "withheld" if text == "–" else text.replace(",", "")
        for row in rows
        for column, text in zip(header[1:], row[1:], strict=True)
    }


def csv_figures(content: bytes) -> tuple[list[str], list[list[str]]]:
    header, *rows = csv.reader(io.StringIO(content.decode()))
    return header, rows


@pytest.fixture
def sold(stock):
    """Enough customers that some figures are shown and some withheld (k = 10)."""
    bought = [
        Bought(email=f"buyer{i}@example.com", lines=[(stock[0], 1)], created_at=at(DAYS[i % 3]))
        for i in range(24)
    ]
    bought += [
        Bought(
            email=f"buyer{i}@example.com", lines=[(stock[1], 1)], created_at=at(START), country="AE"
        )
        for i in range(3)
    ]
    bought += [
        Bought(
            email=f"big{i}@example.com", lines=[(stock[2], 1)], created_at=at(DAYS[1]), country="GB"
        )
        for i in range(12)
    ]
    PageViewDay.objects.bulk_create(
        PageViewDay(day=day, path=path, views=n)
        for day in DAYS
        for path, n in (("/", 120), ("/p/a/", 4))
    )
    return write_orders(bought)


def test_p18_page_shows_charts_tables_and_what_withheld_means(admin_client, sold):
    response = admin_client.get(REPORT_URL, PERIOD)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<svg role="img"') == 4
    assert "fewer than 10 customers" in html
    report = response.context["report"]
    assert (report.start, report.end, report.k) == (START, END, 10)
    # Three AE orders are too few; the cells of their row and column hiding them follow.
    assert report.sales.value(("AE", TOTAL), "orders") is None
    figures = page_figures(html, "sales-orders")
    assert figures[("United Arab Emirates (AE)", "Total")] == "withheld"
    assert figures[("Total", "Total")] == "39"


@pytest.mark.parametrize(
    ("table", "measures"),
    [
        ("sales", ["orders", "items", "revenue"]),
        ("order-sizes", ["orders"]),
        ("page-views", ["views"]),
    ],
)
def test_p18_csv_holds_exactly_the_figures_on_the_page(admin_client, sold, table, measures):
    page = admin_client.get(REPORT_URL, PERIOD).content.decode()

    response = admin_client.get(f"{REPORT_URL}csv/{table}/", PERIOD)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="partner-{table}-{START}-{END}.csv"'
    )
    header, rows = csv_figures(response.content)
    assert header[2:] == measures
    for measure_index, measure in enumerate(measures):
        shown = page_figures(page, f"{table}-{measure}")
        in_csv = {(row[0], row[1]): row[2 + measure_index] for row in rows}
        # Orders are given by country (the total column) only; elsewhere the CSV says "".
        assert {p: v for p, v in in_csv.items() if p in shown} == shown
        assert {v for p, v in in_csv.items() if p not in shown} <= {""}
        given = table != "sales" or measure != "orders"
        assert set(shown) == {(row[0], row[1]) for row in rows if given or row[1] == "Total"}
    assert any(value == "withheld" for row in rows for value in row[2:])
    # Never an email address, in any file.
    assert "@" not in response.content.decode()


def test_p18_the_page_and_the_csv_show_nothing_personal(admin_client, sold):
    page = admin_client.get(REPORT_URL, PERIOD).content.decode()
    files = [
        admin_client.get(f"{REPORT_URL}csv/{t}/", PERIOD).content.decode()
        for t in partner_report.TABLE_KEYS
    ]

    for text in (page, *files):
        assert not [b.email for b in sold if b.email in text]
        assert "Test Customer" not in text


def test_p18_staff_without_the_permission_get_403(client, mfa_login, sold):
    mfa_login(client, UserFactory(is_staff=True))

    assert client.get(REPORT_URL, PERIOD).status_code == 403
    assert client.get(f"{REPORT_URL}csv/sales/", PERIOD).status_code == 403


def test_p18_staff_with_the_permission_see_and_download(client, mfa_login, sold):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_partner_report"))
    mfa_login(client, staff)

    assert client.get(REPORT_URL, PERIOD).status_code == 200
    assert client.get(f"{REPORT_URL}csv/sales/", PERIOD).status_code == 200
    assert "Partner reports" in client.get("/backoffice/").content.decode()


def test_p18_visitors_are_sent_to_sign_in(client, sold):
    response = client.get(REPORT_URL, PERIOD)

    assert response.status_code == 302
    assert "/backoffice/login/" in response["Location"]


@pytest.mark.parametrize(
    ("period", "error"),
    [
        (
            {"start": "2026-11-03", "end": "2026-11-01"},
            "The period must end on or after the day it starts.",
        ),
        ({"start": "yesterday", "end": "2026-11-01"}, "Enter a valid date."),
        ({"start": "2024-01-01", "end": "2025-01-02"}, "Choose a period of at most 366 days."),
        ({"start": "2026-11-01", "end": "2999-01-01"}, "The period cannot end after today."),
        ({"start": "2026-11-01"}, "This field is required."),
    ],
)
def test_p18_bad_periods_are_refused_with_a_reason(admin_client, period, error):
    page = admin_client.get(REPORT_URL, period)
    download = admin_client.get(f"{REPORT_URL}csv/sales/", period)

    assert page.status_code == 400
    assert error in page.content.decode()
    assert "report" not in page.context
    assert download.status_code == 400
    assert error in download.content.decode()


def test_p18_an_unknown_table_is_404(admin_client):
    assert admin_client.get(f"{REPORT_URL}csv/emails/", PERIOD).status_code == 404


def test_p18_the_default_period_is_the_last_30_whole_days(admin_client):
    response = admin_client.get(REPORT_URL)

    assert response.status_code == 200
    report = response.context["report"]
    assert (report.end - report.start).days == 29
    assert report.end < dt.date.today() + dt.timedelta(days=1)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(start=st.text(max_size=30), end=st.text(max_size=30))
def test_p18_any_period_text_gets_a_report_or_a_reason(admin_client, start, end):
    """P18: whatever is typed, the answer is the report or a 400 with a reason, never a 500."""
    page = admin_client.get(REPORT_URL, {"start": start, "end": end})
    download = admin_client.get(f"{REPORT_URL}csv/order-sizes/", {"start": start, "end": end})

    assert page.status_code in (200, 400)
    assert download.status_code == page.status_code


@pytest.mark.parametrize("n", [3, 30])
def test_p18_report_queries_are_pinned(
    admin_client, stock, settings, django_assert_num_queries, on_postgres, n
):
    """The same number of queries whatever the number of orders: session, user, MFA check, the
    shop's context processors (3); then the report in its own savepoint with, on PostgreSQL,
    three settings (work_mem, parallel_tuple_cost, jit), the restricted customers (accounts,
    their addresses, addresses restricted without an account), the daily aggregates' state
    (on PostgreSQL; none stored here: see test_daily), order lines by country and category,
    orders by day and country with a count and a sketch per band, category names, the most
    viewed pages, views by day and page; the periods released so far and any released one
    this period overlaps (insights.releases). With k = 1 no count is in doubt; figures in
    doubt add at most one query each for cells, row totals, column totals of a table, and
    the grand total (see insights.people)."""
    settings.PARTNER_REPORT_MIN_CUSTOMERS = 1
    write_orders(
        Bought(
            email=f"p{i}@example.com",
            lines=[(stock[i % 3], 1)],
            created_at=at(DAYS[i % 3]),
            country=["PK", "AE"][i % 2],
        )
        for i in range(n)
    )
    PageViewDay.objects.bulk_create(
        PageViewDay(day=d, path=f"/p/{i}/", views=20) for d in DAYS for i in range(n)
    )
    admin_client.get(REPORT_URL, PERIOD)  # the session and permissions are loaded once
    with django_assert_num_queries(22 if on_postgres else 18):
        admin_client.get(REPORT_URL, PERIOD)


def test_p18_totals_in_doubt_are_counted_exactly(stock):
    """P18: a country whose every cell has fewer than k customers but whose orders reach k
    may have k customers or fewer (the same people in several categories): it is counted
    exactly. Here 4 + 4 + 4 orders are 12 different customers: its total is shown."""
    write_orders(
        Bought(email=f"c{i}@example.com", lines=[(stock[i % 3], 1)], created_at=at(START))
        for i in range(12)
    )

    report = partner_report.build(start=START, end=END, k=10)

    assert all(report.sales.value(("PK", c), "orders") is None for c in report.sales.columns)
    assert report.sales.value(("PK", TOTAL), "orders") == 12


def test_p18_the_same_customers_in_every_cell_stay_too_few(stock):
    """P18: 12 orders in three categories by the same 4 customers are 4 customers: the
    country's total is withheld although its orders reach k."""
    write_orders(
        Bought(email=f"c{i % 4}@example.com", lines=[(stock[i % 3], 1)], created_at=at(START))
        for i in range(12)
    )

    report = partner_report.build(start=START, end=END, k=10)

    assert report.sales.value(("PK", TOTAL), "orders") is None
    assert report.sales.value((TOTAL, TOTAL), "orders") is None


# --- The privacy policy says so ---------------------------------------------------------------


def test_p18_policy_says_partners_get_only_aggregates_with_small_groups_withheld(client, settings):
    settings.PARTNER_REPORT_MIN_CUSTOMERS = 25

    built = document.build()

    assert built["shared_aggregates"] == [describe_partner_reports()]
    assert "fewer than 25 customers" in built["shared_aggregates"][0]
    assert f"- {describe_partner_reports()}" in document.as_lines(built)
    assert describe_partner_reports() in client.get("/privacy/").content.decode()
