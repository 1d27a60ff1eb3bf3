"""A product of two activations (attention's scores: B held per column group, like a weight)
splits its reduction only where no split of whole columns fits; where one fits, it is taken,
even if chunks of K would be estimated faster (so every plan that ran before stays the same).

Toy machine (tests/sim/toy.py): 1 byte a cycle on the bus, int8.
"""

from __future__ import annotations

from collections import Counter

from tests.memory.judged import judged_run
from tests.sim.toy import GraphBuilder, toy_machine


def test_a_column_of_the_held_operand_that_fits_is_not_cut_along_k():
    # a (1, 1, 256) x b (1, 256, 2) -> y (1, 1, 2), 600 B of SRAM. Both columns at once:
    # 256 + 512 + 2 = 770 B, too much; one column: a (256 B, shared by both tiles, loaded once)
    # + its 256 B of b + 1 B of y = 513 B, single-buffered (a second slot, 770 B, does not
    # fit). Rows: one. So two tiles of a whole column, b read once, a once.
    g = GraphBuilder()
    a = g.input("a", (1, 1, 256))
    b = g.input("b", (1, 256, 2))
    y = g.op("mm", "MatMul", [a, b], "y", (1, 1, 2), macs=512)
    hw = toy_machine(sram=600)
    result, moved = judged_run(g.build(y), hw)
    assert result.plan.tiles == (2,)
    assert moved == Counter({("load", "a", 256): 1, ("load", "b", 256): 2, ("store", "y", 1): 2})
