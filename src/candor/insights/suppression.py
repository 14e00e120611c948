"""Withholding small groups from partner reports (P18): k-anonymity with complementary
suppression, over one table with its row totals, column totals and grand total.

A position is (row, column), where row may be TOTAL (the column's total) and column may be
TOTAL (the row's total). The caller gives, for each position, how many different people the
figure there describes (customers, or views for page counts); `suppress` returns the
positions to withhold:

1. **Small groups.** Every position describing 0 < n < k people.
2. **Differences.** Each row and each column, with its total, is a line whose figures add up,
   so "total minus what is shown" gives the sum of what is withheld in it. The withheld
   figures of a line must together describe at least k people. Their union is known to be
   that large when one of them alone describes k or more (a sum of small groups is not
   enough: they may be the same people), or, in a line of cells whose total is shown, when
   the total's people less the people of every shown cell reach k. Where a line withholds
   several figures and falls short, its smallest shown figure describing anyone is
   withheld too: cells before totals, and one that also mends the line crossing it first.
3. **Solving the table.** Every line's sum is a linear equation over the withheld figures.
   Seen as a graph (a node per row and per column, totals included; an edge per withheld
   figure), a withheld figure can be solved for exactly when its edge lies on no cycle (a
   bridge): the lone withheld figure of a line is the simplest case. For each bridge, the
   cheapest path of further figures that closes a cycle through it is withheld (Dijkstra;
   figures already withheld cost nothing, others what they describe, zeros most: hiding a
   zero adds little doubt). Every figure describing anyone that is still shown describes k
   or more, so the path also gives the bridge's lines the large figure step 2 asks for.

The grand total is not withheld to protect another figure where anything else will do: the
tables of one report count the same orders, so their grand totals are one figure, and it
must be withheld in all of them or in none. Only in a table of a single row (or column),
where that row's total is the grand total, can protecting another figure take it; the
report then withholds it in its other tables too (`also`).

Steps 2 and 3 repeat until neither withholds anything more. Only ever adding withheld
positions, it ends. The measures (orders, revenue, views) are treated as additive even where
they are not quite (an order with two categories counts in both): that only withholds more.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Iterable, Mapping, Sequence
from itertools import count


class _Total:
    """The total of a row or a column (a key no row or column can have)."""

    def __repr__(self) -> str:
        return "TOTAL"


TOTAL: Hashable = _Total()
Position = tuple[Hashable, Hashable]
GRAND: Position = (TOTAL, TOTAL)

# Withholding a zero hides nothing anyone could not guess; take one only when nothing else
# closes the cycle.
ZERO_COST = 10**15


def positions(rows: Sequence[Hashable], columns: Sequence[Hashable]) -> list[Position]:
    return [(r, c) for r in [*rows, TOTAL] for c in [*columns, TOTAL]]


def suppress(
    people: Mapping[Position, int],
    *,
    rows: Sequence[Hashable],
    columns: Sequence[Hashable],
    k: int,
    also: Iterable[Position] = (),
) -> frozenset[Position]:
    """The positions to withhold (see the module docstring). `people` may leave out
    positions that describe nobody; `also` are withheld whatever they describe (a figure
    another table of the report withholds).

    The cells' people must be exact. A total's may instead be a lower bound when that
    bound is k or more, or any number below k when the total's people are below k: only on
    which side of k it lies, and a lower bound of it, are used."""
    all_rows, all_columns = [*rows, TOTAL], [*columns, TOTAL]
    order = {p: i for i, p in enumerate(positions(rows, columns))}
    size = {p: people.get(p, 0) for p in order}
    hidden = {p for p, n in size.items() if 0 < n < k} | set(also)
    lines = [[(r, c) for c in all_columns] for r in all_rows]
    lines += [[(r, c) for r in all_rows] for c in all_columns]

    def short(line: list[Position]) -> bool:
        """Withholds several figures, and cannot show that together they describe k people
        or more. (A line with one withheld figure is left to step 3: it is a bridge.)"""
        withheld = [size[p] for p in line if p in hidden]
        if len(withheld) < 2 or max(withheld) >= k:
            return False
        total, first = line[-1], line[0]
        if total in hidden or TOTAL in first:
            return True
        # A line of cells with its total shown: the people behind the withheld cells number
        # at least the total's people less those of every shown cell.
        shown = sum(size[p] for p in line[:-1] if p not in hidden)
        return size[total] - shown < k

    def cheapest(line: list[Position], crossing: dict[Position, list[Position]]) -> Position | None:
        shown = [p for p in line if p not in hidden and size[p] > 0 and p != GRAND]
        if not shown:
            return None
        # Cells before totals; one that also mends the line crossing it before one that does
        # not; then the smallest.
        return min(shown, key=lambda p: (TOTAL in p, not short(crossing[p]), size[p], order[p]))

    row_of = {p: lines[i] for i in range(len(all_rows)) for p in lines[i]}
    column_of = {p: line for line in lines[len(all_rows) :] for p in line}
    while True:
        grew = False
        for i, line in enumerate(lines):
            if short(line):
                extra = cheapest(line, column_of if i < len(all_rows) else row_of)
                if extra is not None:
                    hidden.add(extra)
                    grew = True
        if grew:
            continue
        bridge = _first_bridge(hidden, order)
        if bridge is None:
            return frozenset(hidden)
        extra = _closing_path(bridge, hidden, size, all_rows, all_columns)
        if not extra:  # cannot happen for a true bridge; never loop on it
            return frozenset(size)
        hidden.update(extra)


def _node_of_row(r: Hashable) -> tuple[str, Hashable]:
    return ("row", r)


def _node_of_column(c: Hashable) -> tuple[str, Hashable]:
    return ("column", c)


def _first_bridge(hidden: set[Position], order: Mapping[Position, int]) -> Position | None:
    """A withheld position whose edge is a bridge (Tarjan's low-link, without recursion), the
    first in table order; None when every withheld figure lies on a cycle."""
    adjacent: dict[tuple, list[tuple[tuple, Position]]] = {}
    for p in hidden:
        a, b = _node_of_row(p[0]), _node_of_column(p[1])
        adjacent.setdefault(a, []).append((b, p))
        adjacent.setdefault(b, []).append((a, p))
    entered: dict[tuple, int] = {}
    low: dict[tuple, int] = {}
    clock = count()
    bridges: list[Position] = []
    for root in adjacent:
        if root in entered:
            continue
        entered[root] = low[root] = next(clock)
        stack: list[tuple[tuple, Position | None, int]] = [(root, None, 0)]
        while stack:
            node, via, i = stack[-1]
            if i < len(adjacent[node]):
                stack[-1] = (node, via, i + 1)
                nxt, edge = adjacent[node][i]
                if edge == via:
                    continue
                if nxt in entered:
                    low[node] = min(low[node], entered[nxt])
                else:
                    entered[nxt] = low[nxt] = next(clock)
                    stack.append((nxt, edge, 0))
            else:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > entered[parent]:
                        bridges.append(via)  # type: ignore[arg-type]
    return min(bridges, key=order.__getitem__) if bridges else None


def _closing_path(
    bridge: Position,
    hidden: set[Position],
    size: Mapping[Position, int],
    rows: Sequence[Hashable],
    columns: Sequence[Hashable],
) -> list[Position]:
    """The shown positions on the cheapest path from the bridge's row to its column that
    does not use the bridge: withholding them puts the bridge on a cycle."""

    def cost(p: Position) -> int:
        if p in hidden:
            return 0
        return size[p] if size[p] > 0 else ZERO_COST

    start, goal = _node_of_row(bridge[0]), _node_of_column(bridge[1])
    best = {start: 0}
    came: dict[tuple, tuple[tuple, Position]] = {}
    tie = count()
    queue = [(0, next(tie), start)]
    while queue:
        distance, _, node = heapq.heappop(queue)
        if node == goal:
            break
        if distance > best.get(node, distance):
            continue
        kind, key = node
        if kind == "row":
            steps = [((key, c), _node_of_column(c)) for c in columns]
        else:
            steps = [((r, key), _node_of_row(r)) for r in rows]
        for p, nxt in steps:
            if p == bridge or (p == GRAND and p not in hidden):
                continue
            d = distance + cost(p)
            if d < best.get(nxt, d + 1):
                best[nxt] = d
                came[nxt] = (node, p)
                heapq.heappush(queue, (d, next(tie), nxt))
    if goal not in came:  # a table with a single row or column: withhold the whole line
        line = [p for p in size if p[0] == bridge[0] or p[1] == bridge[1]]
        return [p for p in line if p not in hidden]
    path, node = [], goal
    while node != start:
        node, p = came[node]
        path.append(p)
    return [p for p in path if p not in hidden]
