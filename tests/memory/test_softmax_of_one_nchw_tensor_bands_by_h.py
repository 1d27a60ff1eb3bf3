"""A Softmax over the last axis of one (1, C, H, W) tensor tiles as NCHW does, by bands of H
rows with all C channels (Softmax does not split channels); only a batch of several such
tensors (attention scores in a batched step) is seen as rows of its last axis.

Toy machine (tests/sim/toy.py): 1 byte a cycle on the bus, int8.
"""

from __future__ import annotations

from collections import Counter

from tests.memory.judged import judged_run
from tests.sim.toy import GraphBuilder, toy_machine


def test_a_softmax_of_a_single_image_tiles_by_rows_of_all_channels():
    # x (1, 4, 2, 16), Softmax over W: whole 128 B in + 128 B out, more than 200 B. A band of
    # one H row takes all 4 channels: 64 B in, 64 B out, 128 B (two slots, 256 B, do not fit):
    # 2 tiles of 64 B each way.
    g = GraphBuilder()
    x = g.input("x", (1, 4, 2, 16))
    y = g.op("sm", "Softmax", [x], "y", (1, 4, 2, 16), vector_ops=640, axis=-1)
    hw = toy_machine(sram=200)
    result, moved = judged_run(g.build(y), hw)
    assert result.plan.tiles == (2,)
    assert moved == Counter({("load", "x", 64): 2, ("store", "y", 64): 2})
    assert result.trace.sram_peak == 128
