"""The totals' "costliest" line names the three costliest tensors of five, worked by hand, and
a layer's energy of exactly 0.1 µJ is shown with 3 significant digits, not 3 decimals.

tests/sim/test_schedule.py's two convs at tests/report/test_energy.py's prices (per byte: DDR 1
pJ, bus 2, SRAM read 3, SRAM write 4). A tensor pays its transfers (a load: DDR + bus + SRAM
write = 7 pJ/B; a store: DDR + bus + SRAM read = 6 pJ/B), its reads as an operand (3 pJ/B) and
its writes as an output (4 pJ/B):
- x, 32 B, loaded and read by c1: 32 x (7 + 3) = 320 pJ
- c1.W, 72 B, loaded and read: 72 x 10 = 720 pJ
- c1.out, 64 B, written by c1 and read by c2 in SRAM: 64 x (4 + 3) = 448 pJ
- c2.W, 16 B: 16 x 10 = 160 pJ
- c2.out, 64 B, written and stored: 64 x (4 + 6) = 640 pJ
The run: those 2,288 pJ plus (1,152 + 256) MACs x 5 pJ = 7,040 pJ: 9,328 pJ.
"""

from __future__ import annotations

from accelsim.api import simulate_graph
from accelsim.report.tables import _microjoules, totals_table
from tests.report.test_energy import _priced
from tests.report.test_tables_by_hand import _text
from tests.sim.test_schedule import _two_convs


def test_the_costliest_line_names_the_top_three_tensors_with_their_shares():
    result = simulate_graph(_two_convs(), _priced(latency_ns=10), name="t")
    line = next(line for line in _text(totals_table(result)).splitlines()
                if line.startswith("costliest"))  # fmt: skip
    # 720 / 9,328 = 7.72 %, 640 / 9,328 = 6.86 %, 448 / 9,328 = 4.80 %
    assert line.split(maxsplit=1)[1] == (
        "c1.W 720 pJ (7.7%), c2.out 640 pJ (6.9%), c1.out 448 pJ (4.8%) "
        "(moving and keeping each tensor: DDR, bus, SRAM)"
    )


def test_a_tenth_of_a_microjoule_is_three_significant_digits():
    assert _microjoules(0.1 / 1e6) == "0.1"  # at 0.1 µJ: no trailing zeros
    assert _microjoules(0.0999 / 1e6) == "0.100"  # below it: 3 decimals
