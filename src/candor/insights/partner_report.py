"""Partner reports (P18): what a partner may receive about a period, and nothing more.

Three tables, each with row totals, column totals and a grand total:
- **sales**, by shipping country and product category: items sold and revenue (the value of
  the goods: order lines, before shipping) in every position, and orders by country (the
  total column) and in all;
- **order sizes**: counted orders per day, by band of order total;
- **page views**: views per day of the most viewed pages, the rest together as one column.

Every figure is computed by an aggregate query in the database: one GROUP BY over order
lines (country, category) and one over orders (day, band, country), from which every total
adds up; Python only adds up and arranges the few resulting rows (on PostgreSQL, days held
fresh by the daily aggregates are read from them instead: insights.daily, same figures). Then
`suppression` decides what to withhold: any figure describing fewer than
PARTNER_REPORT_MIN_CUSTOMERS (k) customers, and whatever would let a withheld figure, or a
group of fewer than k, be worked out from the rest. Customers are told apart by order email
(insights.counting); the addresses never leave the database, only counts do, and those are
never released. How many customers each figure describes is known exactly on the side of k
that matters, counted exactly only where cheap bounds leave it in doubt (insights.people).

All queries of a report read one snapshot (on PostgreSQL a REPEATABLE READ, READ ONLY
transaction), so an order placed meanwhile cannot make a total disagree with its cells.

Page views are counted with no identifier at all (P11), so nobody can be told apart in them;
for them k applies to the views themselves: a page's day with fewer than k views is withheld,
with the same complementary rules. Views are at least as many as the people behind them, so
this is weaker than the rule for customers, and the report says so.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import reduce
from operator import or_

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone
from django_countries import countries

from candor.catalog.models import Category
from candor.core.models import ShopSettings
from candor.core.money import quantize
from candor.orders.models import Order, OrderLine

from . import daily
from .counting import Restricted, counted, restricted_customers
from .models import PageViewDay
from .people import People, customers, exactly, settle, sketching, union
from .suppression import GRAND, TOTAL, Position, suppress

TABLE_KEYS = ("sales", "order-sizes", "page-views")
OTHER_PAGES = "(all other pages)"
NO_CATEGORY = "(no longer in the catalogue)"
Figures = dict[str, int | Decimal]


@dataclass(frozen=True)
class Table:
    """A released table: only the figures a partner may see. Withheld positions hold no
    value at all, so nothing downstream (page, CSV, chart) can show one by mistake."""

    key: str  # names its CSV file
    title: str
    row_heading: str
    column_heading: str
    rows: list[Hashable]
    columns: list[Hashable]
    row_names: dict[Hashable, str]
    column_names: dict[Hashable, str]
    measures: tuple[str, ...]  # e.g. ("items", "revenue")
    zeros: dict[str, int | Decimal]  # what an empty released position shows, per measure
    figures: dict[Position, Figures]  # released positions only
    withheld: frozenset[Position]
    # Measures given only in the total column (orders by country: an order with lines in two
    # categories is one order, so orders do not add up across a row).
    totals_only: tuple[str, ...] = ()

    def name(self, position: Position) -> tuple[str, str]:
        r, c = position
        return (
            "Total" if r is TOTAL else self.row_names[r],
            "Total" if c is TOTAL else self.column_names[c],
        )

    def applies(self, position: Position, measure: str) -> bool:
        return measure not in self.totals_only or position[1] is TOTAL

    def value(self, position: Position, measure: str) -> int | Decimal | None:
        """The released figure, 0 for an empty released position, None if withheld."""
        if position in self.withheld:
            return None
        return self.figures.get(position, {}).get(measure, self.zeros[measure])

    @property
    def all_rows(self) -> list[Hashable]:
        return [*self.rows, TOTAL]

    @property
    def all_columns(self) -> list[Hashable]:
        return [*self.columns, TOTAL]

    def grid(self, measure: str) -> list[tuple[str, list[int | Decimal | None]]]:
        """Rows of (row name, figures by column, total last), the totals row last; for a
        measure given only in the total column, that column alone."""
        columns = [TOTAL] if measure in self.totals_only else self.all_columns
        return [
            (self.name((r, TOTAL))[0], [self.value((r, c), measure) for c in columns])
            for r in self.all_rows
        ]

    def records(self) -> Iterable[tuple[str, str, list[int | Decimal | str | None]]]:
        """One record per position (long format, for CSV): row name, column name, figures
        ("" where a measure is not given)."""
        for r in self.all_rows:
            for c in self.all_columns:
                row_name, column_name = self.name((r, c))
                yield (
                    row_name,
                    column_name,
                    [
                        self.value((r, c), m) if self.applies((r, c), m) else ""
                        for m in self.measures
                    ],
                )


@dataclass(frozen=True)
class PartnerReport:
    start: date
    end: date
    k: int
    currency: str
    sales: Table
    order_sizes: Table
    page_views: Table
    # The daily aggregates in use held days up to this one; None: all counted from the orders.
    aggregated_through: date | None = None
    tables: tuple[Table, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tables", (self.sales, self.order_sizes, self.page_views))

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


@dataclass(frozen=True)
class Draft:
    """A table's figures before suppression, with how many people each position describes
    (customers on the side of k that matters, or views)."""

    key: str
    title: str
    headings: tuple[str, str]
    rows: list[Hashable]
    columns: list[Hashable]
    names: tuple[dict[Hashable, str], dict[Hashable, str]]
    measures: tuple[str, ...]
    figures: dict[Position, Figures]
    people: dict[Position, int]
    totals_only: tuple[str, ...] = ()

    def release(self, k: int, *, also: Iterable[Position] = ()) -> Table:
        withheld = suppress(self.people, rows=self.rows, columns=self.columns, k=k, also=also)
        return Table(
            key=self.key,
            title=self.title,
            row_heading=self.headings[0],
            column_heading=self.headings[1],
            rows=self.rows,
            columns=self.columns,
            row_names=self.names[0],
            column_names=self.names[1],
            measures=self.measures,
            zeros={m: Decimal("0.00") if m == "revenue" else 0 for m in self.measures},
            figures={
                p: {m: quantize(v) if m == "revenue" else v for m, v in f.items()}
                for p, f in self.figures.items()
                if p not in withheld
            },
            withheld=withheld,
            totals_only=self.totals_only,
        )


def _add(into: dict[Position, Figures], position: Position, figures: Figures) -> None:
    total = into.setdefault(position, {})
    for name, value in figures.items():
        total[name] = total.get(name, 0) + value


def _sizes(people: dict[Position, People], k: int) -> dict[Position, int]:
    return {p: bounds.size(k) for p, bounds in people.items()}


def _pairs(keys: list[Position], first: str, second: str) -> Q:
    """Rows whose (first, second) is one of `keys` (None matches NULL)."""

    def equals(name: str, value) -> Q:
        return Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})

    return reduce(or_, (equals(first, a) & equals(second, b) for a, b in keys), Q(pk__in=[]))


def _one_of(name: str, keys: list[Hashable]) -> Q:
    known = Q(**{f"{name}__in": [key for key in keys if key is not None]})
    return known | Q(**{f"{name}__isnull": True}) if None in keys else known


@dataclass
class Counted:
    """What the two aggregate queries over the period's counted orders give."""

    lines: object  # QuerySet of counted order lines
    orders: object  # QuerySet of counted orders, annotated with their day and band
    sales: dict[Position, Figures]  # (country, category) → items, revenue, lines
    sales_people: dict[Position, People]
    sizes: dict[Position, Figures]  # (day, band) → orders
    sizes_people: dict[Position, People]
    country_orders: dict[str, int]
    country_people: dict[str, People]
    everyone: People
    aggregated_through: date | None  # the daily aggregates hold days up to this one


COUNTRY, CATEGORY = "order__shipping_country", "variant__product__category"


def _band_conditions() -> list[Q]:
    """Which orders fall in each band of order total."""
    return [
        Q(**({"total__gte": low} if low is not None else {}))
        & Q(**({"total__lt": below} if below is not None else {}))
        for low, below in bands()
    ]


def _band() -> Case:
    return Case(
        *(When(total__lt=below, then=Value(i)) for i, (_, below) in enumerate(bands()) if below),
        default=Value(len(bands()) - 1),
        output_field=IntegerField(),
    )


def _count(start: date, end: date, restricted: Restricted) -> Counted:
    """One GROUP BY over order lines by (country, category), one over orders by (day,
    country) with a count and a sketch per band: every figure of the two order tables adds
    up from these. (Bands as filtered aggregates rather than a grouping key: PostgreSQL
    cannot estimate the groups of a computed key and would then aggregate in one process.)
    Days the daily aggregates hold fresh (insights.daily) are read from them instead: the
    same rows, summed and OR-ed over the days; only the other days are grouped here."""
    lines = counted(
        OrderLine.objects.all(), start=start, end=end, restricted=restricted, order="order__"
    )
    orders = counted(Order.objects.all(), start=start, end=end, restricted=restricted).annotate(
        day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()), band=_band()
    )
    found = daily.stored(start, end, restricted)
    # (country, category) → [items, revenue, lines, people]; (day, country, band, n, people).
    cells: dict[Position, list] = {}
    per_day: list[tuple] = list(found.orders)
    for code, category, items, revenue, n, people in found.sales:
        cells[(code, category)] = [items, revenue, n, people]
    if found.live:
        whole = found.live == [(start, end)]
        live_lines = lines if whole else lines.filter(daily.within(found.live, "order__"))
        live_orders = orders if whole else orders.filter(daily.within(found.live))
        by_cell = live_lines.values_list(COUNTRY, CATEGORY).annotate(
            items=Sum("quantity"),
            revenue=Sum("line_total"),
            n=Count("pk"),
            people=customers("order__"),
        )
        for code, category, items, revenue, n, people in by_cell.order_by():
            if (code, category) in cells:  # also stored: sums add, sketches OR (PostgreSQL)
                cell = cells[(code, category)]
                cell[0] += items
                cell[1] += revenue
                cell[2] += n
                cell[3] |= people
            else:
                cells[(code, category)] = [items, revenue, n, people]
        per_band = {}
        for i, condition in enumerate(_band_conditions()):
            per_band[f"n{i}"] = Count("pk", filter=condition)
            per_band[f"p{i}"] = customers(filter=condition)
        by_day = live_orders.values_list("day", "shipping_country").annotate(**per_band)
        for day, code, *figures in by_day.order_by():
            for band in range(len(figures) // 2):
                per_day.append((day, code, band, figures[2 * band], figures[2 * band + 1]))
    sketch = sketching()
    sales, sales_people = {}, {}
    for position, (items, revenue, n, people) in cells.items():
        sales[position] = {"items": items, "revenue": revenue}
        sales_people[position] = People.from_row(people, most=n, sketch=sketch)
    sizes, sizes_people = {}, {}
    country_orders: dict[str, int] = {}
    country_people: dict[str, People] = {}
    for day, code, band, n, people in per_day:
        if not n:
            continue
        bounds = People.from_row(people, most=n, sketch=sketch)
        if (day, band) in sizes:
            sizes[(day, band)]["orders"] += n
            sizes_people[(day, band)].absorb(bounds)
        else:
            sizes[(day, band)] = {"orders": n}
            sizes_people[(day, band)] = union([bounds])
        country_orders[code] = country_orders.get(code, 0) + n
        country_people.setdefault(code, People()).absorb(bounds)
    for position, figures in sizes.items():
        sizes_people[position] = sizes_people[position].at_most(figures["orders"])
    for code, n in country_orders.items():
        country_people[code] = country_people[code].at_most(n)
    everyone = union(country_people.values()).at_most(sum(country_orders.values()))
    return Counted(
        lines,
        orders,
        sales,
        sales_people,
        sizes,
        sizes_people,
        country_orders,
        country_people,
        everyone,
        found.through,
    )


def _totals(
    cells: dict[Position, Figures], people: dict[Position, People], measures: tuple[str, ...]
) -> None:
    """Add the row and column totals of `cells` (and their people bounds) in place; the
    grand total is left to the caller."""
    for (r, c), figures in list(cells.items()):
        if r is TOTAL or c is TOTAL:
            continue
        part = {m: figures[m] for m in measures}
        for total in ((r, TOTAL), (TOTAL, c)):
            _add(cells, total, part)
            people.setdefault(total, People()).absorb(people[(r, c)])


def _sales(found: Counted, k: int) -> Draft:
    figures = dict(found.sales)
    people = dict(found.sales_people)
    _totals(figures, people, ("items", "revenue"))
    for code, n in found.country_orders.items():
        figures.setdefault((code, TOTAL), {})["orders"] = n
        people[(code, TOTAL)] = found.country_people[code]  # from orders: the closer bounds
    figures[GRAND] = {
        "orders": sum(found.country_orders.values()),
        "items": sum(f["items"] for (r, c), f in found.sales.items()),
        "revenue": sum((f["revenue"] for f in found.sales.values()), Decimal(0)),
    }
    lines = found.lines
    settle_cells(
        people,
        k,
        lambda keys: (
            lines.filter(_pairs(keys, COUNTRY, CATEGORY))
            .values_list(COUNTRY, CATEGORY)
            .annotate(p=exactly("order__"))
            .order_by()
        ),
    )
    settle_side(
        people,
        k,
        row=lambda keys: (
            found.orders.filter(shipping_country__in=keys)
            .values_list("shipping_country")
            .annotate(p=exactly())
            .order_by()
        ),
        column=lambda keys: (
            lines.filter(_one_of(CATEGORY, keys))
            .values_list(CATEGORY)
            .annotate(p=exactly("order__"))
            .order_by()
        ),
    )
    codes = sorted({r for r, _ in figures if r is not TOTAL})
    category_ids = {c for _, c in figures if c is not TOTAL}
    category_names: dict[Hashable, str] = dict(
        Category.objects.filter(pk__in=[c for c in category_ids if c]).values_list("pk", "name")
    )
    category_names[None] = NO_CATEGORY
    # By name; lines whose product was deleted since (their variant is gone) last.
    ordered = sorted(category_ids, key=lambda c: (c is None, category_names[c], c or 0))
    return Draft(
        "sales",
        title="Items, revenue and orders by country and category",
        headings=("Shipping country", "Category"),
        rows=codes,
        columns=ordered,
        names=({code: f"{countries.name(code)} ({code})" for code in codes}, category_names),
        measures=("orders", "items", "revenue"),
        figures=figures,
        people=_sizes(people, k),
        totals_only=("orders",),
    )


def settle_cells(
    people: dict[Position, People], k: int, count: Callable[[list[Position]], Iterable]
) -> None:
    """Count exactly the cells (not totals) in doubt: count(keys) yields (row, column, n)."""
    cells = {p: b for p, b in people.items() if TOTAL not in p}
    settle(cells, k, lambda keys: {(r, c): n for r, c, n in count(keys)})
    people.update(cells)


def settle_side(
    people: dict[Position, People],
    k: int,
    *,
    row: Callable[[list[Hashable]], Iterable],
    column: Callable[[list[Hashable]], Iterable],
) -> None:
    """Count exactly the row and column totals in doubt: row(keys) and column(keys) yield
    (key, n) for the rows' and columns' keys given."""
    rows = {r: b for (r, c), b in people.items() if c is TOTAL and r is not TOTAL}
    columns = {c: b for (r, c), b in people.items() if r is TOTAL and c is not TOTAL}
    settle(rows, k, lambda keys: dict(row(keys)))
    settle(columns, k, lambda keys: dict(column(keys)))
    people.update({(r, TOTAL): b for r, b in rows.items()})
    people.update({(TOTAL, c): b for c, b in columns.items()})


def bands() -> list[tuple[Decimal | None, Decimal | None]]:
    """(lowest, below) for each band of order total, from PARTNER_REPORT_ORDER_BANDS."""
    limits = [Decimal(str(limit)) for limit in settings.PARTNER_REPORT_ORDER_BANDS]
    return list(zip([None, *limits], [*limits, None], strict=True))


def band_names(currency: str) -> dict[Hashable, str]:
    names: dict[Hashable, str] = {}
    for i, (low, below) in enumerate(bands()):
        if low is None:
            names[i] = f"under {currency} {below:,}"
        elif below is None:
            names[i] = f"{currency} {low:,} and over"
        else:
            names[i] = f"{currency} {low:,} to under {below:,}"
    return names


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _order_sizes(found: Counted, k: int, currency: str, start: date, end: date) -> Draft:
    figures = dict(found.sizes)
    people = dict(found.sizes_people)
    _totals(figures, people, ("orders",))
    for (r, c), bounds in list(people.items()):
        if r is TOTAL or c is TOTAL:
            people[(r, c)] = bounds.at_most(figures[(r, c)]["orders"])
    orders = found.orders
    settle_cells(
        people,
        k,
        lambda keys: (
            orders.filter(_pairs(keys, "day", "band"))
            .values_list("day", "band")
            .annotate(p=exactly())
            .order_by()
        ),
    )
    settle_side(
        people,
        k,
        row=lambda keys: (
            orders.filter(day__in=keys).values_list("day").annotate(p=exactly()).order_by()
        ),
        column=lambda keys: (
            orders.filter(band__in=keys).values_list("band").annotate(p=exactly()).order_by()
        ),
    )
    if figures or found.country_orders:
        figures[GRAND] = {"orders": sum(found.country_orders.values())}
    days = _days(start, end)
    return Draft(
        "order-sizes",
        title="Orders per day by order total",
        headings=("Day", "Order total"),
        rows=days,
        columns=list(range(len(bands()))),
        names=({day: day.isoformat() for day in days}, band_names(currency)),
        measures=("orders",),
        figures=figures,
        people=_sizes(people, k),
    )


def _page_views(start: date, end: date) -> Draft:
    """Views per day of the most viewed pages (the rest as one column): two queries; the
    totals are sums (views add up exactly)."""
    views = PageViewDay.objects.filter(day__gte=start, day__lte=end)
    top = list(
        views.values_list("path", flat=True)
        .annotate(total=Sum("views"))
        .order_by("-total", "path")[: settings.PARTNER_REPORT_TOP_PAGES]
    )
    figures: dict[Position, Figures] = {}
    if top:
        page = Case(*(When(path=p, then=Value(p)) for p in top), default=Value(OTHER_PAGES))
        by_day = views.annotate(page=page).values_list("day", "page").annotate(n=Sum("views"))
        for day, path, n in by_day.order_by():
            # Views add up exactly, so the totals are sums of the cells (no further query).
            for position in ((day, path), (day, TOTAL), (TOTAL, path), GRAND):
                _add(figures, position, {"views": n})
    columns = [*top, *([OTHER_PAGES] if (TOTAL, OTHER_PAGES) in figures else [])]
    days = _days(start, end)
    return Draft(
        "page-views",
        title="Views per day of the most viewed pages",
        headings=("Day", "Page"),
        rows=days,
        columns=columns,
        names=({day: day.isoformat() for day in days}, {c: c for c in columns}),
        measures=("views",),
        figures=figures,
        people={p: f["views"] for p, f in figures.items()},
    )


@contextmanager
def _one_snapshot() -> Iterator[None]:
    """Every query of a report in one transaction. On PostgreSQL: REPEATABLE READ and READ
    ONLY (when not inside another transaction already), and, for this transaction only,
    settings measured with bench/partner_report.py: memory enough for the workers to sort a
    year of order lines without spilling to disk; parallel plans for those sorts (by
    default the planner overrates handing the sorted rows to the leader and sorts a
    million rows in one process); no JIT compilation (it cost these queries more than it
    saved)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                if outermost:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SET LOCAL work_mem = '128MB'")
                cursor.execute("SET LOCAL parallel_tuple_cost = 0.01")
                cursor.execute("SET LOCAL jit = off")
        yield


def build(*, start: date, end: date, k: int | None = None) -> PartnerReport:
    """The report for the shop's local days `start` to `end` (inclusive)."""
    k = k if k is not None else settings.PARTNER_REPORT_MIN_CUSTOMERS
    currency = ShopSettings.load().currency
    with _one_snapshot():
        found = _count(start, end, restricted_customers())
        sales_draft = _sales(found, k)
        sizes_draft = _order_sizes(found, k, currency, start, end)
        # Both tables' grand total: all counted customers.
        everyone = found.everyone
        if everyone.in_doubt(k):
            everyone = People.exact(found.orders.aggregate(p=exactly())["p"])
        for draft in (sales_draft, sizes_draft):
            if GRAND in draft.figures:
                draft.people[GRAND] = everyone.size(k)
        views_draft = _page_views(start, end)
    sales, sizes = sales_draft.release(k), sizes_draft.release(k)
    if (GRAND in sales.withheld) != (GRAND in sizes.withheld):
        # One figure in both tables (the same orders): withheld in one, withheld in both.
        sales, sizes = sales_draft.release(k, also=[GRAND]), sizes_draft.release(k, also=[GRAND])
    return PartnerReport(
        start=start,
        end=end,
        k=k,
        currency=currency,
        sales=sales,
        order_sizes=sizes,
        page_views=views_draft.release(k),
        aggregated_through=found.aggregated_through,
    )
