"""The plan's run index (`plan.Tasks.run_first/run_width/run_count`) tells the truth: every task of
a run, read back as a `Task` record, is the run's first repeat's task with its tile one more per
repeat and each dependency either the same task or moved by a whole number of repeats, as
`plan.Tasks` documents. Checked here record by record, without the planner's own comparison."""

from __future__ import annotations

from pathlib import Path

import pytest

from accelsim.hardware_file import load_hardware, with_overrides
from accelsim.lowering import lower
from accelsim.memory import planner
from accelsim.memory.policies import make_plan
from accelsim.plan import Task, Tasks
from accelsim.work import Gemm, Transfer, Vector
from accelsim.workload import import_onnx

ROOT = Path(__file__).resolve().parents[2]


def _bare(task: Task) -> tuple[object, ...]:
    """What a run's repeats share: all but id, tile, deps and a transfer's address."""
    work = task.work
    shared = (work.nbytes, work.direction) if isinstance(work, Transfer) else work
    return task.unit_kind, task.kind, task.layer, task.buffer, task.reasons, shared


def run_index_errors(tasks: Tasks) -> list[str]:
    """Every way the run index of `tasks` disagrees with its records (empty: truthful)."""
    errors = []
    runs = list(zip(tasks.run_first, tasks.run_width, tasks.run_count, strict=True))
    end = 0
    for first, width, count in runs:
        if first < end or width < 1 or count < 2 or first + width * count > len(tasks):
            errors.append(f"run {first},{width},{count} after {end} or out of the plan")
            continue
        end = first + width * count
        for j in range(width):
            base, twin = tasks[first + j], tasks[first + width + j]
            if len(twin.deps) != len(base.deps):
                errors.append(f"task {twin.id}: {len(twin.deps)} deps, not {len(base.deps)}")
                continue
            step = [b - a for a, b in zip(base.deps, twin.deps, strict=True)]
            if any(s not in (0, width) for s in step):
                errors.append(f"task {twin.id}: deps {twin.deps} from {base.deps}")
            for k in range(1, count):
                task = tasks[first + k * width + j]
                if _bare(task) != _bare(base) or task.tile != base.tile + k:
                    errors.append(f"task {task.id} is not task {base.id} repeated {k} times")
                want = tuple(d + k * s for d, s in zip(base.deps, step, strict=True))
                if task.deps != want:
                    errors.append(f"task {task.id}: deps {task.deps}, the run says {want}")
    return errors


def _plan(model: Path, machine: str, overrides: dict[str, str], overlap: bool = True) -> Tasks:
    hw = with_overrides(load_hardware(ROOT / "hardware" / f"{machine}.yaml"), overrides)
    plan = make_plan(lower(import_onnx(model), hw), hw, policy="liveness", overlap=overlap)
    assert isinstance(plan.tasks, Tasks)
    return plan.tasks


MOBILENET = ROOT / "workloads" / "mobilenet.onnx"
GPT = ROOT / "workloads" / "gpt_prefill.onnx"


@pytest.mark.parametrize(
    ("model", "machine", "overrides", "overlap"),
    [
        (MOBILENET, "edge1", {"sram.capacity": "4 KiB"}, True),
        (MOBILENET, "edge1", {"sram.capacity": "16 KiB"}, False),
        (MOBILENET, "edge1-2dma", {"sram.capacity": "8 KiB"}, True),
        (MOBILENET, "edge1-systolic", {"sram.capacity": "32 KiB"}, True),
        (MOBILENET, "edge1-unfused", {"sram.capacity": "16 KiB"}, True),
        (GPT, "edge1", {"sram.capacity": "16 KiB"}, True),
        (GPT, "edge1-fused", {"sram.capacity": "64 KiB"}, True),
    ],
)
def test_every_run_repeats_its_first_tile(
    model: Path, machine: str, overrides: dict[str, str], overlap: bool
) -> None:
    tasks = _plan(model, machine, overrides, overlap)
    assert run_index_errors(tasks) == []
    in_runs = sum(w * c for w, c in zip(tasks.run_width, tasks.run_count, strict=True))
    assert in_runs > len(tasks) // 2  # tiled plans are mostly runs (about 90 %)


def _toy(tasks: Tasks, deps: list[int], tile: int, address: int = 0) -> int:
    """One period of a hand-made tiled layer: a load, a compute after it, a store after that."""
    load = tasks.add("dma", "load", 3, tile, "x", Transfer(nbytes=8, direction="in",
                                                           address=address), deps, ())  # fmt: skip
    compute = tasks.add("matrix", "compute", 3, tile, "", Gemm(m=1, k=2, n=3, groups=1, macs=6),
                        [load], ())  # fmt: skip
    tasks.add("dma", "store", 3, tile, "y", Transfer(nbytes=3, direction="out"), [compute], ())
    return compute


def test_repeated_periods_make_one_run_and_a_change_ends_it() -> None:
    # Tiles 0-4 of a layer, each load waiting for the compute two tiles before (its slot) and
    # the layer's shared input (task 0): tiles 0 and 1 wait for task 0 alone (a run of 2),
    # tiles 2, 3, 4 repeat one another (a run of 3). Tiles 5 and 6 are two tasks each, but their
    # slot's computes (tiles 3 and 4) are 3 tasks apart, not 2: no run.
    tasks = Tasks()
    tasks.add("dma", "load", 3, 0, "s", Transfer(nbytes=4, direction="in"), [], ())
    computes: list[int] = []
    bounds = []
    for tile in range(7):
        bounds.append(len(tasks))
        slot = [computes[tile - 2]] if tile >= 2 else []
        if tile < 5:
            computes.append(_toy(tasks, [0, *slot], tile, address=64 * tile))
        else:  # a longer load: another tile
            load = tasks.add("dma", "load", 3, tile, "x", Transfer(nbytes=16, direction="in"),
                             [0, *slot], ())  # fmt: skip
            computes.append(tasks.add("vector", "compute", 3, tile, "",
                                      Vector(ops=1, elements=1), [load], ()))  # fmt: skip
    bounds.append(len(tasks))
    tasks.mark_runs(bounds, {}, bytes(len(bounds)))
    # periods: tile t starts at 1 + 3t (t < 5), tile 5 at 16, tile 6 at 18
    assert list(tasks.run_first) == [1, 7]
    assert list(tasks.run_width) == [3, 3]
    assert list(tasks.run_count) == [2, 3]
    assert run_index_errors(tasks) == []


def test_a_dependency_that_stays_in_one_repeat_and_moves_in_the_next_ends_the_run() -> None:
    # Tiles 0-3 (3 tasks each from task 1): the loads of tiles 0 and 1 wait for task 0, those of
    # tiles 2 and 3 for the store of the tile two before (tasks 3 and 6). Each tile repeats the
    # one before, but the dependency stays from tile 0 to 1 and moves by a period from 1 to 2
    # and 2 to 3: tile 2 is not tile 0 twice repeated, so two runs.
    tasks = Tasks()
    tasks.add("dma", "load", 3, 0, "s", Transfer(nbytes=4, direction="in"), [], ())
    bounds = []
    for tile in range(4):
        bounds.append(len(tasks))
        _toy(tasks, [0 if tile < 2 else 3 * (tile - 1)], tile)
    bounds.append(len(tasks))
    tasks.mark_runs(bounds, {}, bytes(len(bounds)))
    runs = zip(tasks.run_first, tasks.run_width, tasks.run_count, strict=True)
    assert list(runs) == [(1, 3, 2), (7, 3, 2)]
    assert run_index_errors(tasks) == []


def test_the_checker_sees_a_lying_index() -> None:
    tasks = Tasks()
    tasks.add("dma", "load", 3, 0, "s", Transfer(nbytes=4, direction="in"), [], ())
    for tile in range(3):
        _toy(tasks, [0], tile)
    tasks.run_first.append(1)
    tasks.run_width.append(3)
    tasks.run_count.append(4)  # one too many
    assert run_index_errors(tasks)
    tasks.run_count[0] = 3
    assert run_index_errors(tasks) == []
    tasks.run_width[0], tasks.run_count[0] = 2, 2  # a stride off by one
    assert run_index_errors(tasks)


def _whole_plan(model: Path, machine: str, overrides: dict[str, str], overlap: bool) -> tuple:
    hw = with_overrides(load_hardware(ROOT / "hardware" / f"{machine}.yaml"), overrides)
    plan = make_plan(lower(import_onnx(model), hw), hw, policy="liveness", overlap=overlap)
    tasks = plan.tasks
    assert isinstance(tasks, Tasks)
    runs = list(zip(tasks.run_first, tasks.run_width, tasks.run_count, strict=True))
    return tuple(tasks), tuple(plan.allocations), plan.tiles, plan.ddr, runs


@pytest.mark.parametrize(
    ("model", "machine", "overrides", "overlap"),
    [
        (MOBILENET, "edge1", {"sram.capacity": "4 KiB"}, True),
        (MOBILENET, "edge1", {"sram.capacity": "12 KiB"}, False),
        (MOBILENET, "edge1-2dma", {"sram.capacity": "8 KiB"}, True),
        (MOBILENET, "edge1-systolic", {"sram.capacity": "32 KiB"}, True),
        (MOBILENET, "edge1-unfused", {"sram.capacity": "16 KiB"}, True),
        (MOBILENET, "edge1-2mxu", {"sram.capacity": "24 KiB"}, True),
        (GPT, "edge1", {"sram.capacity": "16 KiB"}, True),
        (GPT, "edge1-fused", {"sram.capacity": "64 KiB"}, True),
        (ROOT / "workloads" / "gpt_decode.onnx", "edge1-2dma", {"sram.capacity": "16 KiB"}, True),
    ],
)
def test_tiles_planned_in_bulk_are_the_tiles_planned_one_by_one(
    model: Path, machine: str, overrides: dict[str, str], overlap: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    # The planner repeats a planned tile for the same tiles after it (`_Planner._repeat`); the
    # oracle plans every tile itself. Every task, range, tile count, DDR home and run agree.
    bulk = _whole_plan(model, machine, overrides, overlap)
    monkeypatch.setattr(planner._Planner, "_repeat", lambda *_: (0, b""))
    single = _whole_plan(model, machine, overrides, overlap)
    assert len(bulk[0]) == len(single[0])
    names = ("tasks", "ranges", "tiles", "ddr", "runs")  # (one by one: every run found by
    for name, got, want in zip(names, bulk, single, strict=True):  # comparing tiles)
        assert got == want, name
