"""The totals' share of DMA time spent on per-transfer start-up is said on the DMA unit's busy
line alone: the engines' lines end at their own share. tests/report/test_tables_by_hand.py's
two convs (10 ns a transfer): bus 224 of 230 cycles, 40 of them start-ups (17.9%); the matrix
engine 30 cycles (13.0%), the vector unit none."""

from __future__ import annotations

from accelsim.report.tables import totals_table
from tests.report.test_tables_by_hand import _text, two_convs  # noqa: F401  (fixture)


def test_only_the_bus_line_gives_the_start_up_share(two_convs):  # noqa: F811
    lines = {line.split("  ")[0]: line for line in _text(totals_table(two_convs)).splitlines()}
    assert lines["bus busy"].endswith("(97.4%), 17.9% of DMA time per-transfer latency")
    assert lines["matrix busy"].rstrip().endswith("30 cycles = 30 ns (13.0%)")
    assert lines["vector busy"].rstrip().endswith("0 cycles = 0 s (0.0%)")
