"""A reason of `accelsim paper --compare` on cells made by hand: a row whose A and B both agree
yet whose A + B does not says "neither" (session 11, issue 19)."""

from __future__ import annotations

from types import SimpleNamespace

from accelsim.paper.diagnose import _perf
from accelsim.paper.published import PublishedValue


def _printed(value: float) -> PublishedValue:
    return PublishedValue(value=value, text=f"{value:g}")


def test_a_sum_that_differs_though_both_parts_agree_names_neither():
    # printed A 1.0004e-6 + B 1.0004e-6 = 2.0008e-6 = its A+B: the row is self-consistent.
    # ours 1.00044e-6 each: both round to 1.000e-6 (4 digits), their sum 2.00088e-6 to 2.001e-6
    row = SimpleNamespace(move_s=_printed(1.0004e-6), compute_s=_printed(1.0004e-6),
                          perf_s=_printed(2.0008e-6))  # fmt: skip
    ours = SimpleNamespace(move_s=1.00044e-6, compute_s=1.00044e-6)
    ev = SimpleNamespace(paper=lambda layer: row, ours=lambda layer: ours)
    assert _perf(5, ev) == "A + B of the row, and neither differs"
    ours = SimpleNamespace(move_s=1.2e-6, compute_s=1.00044e-6)
    assert _perf(5, ev) == "A + B of the row, and A differs"
