"""onnx's checks run in a forked child (`_onnx_files.bounded`); the child must not collect the
parent's garbage. An onnxruntime session left in a reference cycle (the parent ran models, as
a test, a sweep or the folder's own onnxruntime fallback does) has worker threads that do not
exist in the child: collecting it there crashed the child (SIGSEGV) or hung it until the limit,
and a valid model was refused."""

from __future__ import annotations

import gc
from pathlib import Path

import numpy as np
import onnxruntime as ort

from accelsim.workload._onnx_files import bounded
from tests.onnx_builders import matmul, save


class _Cycle:
    """Holds itself, so only the garbage collector frees it (and what it holds)."""

    def __init__(self, held: object) -> None:
        self.me, self.held = self, held


def _allocating() -> int:
    """Work that allocates enough containers to start automatic collections (if enabled)."""
    return len([[i] for i in range(100_000)])


def test_the_child_does_not_collect_an_onnxruntime_session_of_the_parent(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("ACCELSIM_ONNX_LIMIT_S", "20")
    path = save(matmul((4, 8), (8, 3)), tmp_path / "m.onnx")
    options = ort.SessionOptions()
    options.intra_op_num_threads = 4  # a pool of worker threads, waiting when idle
    threshold = gc.get_threshold()
    gc.collect()
    gc.set_threshold(1_000_000)  # nothing collected in this process until the fork
    try:
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        for _ in range(3):
            session.run(None, {"x": np.ones((4, 8), np.float32)})
        _Cycle(session)
        del session  # now garbage, in a cycle
        gc.set_threshold(*threshold)
        assert bounded(_allocating, "m.onnx") == 100_000
    finally:
        gc.set_threshold(*threshold)
        gc.collect()
