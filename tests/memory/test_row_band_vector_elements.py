"""A vector layer tiled into row bands: each tile works on the elements of its own rows, not on
every row of its channels (its elements set how many of a vector unit's lanes it fills)."""

from __future__ import annotations

from accelsim.api import simulate_graph
from accelsim.work import Vector
from tests.sim.toy import GraphBuilder, toy_machine


def test_a_row_banded_tanh_tile_has_the_elements_of_its_rows() -> None:
    # Tanh over (1, 1, 40, 40), int8: 1,600 B in and 1,600 B out, which 300 B of SRAM cannot
    # hold, so it is tiled; with one channel the only way to split is by rows. Each tile's
    # elements are its rows x 40 (one op per element, so equal to its ops), and together
    # they are the layer's 1,600; a tile priced with all 40 rows would hold 1,600 alone.
    g = GraphBuilder()
    x = g.input("x", (1, 1, 40, 40))
    t = g.op("t", "Tanh", [x], "t", (1, 1, 40, 40), vector_ops=1600)
    result = simulate_graph(g.build(t), toy_machine(sram=300), name="t")
    works = [task.work for task in result.plan.tasks if task.kind == "compute"]
    assert len(works) == result.plan.tiles[0] > 1
    assert all(isinstance(w, Vector) and w.elements == w.ops < 1600 for w in works)
    assert all(w.elements % 40 == 0 for w in works)  # whole rows of 40
    assert sum(w.elements for w in works) == 1600
