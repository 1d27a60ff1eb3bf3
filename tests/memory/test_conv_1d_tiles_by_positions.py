"""A 1-D conv (input N x C x L) tiles as the same conv written 2-D with W = 1 (H = L): by output
channels and by bands of positions along L, each band reading its input positions with the
kernel's halo. Before, it tiled as a flat layer (L as its channels, the input held whole) and
was refused where the 2-D form tiles (64 x 1,024 int8 to 128 channels at 64 KiB).

Two routes: the 2-D form's plan, an independent path of the tiler (rank 4, NCHW), must be the
1-D plan task for task; and the input bytes each band loads follow the halo by hand."""

from __future__ import annotations

import pytest

from accelsim.api import simulate_graph
from accelsim.hardware_file import load_hardware, with_overrides
from accelsim.plan import Tasks
from accelsim.work import Transfer
from tests.sim.toy import GraphBuilder, toy_machine


def _conv(two_d: bool, cin: int, length: int, cout: int, groups: int = 1) -> object:
    """x (1, cin, length) through a kernel-3, pad-1 conv to `cout` channels; `two_d`: written
    as (1, cin, length, 1) with a (3, 1) kernel."""
    g = GraphBuilder("conv1d")
    tail = (1,) if two_d else ()
    x = g.input("x", (1, cin, length, *tail))
    w = g.weight("W", (cout, cin // groups, 3, *tail))
    attributes = (
        {"kernel_shape": [3, 1], "strides": [1, 1], "pads": [1, 0, 1, 0]} if two_d
        else {"kernel_shape": [3], "strides": [1], "pads": [1, 1]}
    )  # fmt: skip
    y = g.op("c", "Conv", [x, w], "y", (1, cout, length, *tail),
             macs=cout * length * cin // groups * 3, group=groups, **attributes)  # fmt: skip
    return g.build(y)


def _tasks(result: object) -> list[tuple[object, ...]]:
    tasks = Tasks.of(result.plan.tasks)  # type: ignore[attr-defined]
    return [(t.unit_kind, t.kind, t.buffer, t.tile, t.work, t.deps) for t in tasks]


@pytest.mark.parametrize(("sram", "cin", "length", "groups", "cout"), [
    (1000, 8, 64, 1, 16), (600, 8, 64, 1, 16), (2000, 8, 64, 1, 32), (200, 8, 64, 1, 16),
    (300, 8, 64, 8, 8),  # depthwise: a tile reads its own channels
    (250, 64, 16, 1, 4),  # one position of one channel does not fit: input channels split
])  # fmt: skip
def test_a_1d_conv_plans_as_its_2d_form(sram, cin, length, groups, cout):
    hw = toy_machine(sram=sram)
    one, two = (simulate_graph(_conv(form, cin, length, cout, groups), hw, name="c")
                for form in (False, True))  # fmt: skip
    assert one.plan.tiles == two.plan.tiles and one.plan.tiles[0] > 1
    assert _tasks(one) == _tasks(two)
    assert one.latency_cycles == two.latency_cycles


def test_each_band_loads_its_positions_and_the_halo_by_hand():
    # 8 channels x 64 positions, int8: a band of output positions [r0, r1) reads input
    # positions [max(0, r0 - 1), min(64, r1 + 1)) of all 8 channels (kernel 3, pad 1)
    result = simulate_graph(_conv(False, 8, 64, 16), toy_machine(sram=600), name="c")
    tasks = Tasks.of(result.plan.tasks)
    tiles = max(tasks.tile) + 1
    loads = [(t.tile, t.work.nbytes) for t in tasks
             if t.buffer == "x" and isinstance(t.work, Transfer)]  # fmt: skip
    assert len(loads) == tiles
    per_band = loads[0][1] // 8 - 1  # the first band: its rows and one below (pad 1 above)
    bands = -(-64 // per_band)
    assert 1 <= per_band < 64 and tiles % bands == 0  # groups of output channels, outer
    for tile, size in loads:
        r0, r1 = tile % bands * per_band, min(64, (tile % bands + 1) * per_band)
        assert size == 8 * (min(64, r1 + 1) - max(0, r0 - 1)), (tile, size)


def test_the_readme_1d_conv_runs_at_64_kib_as_its_2d_form():
    # 64 x 1,024 int8 to 128 channels: refused at 64 KiB before (the input held whole)
    hw = with_overrides(load_hardware("hardware/edge1.yaml"), {"sram.capacity": "64 KiB"})
    one, two = (simulate_graph(_conv(form, 64, 1024, 128), hw, name="c") for form in (False, True))
    assert one.plan.tiles == two.plan.tiles
    assert one.latency_cycles == two.latency_cycles
