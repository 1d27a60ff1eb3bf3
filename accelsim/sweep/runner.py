"""Run a sweep: import the model once, expand the grid, run missing points, store each one.

The flow is `SweepSpec -> (graph, base machine) -> points -> executor -> store`; the results
returned (and every export) are the points run now and, read back from the store, those it
already held, so a resumed sweep reports old and new points alike.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import itertools
import json
import math
from collections.abc import Callable, Generator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from accelsim.errors import ConfigError
from accelsim.outputs import check_folder, check_folder_files, claim_folder
from accelsim.sweep.grid import expand
from accelsim.sweep.outputs import OUTPUT_FILES
from accelsim.sweep.results import Job, PointResult
from accelsim.sweep.reuse import floors_together
from accelsim.sweep.store import DATABASE, ResultStore

if TYPE_CHECKING:
    from accelsim.hardware import Hardware
    from accelsim.sweep.executors import Executor
    from accelsim.sweep.grid import Axis, Point
    from accelsim.sweep.spec import SweepSpec

__all__ = ["DEFAULT_ROOT", "SweepOutcome", "run_sweep"]

DEFAULT_ROOT = Path("accelsim-sweeps")
"""Where sweeps go without --out: under the current folder, never into the package."""


@dataclass(frozen=True, slots=True)
class SweepOutcome:
    """A finished (or resumed-to-finish) sweep: every point's result in grid order."""

    name: str
    folder: Path
    spec: SweepSpec
    axes: tuple[Axis, ...]
    results: tuple[PointResult, ...]
    computed: int
    reused: int
    base: Hardware | None = None  # the base machine as loaded (explanations read it)


def run_sweep(
    spec: SweepSpec,
    *,
    executor: Executor,
    out: Path | None = None,
    resume: bool = False,
    on_start: Callable[[int, int], None] | None = None,
    on_point: Callable[[PointResult], None] | None = None,
) -> SweepOutcome:
    """Run every point of `spec` not yet in `out/sweep.db`; the points run here are returned as
    computed (and stored), the others as read back from the store.

    The default `out` is DEFAULT_ROOT/<name>: the sweep's --name, else
    `<model>-<hardware>-<8 hex digits of the grid and inputs>`, so another grid never lands
    in (or is refused by) an earlier sweep's folder, and the same sweep finds its own.

    `on_start(todo, total)` is called once the grid is known, `on_point` after each point is
    committed (with the rest of its batch). The folder's manifest (`outputs.claim_folder`)
    names the files `write_outputs` may write before this returns.

    Raises:
        ConfigError, WorkloadError: the spec, the base machine or the model is unusable (bad
        values of single points are results with status "invalid" instead).
    """
    from accelsim.hardware_file import load_hardware
    from accelsim.memory.policies import POLICIES
    from accelsim.sweep.results import preload
    from accelsim.workload import import_onnx

    spec = spec.checked()
    assert spec.model is not None and spec.hardware is not None
    if spec.policy not in POLICIES:
        known = ", ".join(sorted(POLICIES))
        raise ConfigError(f'--policy: unknown policy "{spec.policy}"; known: {known}')
    base = load_hardware(spec.hardware)
    _refuse_aliases(spec.axes, base)
    points = expand(spec.axes)
    keys = [point.key for point in points]  # each a JSON text: made once
    inputs: dict[str, object] = {}
    model = spec.model
    with contextlib.ExitStack() as running:

        def meanwhile() -> None:
            """While onnx checks the model in its child: the simulator's imports and every
            machine validated (which the pool's workers, forked once the model is read,
            inherit), and what identifies the points' inputs (the model's digest in a thread:
            hashlib lets go of the GIL while it hashes)."""
            with ThreadPoolExecutor(1, thread_name_prefix="accelsim-digest") as hashing:
                digest = hashing.submit(_sha256, model)
                preload(base)
                _validate_ahead(base, spec.axes)
                inputs["hardware"] = base.model_dump(mode="json")
                inputs["model_sha256"] = digest.result()

        graph = import_onnx(model, batch=spec.batch, meanwhile=meanwhile)
        inputs |= {
            "policy": spec.policy,
            "overlap": spec.overlap,
            "batch": spec.batch,
            # NOTE: the grid may grow (more values: only new points run), but a sweep over
            # other fields is another study; its points must not land in this store.
            "axes": sorted(axis.path for axis in spec.axes),
        }
        folder = out if out is not None else DEFAULT_ROOT / _default_name(spec, inputs, points)
        _check_folder(folder, spec)
        job = Job(graph, base, str(spec.model), spec.policy, spec.overlap)

        def submit(todo: list[Point]) -> Generator[list[PointResult], None, None]:
            batches = executor.run(job, floors_together(todo, spec.axes, base))
            running.enter_context(contextlib.closing(batches))  # stops its pool on an error
            next(batches)  # empty, once every point is submitted
            return batches

        # NOTE: a new sweep runs every point, so they go out before the store is made (its
        # syncs take milliseconds, more on a busy disk); a resumed one runs what it lacks.
        batches = None if resume else submit(points)
        with ResultStore(folder, inputs=inputs, resume=resume) as store:
            # NOTE: the manifest (`write_outputs` finds it written) while the points run: its
            # two syncs took 2-12 ms at the end of a sweep, more on a busy disk
            claimed = running.enter_context(
                ThreadPoolExecutor(1, thread_name_prefix="accelsim-claim")
            ).submit(claim_folder, folder, OUTPUT_FILES, command="sweep")
            done = store.done() if batches is None else set()
            todo = [point for point, key in zip(points, keys, strict=True) if key not in done]
            if batches is None:
                batches = submit(todo)
            if on_start is not None:
                on_start(len(todo), len(points))
            by_key: dict[str, PointResult] = {}
            for batch in batches:
                store.add(*batch)
                for result in batch:
                    by_key[result.key] = result
                    if on_point is not None:
                        on_point(result)
            reused = store.results([key for key in keys if key not in by_key])
        claimed.result()
    # Index and labels come from this grid: a resumed point may have been stored under another
    # index, or labelled differently ("1048576" vs "1MiB" for the same value).
    current = dict(zip(keys, points, strict=True))
    for r in reused:
        by_key[r.key] = dataclasses.replace(
            r,
            index=current[r.key].index,
            settings=tuple((s.path, s.label) for s in current[r.key].settings),
        )
    return SweepOutcome(
        name=spec.title,
        folder=folder,
        spec=spec,
        axes=spec.axes,
        results=tuple(by_key[key] for key in keys if key in by_key),
        computed=len(points) - len(reused),
        reused=len(reused),
        base=base,
    )


AHEAD = 64
"""Most machines `_validate_ahead` validates for one group of fields (a bigger group is left
to the points)."""


def _validate_ahead(base: Hardware, axes: tuple[Axis, ...]) -> None:
    """Validate every combination of the values of the axes that set one group of fields
    (`hardware_file.group_of`: the bus and engine axes both set units), so that every point,
    a combination of groups seen, needs no validation of its own: in a pool's workers, which
    inherit what was validated, a validation costs several times what it costs here. Values
    the schema rejects are left for their points to report."""
    from accelsim.hardware_file import group_of, with_overrides

    grouped: dict[tuple[str, ...], list[Axis]] = {}
    for axis in axes:
        grouped.setdefault(group_of(base, axis.path), []).append(axis)
    for together in grouped.values():
        if math.prod(len(axis.settings) for axis in together) > AHEAD:
            continue
        for settings in itertools.product(*(axis.settings for axis in together)):
            # NOTE: whatever fails here (even a bug) is its points' result, not the sweep's
            with contextlib.suppress(Exception):
                with_overrides(base, {s.path: s.value for s in settings})


def _sha256(path: Path) -> str:
    """The file's SHA-256, read through one 256 KiB buffer: `read_bytes` would put the whole
    model in fresh memory (MobileNet: 2.3 MB, ~570 page faults, ~1 ms of CPU a sweep)."""
    digest, buffer = hashlib.sha256(), bytearray(1 << 18)
    view = memoryview(buffer)
    with path.open("rb") as stream:
        while size := stream.readinto(buffer):
            digest.update(view[:size])
    return digest.hexdigest()


def _default_name(spec: SweepSpec, inputs: dict[str, object], points: list[Point]) -> str:
    if spec.name:
        return spec.name
    grid = json.dumps([inputs, [point.key for point in points]], sort_keys=True)
    return f"{spec.title}-{hashlib.sha256(grid.encode()).hexdigest()[:8]}"


def _check_folder(folder: Path, spec: SweepSpec) -> None:
    """Before the work: the folder can be written, holds no file accelsim did not write, and
    none of its files is an input (by any spelling or link; files read so far are known to
    `accelsim.outputs` too, the sweep file and what it names included)."""
    check_folder(folder, option="--out")
    if folder.is_dir():
        inputs = {"model": spec.model, "hardware": spec.hardware}
        check_folder_files(folder, OUTPUT_FILES, option="--out", inputs=inputs, updated=[DATABASE])


def _refuse_aliases(axes: tuple[Axis, ...], base: Hardware) -> None:
    """Two axes that set one field (`bus.bandwidth` and `units.bus.bandwidth`) would let one
    silently win; refuse them, naming both spellings.

    Raises:
        ConfigError: two axes write the same field of `base`.
    """
    from accelsim.hardware_file import fields_set

    owner: dict[str, str] = {}
    for axis in axes:
        for field in fields_set(base, axis.path):
            first = owner.setdefault(field, axis.path)
            if first != axis.path:
                raise ConfigError(
                    f"{first} and {axis.path}: both set {field}; sweep it under one name"
                )
