"""Pareto fronts over design points (pure: no simulator, no I/O).

Both objectives are minimised. A point is on the front when no other point is at least as good
in both and strictly better in one; equal points are all on the front (neither dominates).
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["pareto_front"]


def pareto_front(points: Sequence[tuple[float, float]]) -> list[bool]:
    """For each (x, y) pair, whether it is on the front of the set (both minimised).

    Sorting by x then y makes one pass enough: a point is dominated exactly when an earlier
    point with a different (x, y) has y no larger. O(n log n).
    """
    order = sorted(range(len(points)), key=lambda i: points[i])
    on_front = [False] * len(points)
    best_y = float("inf")  # smallest y among strictly better-or-equal-x points seen so far
    index = 0
    while index < len(order):
        # Points with identical (x, y) are judged together and share the verdict.
        same = index
        while same < len(order) and points[order[same]] == points[order[index]]:
            same += 1
        y = points[order[index]][1]
        if y < best_y:
            for i in order[index:same]:
                on_front[i] = True
        best_y = min(best_y, y)
        index = same
    return on_front
