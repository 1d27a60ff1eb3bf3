"""A pool's workers take the plans its parent made before forking (`results.plan_ahead`): each
point's metrics must still be those of its own separate run."""

from __future__ import annotations

import pytest

from accelsim._workers import cpu_count
from accelsim.sweep.executors import LocalExecutor
from accelsim.sweep.grid import expand
from accelsim.sweep.runner import run_sweep
from tests.sweep.conftest import EDGE1, MOBILENET, spec_of


@pytest.mark.skipif(cpu_count() < 2, reason="one CPU: points run in-process, not in a pool")
def test_a_pooled_sweep_without_overlap_equals_separate_runs(tmp_path):
    # The first bus's points are planned ahead, in grid order: 512 KiB and 2 MiB untiled, then
    # 64 KiB tiled, which stops the planning ahead; all without overlap, as each run below.
    from accelsim.api import simulate_graph
    from accelsim.hardware_file import load_hardware, with_overrides
    from accelsim.sweep.results import metrics_of
    from accelsim.workload import import_onnx

    spec = spec_of("sram.capacity=512KiB,2MiB,64KiB", "bus.bandwidth=250MB/s,1GB/s",
                   overlap=False)  # fmt: skip
    outcome = run_sweep(spec, executor=LocalExecutor(2), out=tmp_path / "s")
    graph, base = import_onnx(MOBILENET), load_hardware(EDGE1)
    overrides = {point.index: point.overrides for point in expand(spec.axes)}
    assert len(outcome.results) == 6
    for result in outcome.results:
        hw = with_overrides(base, overrides[result.index])
        alone = simulate_graph(graph, hw, name=str(MOBILENET), overlap=False)
        assert result.metrics == metrics_of(alone), result.settings
