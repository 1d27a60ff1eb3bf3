"""A range's part (`plan.Ranges.part`: whole, the layer's shared slice, tile n, group g) read back
as its name, `x[tile 7]`: by hand, and on a tiled plan against its tile counts."""

from __future__ import annotations

import re
from pathlib import Path

from accelsim.hardware_file import load_hardware, with_overrides
from accelsim.lowering import lower
from accelsim.memory.policies import make_plan
from accelsim.plan import LAYER, WHOLE, Ranges, group_part
from accelsim.workload import import_onnx

ROOT = Path(__file__).resolve().parents[2]


def test_each_part_reads_back_as_its_name() -> None:
    ranges = Ranges()
    for buffer, part in (("x", WHOLE), ("x", LAYER), ("x", 0), ("x", 7), ("W", group_part(0)),
                         ("W", group_part(3))):  # fmt: skip
        ranges.add(buffer, part, 2, 0, 16)
    assert [a.buffer for a in ranges] == ["x", "x[layer]", "x[tile 0]", "x[tile 7]",
                                          "W[group 0]", "W[group 3]"]  # fmt: skip
    assert ranges[5].buffer == "W[group 3]" and ranges[-4].buffer == "x[tile 0]"


def test_a_range_released_again_forgets_the_tasks_it_waited_for_before() -> None:
    # released after three tasks (kept apart, `more`), then again after none (the end of the
    # run) or one: the second release is the one read back
    ranges = Ranges()
    for again in ((), (9,)):
        index = ranges.add("x", WHOLE, 0, 0, 16)
        ranges.released_after(index, 1, 2, 3)
        assert ranges.release(index) == (1, 2, 3)
        ranges.released_after(index, *again)
        assert ranges.release(index) == again and ranges[index].release == again


def test_a_tiled_plans_ranges_name_tiles_and_groups_of_their_layer() -> None:
    # MobileNet on a 4 KiB SRAM: most layers tiled, many repeated in bulk (whole groups and
    # bands copied, their ranges' parts numbered in one pass). Every tile named is one of its
    # layer's `plan.tiles`, and the channel groups named count from 0 without a gap, as do the
    # tiles: each tile loads or writes something, each group its weights.
    hw = with_overrides(load_hardware(ROOT / "hardware" / "edge1.yaml"), {"sram.capacity": "4 KiB"})
    program = lower(import_onnx(ROOT / "workloads" / "mobilenet.onnx"), hw)
    plan = make_plan(program, hw, policy="liveness", overlap=True)
    tiles: dict[int, set[int]] = {}
    groups: dict[int, set[int]] = {}
    for allocation in plan.allocations:
        found = re.fullmatch(r"(.+)\[(tile|group) (\d+)\]", allocation.buffer)
        if found is not None:
            numbers = tiles if found[2] == "tile" else groups
            numbers.setdefault(allocation.layer, set()).add(int(found[3]))
        else:
            assert "[" not in allocation.buffer or allocation.buffer.endswith("[layer]")
    assert tiles and groups
    for layer, numbers in tiles.items():
        assert numbers == set(range(plan.tiles[layer])), layer
    for layer, numbers in groups.items():
        assert numbers == set(range(max(numbers) + 1)) and max(numbers) < plan.tiles[layer]
