"""Shared by the insights tests: orders written straight to the database (fast enough for
property tests), and an independent check of what a released table lets a reader work out."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from candor.catalog.models import Variant
from candor.insights.suppression import TOTAL
from candor.orders.models import Order, OrderLine, OrderStatus

_numbers = itertools.count(1)


@dataclass
class Bought:
    email: str
    lines: list[tuple[Variant, int]]
    created_at: datetime
    country: str = "PK"
    status: str = OrderStatus.DELIVERED
    user: object = None
    shipping: Decimal = Decimal("0.00")
    order: Order | None = field(default=None, init=False)

    @property
    def subtotal(self) -> Decimal:
        return sum((v.price * q for v, q in self.lines), Decimal("0.00"))


def write_orders(bought: Iterable[Bought]) -> list[Bought]:
    """Create the orders and their lines (no stock taken, no mail), dated as given."""
    bought = list(bought)
    orders = Order.objects.bulk_create(
        Order(
            number=f"T-{next(_numbers):08d}",
            checkout_token=uuid.uuid4(),
            user=b.user,
            status=b.status,
            payment_method="cod",
            email=b.email,
            phone="+923001234567",
            shipping_name="Test Customer",
            shipping_line1="1 Road",
            shipping_city="Lahore",
            shipping_country=b.country,
            shipping_method_name="Standard",
            currency="PKR",
            subtotal=b.subtotal,
            shipping_cost=b.shipping,
            total=b.subtotal + b.shipping,
        )
        for b in bought
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            variant=variant,
            sku=variant.sku,
            product_name=variant.product.name,
            unit_price=variant.price,
            quantity=quantity,
            line_total=variant.price * quantity,
        )
        for order, b in zip(orders, bought, strict=True)
        for variant, quantity in b.lines
    )
    for order, b in zip(orders, bought, strict=True):
        b.order = order
    # created_at is set on insert (auto_now_add): date them afterwards.
    for moment in {b.created_at for b in bought}:
        Order.objects.filter(pk__in=[b.order.pk for b in bought if b.created_at == moment]).update(
            created_at=moment
        )
    return bought


# --- What a reader of a released table can work out ------------------------------------------

Position = tuple[Hashable, Hashable]


def lines_of(rows: list, columns: list) -> list[list[Position]]:
    """Each row and each column, with its total: the figures of a line add up."""
    all_rows, all_columns = [*rows, TOTAL], [*columns, TOTAL]
    return [[(r, c) for c in all_columns] for r in all_rows] + [
        [(r, c) for r in all_rows] for c in all_columns
    ]


def solvable(withheld: Iterable[Position], rows: list, columns: list) -> set[Position]:
    """The withheld positions whose value follows exactly from the shown figures and the
    additivity of every line (linear algebra over the rationals, written independently of
    the suppression code): x is determined iff the unit vector of x lies in the row space
    of the line equations restricted to the withheld positions."""
    unknowns = sorted(withheld, key=repr)
    index = {p: i for i, p in enumerate(unknowns)}
    equations = []
    for line in lines_of(rows, columns):
        # cells add up to the total: +1 for each cell, -1 for the line's total
        total = line[-1]
        row = [Fraction(0)] * len(unknowns)
        for p in line:
            if p in index:
                row[index[p]] += -1 if p == total else 1
        if any(row):
            equations.append(row)
    basis = _row_echelon(equations)
    rank = len(basis)
    found = set()
    for p, i in index.items():
        unit = [Fraction(0)] * len(unknowns)
        unit[i] = Fraction(1)
        if len(_row_echelon([*basis, unit])) == rank:
            found.add(p)
    return found


def _row_echelon(rows: list[list[Fraction]]) -> list[list[Fraction]]:
    rows = [list(r) for r in rows]
    basis: list[list[Fraction]] = []
    width = len(rows[0]) if rows else 0
    for column in range(width):
        pivot = next((r for r in rows if r[column] != 0), None)
        if pivot is None:
            continue
        rows.remove(pivot)
        pivot = [x / pivot[column] for x in pivot]
        rows = [[a - r[column] * b for a, b in zip(r, pivot, strict=True)] for r in rows]
        rows = [r for r in rows if any(r)]
        basis.append(pivot)
    return basis


def check_released(
    *,
    people: Mapping[Position, frozenset],
    withheld: frozenset[Position],
    rows: list,
    columns: list,
    k: int,
) -> None:
    """P18's three properties of a released table, from the true groups of people behind
    every position (`people`; missing means nobody):
    1. no shown figure describes 0 < n < k people;
    2. in each line whose total is shown, what the total minus the shown figures gives (the
       withheld figures together) describes nobody or at least k people;
    3. no withheld figure can be worked out exactly."""
    everyone = [(r, c) for r in [*rows, TOTAL] for c in [*columns, TOTAL]]
    for p in everyone:
        if p not in withheld:
            assert not 0 < len(people.get(p, frozenset())) < k, p
    for line in lines_of(rows, columns):
        if line[-1] in withheld:
            continue
        behind = frozenset().union(*(people.get(p, frozenset()) for p in line if p in withheld))
        assert not 0 < len(behind) < k, line
    assert solvable(withheld, rows, columns) == set()
