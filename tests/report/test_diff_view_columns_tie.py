"""`accelsim diff`'s view at a narrow width: A's and B's window columns matter as much as each
other, so A's (the first) is kept where only one of them fits, though B's is narrower."""

from __future__ import annotations

from accelsim.report.diff import diff_runs
from tests.explain.test_diff import _doc
from tests.report.test_diff_view_rows import _view


def _headers(diff, width: int) -> list[str]:
    line = next(line for line in _view(diff, width) if line.startswith("layer"))
    return [cell.strip() for cell in line.split("  ") if cell.strip()]


def test_a_keeps_its_window_column_before_b_where_one_fits():
    # One layer, 1,000,000 cycles in A, 999,999 in B. Column widths (widest of header and
    # cell): layer 5 ("c1" under "layer"), A cyc 9 ("1,000,000"), B cyc 7 ("999,999"),
    # Δ cyc 5 ("-1"), A B 3, Δ B 3, A bound 7, B bound 7, Δ lost to 9; two spaces apart.
    # Required: layer, Δ cyc, B bound = 5 + 5 + 7 + 2 x 2 = 21. Priority 5 ties A and B: A
    # first, 21 + 9 + 2 = 32; then B would need 32 + 7 + 2 = 41. B first would fit at 30 and
    # leave A out (30 + 11 = 41).
    diff = diff_runs(_doc(("c1", "Conv", 1_000_000)), _doc(("c1", "Conv", 999_999)),
                     labels=("A", "B"))  # fmt: skip
    assert _headers(diff, 32) == ["layer", "A cyc", "Δ cyc", "B bound"]
    # narrower, A no longer fits and B, tried next, does (21 + 7 + 2 = 30)
    assert _headers(diff, 31) == _headers(diff, 30) == ["layer", "B cyc", "Δ cyc", "B bound"]
    # at 29 neither window fits, and A B (3) does: 21 + 3 + 2 = 26
    assert _headers(diff, 29) == ["layer", "Δ cyc", "A B", "B bound"]
    # at 40, A B (3) still fits after A: 32 + 5 = 37; at 41 B's window fits too
    assert _headers(diff, 40) == ["layer", "A cyc", "Δ cyc", "A B", "B bound"]
    assert _headers(diff, 41) == ["layer", "A cyc", "B cyc", "Δ cyc", "B bound"]
