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


def test_two_transfers_starting_together_are_matched_in_task_order() -> None:
    """Two 64 B loads start at cycle 0 on two channels: x (task 0, home 0) for r1, y (task 2,
    home 64) for r2. With `row_bank_column` 64 B is one burst and one column, so x and y (and
    the output b, home 128) sit in row 0 of bank 0: x's burst opens it (a miss), y's and b's
    find it open (hits). The DDR log has x's record first (its channel asked first): the
    event of the lower task takes the first of the records that share its start and size, so
    r1 has the miss and r2 the two hits (taking the last one would swap x's and y's)."""
    g = GraphBuilder()
    x, y = g.input("x", (1, 64)), g.input("y", (1, 64))
    a = g.op("r1", "Relu", [x], "a", (1, 64), vector_ops=64)
    b = g.op("r2", "Add", [a, y], "b", (1, 64), vector_ops=64)
    hw = with_overrides(toy_machine(sram=100_000, dma_units=2), {
        "ddr.timing": "banked", "ddr.preset": "ddr4-3200", "ddr.bandwidth": None,
        "ddr.mapping": "row_bank_column",
    })  # fmt: skip
    result = simulate_graph(g.build(b), hw, name="t")
    loads = [(e.buffer, e.resource, e.start, e.nbytes) for e in result.trace.events
             if e.kind == "load"]  # fmt: skip
    assert loads == [("x", "dma0", 0, 64), ("y", "dma1", 0, 64)]
    assert [(r.buffer, r.address) for r in result.plan.ddr] == [("x", 0), ("y", 64), ("b", 128)]
    layers = layer_ddr(result)
    assert layers is not None
    assert [(d.nbytes, d.hits, d.misses, d.conflicts) for d in layers] == [
        (64, 0, 1, 0), (128, 2, 0, 0),
    ]  # fmt: skip
    assert [d.row_hit_rate for d in layers] == [0.0, 1.0]


def test_a_conflict_counts_as_a_burst_that_missed_the_open_row() -> None:
    """`bank_row_column` puts the bank bits on top, so 8 KiB (one DDR4 row) on is row 1 of
    the same bank: x (8 KiB, home 0) fills row 0 of bank 0 (128 bursts: a miss, then hits, and
    a miss again after the refresh due at 7.8 us, cycle 7,800, closed the row), y (home 8,192)
    finds row 0 open (a conflict) and the output b (home 8,256) row 1 open (a hit). r2's row
    hit rate is its hits over all its bursts, conflicts included: 1 of 2."""
    g = GraphBuilder()
    x, y = g.input("x", (1, 8192)), g.input("y", (1, 64))
    a = g.op("r1", "Relu", [x], "a", (1, 64), vector_ops=64)
    b = g.op("r2", "Add", [a, y], "b", (1, 64), vector_ops=64)
    hw = with_overrides(toy_machine(sram=100_000), {
        "ddr.timing": "banked", "ddr.preset": "ddr4-3200", "ddr.bandwidth": None,
        "ddr.mapping": "bank_row_column",
    })  # fmt: skip
    result = simulate_graph(g.build(b), hw, name="t")
    assert [(r.buffer, r.address) for r in result.plan.ddr] == [
        ("x", 0), ("y", 8192), ("b", 8256),
    ]  # fmt: skip
    layers = layer_ddr(result)
    assert layers is not None
    assert [(d.bursts, d.hits, d.misses, d.conflicts) for d in layers] == [
        (128, 126, 2, 0), (2, 1, 0, 1),
    ]  # fmt: skip
    assert [d.row_hit_rate for d in layers] == [126 / 128, 0.5]
