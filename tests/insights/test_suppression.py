"""Withholding small groups over generated tables (P18): k-anonymity with complementary
suppression, checked against the true groups of people behind every figure."""

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from candor.insights.suppression import TOTAL, suppress

from .helpers import check_released, solvable


def totals(cells: dict, rows: list, columns: list) -> dict:
    """Every position's group of people: the cells' own, and the union along each total."""
    people = dict(cells)
    for r in rows:
        people[(r, TOTAL)] = frozenset().union(*(cells.get((r, c), frozenset()) for c in columns))
    for c in columns:
        people[(TOTAL, c)] = frozenset().union(*(cells.get((r, c), frozenset()) for r in rows))
    people[(TOTAL, TOTAL)] = frozenset().union(*cells.values())
    return people


@st.composite
def tables(draw):
    rows = list(range(draw(st.integers(1, 5))))
    columns = [f"c{i}" for i in range(draw(st.integers(1, 5)))]
    pool = draw(st.integers(1, 40))  # few people: they recur across cells, as customers do
    group = st.frozensets(st.integers(0, pool - 1), max_size=15)
    cells = {(r, c): draw(group) for r in rows for c in columns}
    return rows, columns, totals(cells, rows, columns), draw(st.integers(2, 10))


@settings(max_examples=400, deadline=None)
@given(tables())
def test_p18_no_small_group_shown_derivable_or_solvable(table):
    """P18: over any small table, no released figure describes 0 < n < k people, no total
    minus the released figures of its line describes 0 < n < k people, and no withheld
    figure can be solved for exactly from the lines' sums."""
    rows, columns, people, k = table
    withheld = suppress({p: len(g) for p, g in people.items()}, rows=rows, columns=columns, k=k)
    check_released(people=people, withheld=withheld, rows=rows, columns=columns, k=k)


@settings(max_examples=200, deadline=None)
@given(tables())
def test_p18_grand_total_is_withheld_only_for_its_own_sake(table):
    """P18: the grand total is the same figure in every table of a report (the same orders),
    so in a table of several rows and columns it is withheld only when it is itself too
    small, never to protect another figure."""
    rows, columns, people, k = table
    assume(len(rows) > 1 and len(columns) > 1)
    withheld = suppress({p: len(g) for p, g in people.items()}, rows=rows, columns=columns, k=k)
    assert ((TOTAL, TOTAL) in withheld) == (0 < len(people[(TOTAL, TOTAL)]) < k)


def test_p18_withheld_elsewhere_is_withheld_here_and_protected():
    """P18: a figure another table withholds (`also`) is withheld here too, and protected
    like a small one: its row and column hide a complement."""
    people = {(r, c): 20 for r in "ab" for c in "xy"}
    people |= {(r, TOTAL): 40 for r in "ab"} | {(TOTAL, c): 40 for c in "xy"}
    people[(TOTAL, TOTAL)] = 80

    withheld = suppress(people, rows=["a", "b"], columns=["x", "y"], k=10, also=[(TOTAL, TOTAL)])

    assert (TOTAL, TOTAL) in withheld
    assert solvable(withheld, ["a", "b"], ["x", "y"]) == set()


@settings(max_examples=200, deadline=None)
@given(tables())
def test_p18_large_groups_alone_are_all_shown(table):
    """P18: suppression withholds only because of a small group; a table where every figure
    describes nobody or at least k people is released whole."""
    rows, columns, people, _ = table
    smallest = min((len(g) for g in people.values() if g), default=1)
    withheld = suppress(
        {p: len(g) for p, g in people.items()}, rows=rows, columns=columns, k=smallest
    )
    assert withheld == frozenset()


def test_p18_lone_small_cell_is_covered_by_the_cheapest_rectangle():
    """P18: one small cell in a 3 × 2 table costs three more cells (a rectangle), where the
    figures withheld describe fewest people, and the totals stay shown."""
    cells = {
        ("a", "x"): 3,
        ("a", "y"): 20,
        ("b", "x"): 15,
        ("b", "y"): 30,
        ("c", "x"): 12,
        ("c", "y"): 40,
    }
    people = dict(cells)
    for r in "abc":
        people[(r, TOTAL)] = cells[(r, "x")] + cells[(r, "y")]
    for c in "xy":
        people[(TOTAL, c)] = sum(cells[(r, c)] for r in "abc")
    people[(TOTAL, TOTAL)] = sum(cells.values())

    withheld = suppress(people, rows=list("abc"), columns=list("xy"), k=10)

    assert withheld == {("a", "x"), ("a", "y"), ("b", "x"), ("b", "y")}


def test_p18_small_row_total_hides_its_cells_and_a_partner_row():
    """P18: a country with 4 customers in all: its total and its cells are withheld, and so
    much of another row that its total cannot be had from the grand total."""
    people = {
        ("small", "x"): 3,
        ("small", "y"): 2,
        ("small", TOTAL): 4,
        ("big", "x"): 50,
        ("big", "y"): 60,
        ("big", TOTAL): 100,
        ("other", "x"): 20,
        ("other", "y"): 25,
        ("other", TOTAL): 40,
        (TOTAL, "x"): 70,
        (TOTAL, "y"): 84,
        (TOTAL, TOTAL): 140,
    }
    rows, columns = ["small", "big", "other"], ["x", "y"]

    withheld = suppress(people, rows=rows, columns=columns, k=10)

    assert {("small", "x"), ("small", "y"), ("small", TOTAL)} <= withheld
    assert ("other", TOTAL) in withheld
    assert (TOTAL, TOTAL) not in withheld
    assert solvable(withheld, rows, columns) == set()


def test_p18_whole_table_withheld_when_everyone_together_is_too_few():
    """P18: when the grand total describes fewer than k people, nothing but zeros is shown."""
    people = {("a", "x"): 2, ("a", TOTAL): 2, ("b", "y"): 3, ("b", TOTAL): 3}
    people |= {(TOTAL, "x"): 2, (TOTAL, "y"): 3, (TOTAL, TOTAL): 5}

    withheld = suppress(people, rows=["a", "b"], columns=["x", "y"], k=10)

    assert withheld == {p for p, n in people.items() if n}
