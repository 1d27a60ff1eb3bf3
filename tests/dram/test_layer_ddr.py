"""Per-layer DDR traffic of a banked run (`layer_ddr`), recounted from the trace and the DDR log.

One DMA channel moves one transfer at a time, so the DDR model logged the transfers in the order
their events start: the i-th transfer event (by start) is the i-th record. From that pairing:
each layer's bytes, bursts, hits, misses and conflicts are its records' sums, its busy cycles its
events' durations, and its energy its records' command energy plus refresh and background shared
by the bytes it moved (a layer moving twice the bytes takes twice the share).
"""

from __future__ import annotations

import math

import pytest

from accelsim.api import simulate_graph
from accelsim.ddr_layers import layer_ddr
from accelsim.hardware_file import with_overrides
from tests.sim.toy import GraphBuilder, toy_machine


def test_each_layers_ddr_traffic_and_energy_share() -> None:
    g = GraphBuilder()
    # x loaded by r1, y stored by r3, r2 moves nothing; ~15,000 cycles: refresh (7.8 us) too
    x = g.input("x", (1, 4000))
    a = g.op("r1", "Relu", [x], "a", (1, 4000), vector_ops=4000)
    b = g.op("r2", "Relu", [a], "b", (1, 4000), vector_ops=4000)
    y = g.op("r3", "Relu", [b], "y", (1, 1300), vector_ops=1300)
    hw = with_overrides(toy_machine(sram=100_000), {
        "ddr.timing": "banked", "ddr.preset": "ddr4-3200", "ddr.bandwidth": None,
    })  # fmt: skip
    result = simulate_graph(g.build(y), hw, name="t")
    dram = result.dram
    assert dram is not None
    layers = layer_ddr(result)
    assert layers is not None and len(layers) == len(result.program.layers)
    moves = sorted((e for e in result.trace.events if e.nbytes), key=lambda e: e.start)
    assert len(moves) == len(dram.transfers)
    shared = dram.energy.refresh_j + dram.energy.background_j
    total_bytes = sum(e.nbytes for e in moves)
    for index, got in enumerate(layers):
        mine = [(e, r) for e, r in zip(moves, dram.transfers, strict=True) if e.layer == index]
        nbytes = sum(e.nbytes for e, _ in mine)
        assert got.nbytes == nbytes == sum(r.nbytes for _, r in mine)
        assert got.bursts == sum(r.hits + r.misses + r.conflicts for _, r in mine)
        assert (got.hits, got.misses, got.conflicts) == tuple(
            sum(getattr(r, f) for _, r in mine) for f in ("hits", "misses", "conflicts")
        )
        assert got.busy_cycles == sum(e.end - e.start for e, _ in mine)
        if not mine:  # r2
            assert (got.bandwidth(1e9), got.row_hit_rate, got.energy_j) == (None, None, 0)
            continue
        assert got.bandwidth(1e9) == pytest.approx(nbytes * 1e9 / got.busy_cycles)
        assert got.row_hit_rate == got.hits / got.bursts
        want = sum(dram.command_energy(r) for _, r in mine) + shared * nbytes / total_bytes
        assert got.energy_j == pytest.approx(want, rel=1e-12)
    assert dram.counts.ref >= 1 and [bool(layer.nbytes) for layer in layers] == [1, 0, 1]
    assert math.fsum(layer.energy_j for layer in layers) == pytest.approx(
        dram.energy.total_j, rel=1e-9
    )
