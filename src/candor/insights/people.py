"""How many customers a figure describes, known exactly where it matters and cheaply elsewhere.

Suppression (insights.suppression) needs to know, for each figure, on which side of k its
customers lie, and a lower bound of them when they reach k. Counting distinct customers
exactly (COUNT DISTINCT) sorts every row: for a year of order lines that is most of the
report's time. So a report first takes bounds from its ordinary aggregate queries:

- **at most**: the orders (or order lines) behind the figure: each customer placed one;
- **at least**, on PostgreSQL: a 64-bit sketch, BIT_OR over the rows of one bit per customer
  (chosen by a hash of the address): the set bits are at most the customers, since one
  customer always sets the same bit. The sketch of a total is the OR of its parts'. BIT_OR
  is an ordinary aggregate, so PostgreSQL groups with hashing, in parallel, without sorting.
  Elsewhere the cells are counted exactly (COUNT DISTINCT) and a total's lower bound is its
  largest part.

A figure whose bounds straddle k (at least < k <= at most) is "in doubt" and counted exactly
with a query limited to the figures in doubt. A group of 30 customers or more almost never
is; one of 10 to 20 sometimes is. The result is always exact on the side of k that matters.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping

from django.db import connection
from django.db.models import Aggregate, BigIntegerField, Count, Func, IntegerField, Q

from .counting import customer

BITS = 64
_MASK = (1 << BITS) - 1


def sketching() -> bool:
    return connection.vendor == "postgresql"


class _CustomerBit(Func):
    """1 << (hash of the customer mod 64), as a bigint (PostgreSQL only)."""

    output_field = BigIntegerField()

    def as_sql(self, compiler, connection, **extra_context):  # pragma: no cover
        raise NotImplementedError("The customer sketch needs PostgreSQL.")

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(1::bigint << ((({sql}) & {BITS - 1})::integer))", params


class _BitOr(Aggregate):
    function = "BIT_OR"
    output_field = BigIntegerField()


def customers(order: str = "", *, filter: Q | None = None) -> Aggregate:
    """The aggregate a query selects as its "people" (of the rows matching `filter`): the
    sketch on PostgreSQL, the exact count elsewhere (read it with `from_row`)."""
    if sketching():
        return _BitOr(_CustomerBit(customer(order)), filter=filter)
    return Count(customer(order), distinct=True, filter=filter, output_field=IntegerField())


def sketch_union(name: str) -> Aggregate:
    """The sketch of the union of stored sketches (column `name`; PostgreSQL)."""
    return _BitOr(name)


def exactly(order: str = "") -> Aggregate:
    return Count(customer(order), distinct=True)


class People:
    """Bounds of how many customers a figure describes: at least `low`, at most `high`."""

    __slots__ = ("_least", "bits", "high")

    def __init__(self, low: int = 0, high: int = 0, bits: int = 0) -> None:
        self._least = low  # a lower bound known apart from the sketch
        self.high = high
        self.bits = bits  # the sketch (PostgreSQL), 0 elsewhere

    @property
    def low(self) -> int:
        return max(self._least, self.bits.bit_count())

    @classmethod
    def from_row(cls, value: int | None, *, most: int, sketch: bool) -> People:
        """From a query's "people" column and the rows (orders, lines) behind the figure;
        `sketch`: whether the column is a sketch (see `sketching`)."""
        if not value:
            return cls()
        if sketch:
            return cls(0, most, value & _MASK)
        return cls(value, value)

    @classmethod
    def exact(cls, n: int) -> People:
        return cls(n, n)

    def absorb(self, part: People) -> None:
        """Become the total of this and `part` (the union of their customers)."""
        self.bits |= part.bits
        self._least = max(self._least, part.low)
        self.high += part.high

    def at_most(self, n: int) -> People:
        return People(self._least, min(self.high, max(n, self.low)), self.bits)

    def in_doubt(self, k: int) -> bool:
        return self.low < k <= self.high

    def size(self, k: int) -> int:
        """What suppression is given: a lower bound when at least k, else the upper bound
        (below k: only that it is below k, and whether it is 0, matter)."""
        low = self.low
        return low if low >= k else self.high

    def __repr__(self) -> str:
        return f"People({self.low}..{self.high})"


def union(parts: Iterable[People]) -> People:
    total = People()
    for part in parts:
        total.absorb(part)
    return total


def settle(
    people: dict[Hashable, People],
    k: int,
    count_exactly: Callable[[list[Hashable]], Mapping[Hashable, int]],
) -> None:
    """Replace the bounds in doubt (see the module docstring) by exact counts:
    count_exactly(keys) returns {key: customers} for the keys given."""
    doubtful = [key for key, p in people.items() if p.in_doubt(k)]
    if doubtful:
        found: Mapping[Hashable, int] = count_exactly(doubtful)
        for key in doubtful:
            people[key] = People.exact(found.get(key, 0))
