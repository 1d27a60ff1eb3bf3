"""Pareto front on hand-made point sets (both objectives minimised)."""

from __future__ import annotations

import random

from accelsim.sweep.pareto import pareto_front


def test_front_of_a_hand_made_set():
    points = [
        (1.0, 9.0),  # best x: on the front
        (2.0, 5.0),  # on: nothing with x <= 2 has y <= 5
        (2.0, 6.0),  # dominated by (2, 5): same x, larger y
        (3.0, 5.0),  # dominated by (2, 5): larger x, same y
        (4.0, 2.0),  # on
        (5.0, 3.0),  # dominated by (4, 2)
        (6.0, 1.0),  # best y: on
        (7.0, 1.0),  # dominated by (6, 1)
    ]
    assert pareto_front(points) == [True, True, False, False, True, False, True, False]


def test_equal_points_share_the_front_and_empty_set_has_none():
    assert pareto_front([(1, 1), (1, 1), (2, 0), (2, 2)]) == [True, True, True, False]
    assert pareto_front([]) == []


def test_agrees_with_the_quadratic_definition_on_random_sets():
    rng = random.Random(5)
    for _ in range(200):
        points = [(rng.randint(0, 6), rng.randint(0, 6)) for _ in range(rng.randint(1, 12))]
        brute = [not any(q[0] <= p[0] and q[1] <= p[1] and q != p for q in points) for p in points]
        assert pareto_front(points) == brute
