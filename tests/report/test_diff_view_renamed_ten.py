"""`accelsim diff`'s view lists ten renamed layers, then marks more with " ...", as it does the
unmatched ones; and a run of one layer on each side says so in its header rows."""

from __future__ import annotations

import pytest

from accelsim.report.diff import diff_runs
from tests.explain.test_diff import _doc
from tests.report.test_diff_view_rows import _view


@pytest.mark.parametrize(("count", "dots"), [(10, False), (11, True)])
def test_the_view_lists_ten_renamed_layers_and_marks_more(count, dots):
    # the same Convs in order, each renamed a{i} -> b{i}: paired by order, all renamed
    a = _doc(*((f"a{i}", "Conv", 1) for i in range(count)))
    b = _doc(*((f"b{i}", "Conv", 1) for i in range(count)))
    (line,) = [row for row in _view(diff_runs(a, b, labels=("A", "B")), 600)
               if row.startswith("renamed")]  # fmt: skip
    assert line.rstrip().endswith("a9 -> b9" + (" ..." if dots else ""))
    assert "a10" not in line


def test_no_renamed_row_when_every_name_matches():
    a = _doc(("c", "Conv", 1))
    assert not [row for row in _view(diff_runs(a, a, labels=("A", "B"))) if row.startswith("ren")]
