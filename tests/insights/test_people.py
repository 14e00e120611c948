"""Bounds of how many customers a figure describes (P18): exact on the side of k that
matters, whatever the sketch says."""

from functools import reduce
from operator import or_

import pytest
from hypothesis import given
from hypothesis import strategies as st

from candor.insights.people import People, settle, union


def test_p18_a_sketch_is_a_lower_bound_and_the_rows_an_upper_one():
    bounds = People.from_row(0b1011, most=7, sketch=True)

    assert (bounds.low, bounds.high) == (3, 7)


def test_p18_the_sketch_of_a_total_is_the_or_of_its_parts():
    """Two parts with the same customer (the same bit) make a total of at least 2, not 3."""
    total = union(
        [People.from_row(0b011, most=2, sketch=True), People.from_row(0b110, most=4, sketch=True)]
    )

    assert (total.low, total.high) == (3, 6)


def test_p18_without_a_sketch_a_total_is_at_least_its_largest_part():
    total = union([People.from_row(4, most=9, sketch=False), People.exact(6)])

    assert (total.low, total.high) == (6, 10)


@pytest.mark.parametrize(
    ("low", "high", "doubt", "size"),
    [(12, 40, False, 12), (3, 8, False, 8), (0, 0, False, 0), (4, 15, True, 15)],
)
def test_p18_what_suppression_is_given(low, high, doubt, size):
    """At least k: a lower bound; below k: any count below k; straddling k: in doubt."""
    assert People(low, high).in_doubt(10) is doubt
    assert People(low, high).size(10) == size


@given(
    st.lists(st.frozensets(st.integers(0, 200), max_size=30), min_size=1, max_size=6),
    st.integers(2, 15),
)
def test_p18_settled_bounds_always_put_the_true_count_on_the_right_side_of_k(groups, k):
    """P18: whatever the sketch's collisions, after settling, a figure's size is on the same
    side of k as its true number of customers, and a lower bound of it when at least k."""
    # One bit per customer, as the database sets it; 0 and 64 collide, as hashes may.
    bits = [reduce(or_, (1 << (c % 64) for c in g), 0) for g in groups]
    people = {
        i: People.from_row(b, most=len(g) * 2, sketch=True)
        for i, (b, g) in enumerate(zip(bits, groups, strict=True))
    }
    people["all"] = union(people.values())
    truth = {i: len(g) for i, g in enumerate(groups)} | {"all": len(frozenset().union(*groups))}

    settle(people, k, lambda keys: {key: truth[key] for key in keys})

    for key, bounds in people.items():
        assert (bounds.size(k) >= k) == (truth[key] >= k)
        assert (bounds.size(k) > 0) == (truth[key] > 0)
        if truth[key] >= k:
            assert bounds.size(k) <= truth[key]
