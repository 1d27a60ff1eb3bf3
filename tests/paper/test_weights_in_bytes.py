"""The paper's rules count a layer's filter coefficients in bytes (`weights_in_bytes`), and a
part of a byte still takes a byte: narrow weights round up, never down."""

from __future__ import annotations

import pytest

from accelsim.hardware_file import with_overrides
from accelsim.paper import CORRECTED, PAPER, PaperModel
from tests.sim.toy import GraphBuilder, toy_machine


@pytest.mark.parametrize(("weights", "in_bytes"), [("int8", 27), ("int4", 14), (3, 11)])
def test_filter_bytes_round_up_under_the_papers_rules(weights, in_bytes):
    # one 3x3 conv, 3 channels in, 1 out: 27 coefficients. int8: 216 bits = 27 B; int4: 108 bits
    # = 13.5 -> 14 B; 3 bits: 81 bits = 10.125 -> 11 B. In and out are int8: 3 x 64 x 8 = 1,536
    # and 1 x 64 x 8 = 512 bits; memory used adds the coefficients once, data moved twice.
    g = GraphBuilder()
    graph = g.build(g.conv("c", g.input("x", (1, 3, 8, 8)), 1, 3, pad=1))
    hw = with_overrides(toy_machine(), {"dtypes.weights": weights})
    (row,) = PaperModel(PAPER).evaluate(graph, hw).rows
    assert (row.in_bits, row.out_bits, row.weight_bits) == (1_536, 512, in_bytes)
    assert row.internal_bits == 1_536 + 512 + in_bytes
    assert row.move_bits == 1_536 + 512 + 2 * in_bytes
    # counted in bits (the corrected rules): 27 x the width, no rounding
    (bits,) = PaperModel(CORRECTED).evaluate(graph, hw).rows
    assert bits.weight_bits == 27 * {"int8": 8, "int4": 4, 3: 3}[weights]
