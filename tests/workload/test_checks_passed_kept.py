"""A model whose onnx checks passed is not checked again in the same process (`_onnx_shapes.infer`
keeps what they answered for those very bytes): a sweep or benchmark run again skips the
checker's child. Anything else is checked as before: a refused model every time, a changed
file afresh."""

from __future__ import annotations

from pathlib import Path

import onnx
import pytest

from accelsim.errors import WorkloadError
from accelsim.workload import import_onnx
from tests.onnx_builders import save, single_conv


@pytest.fixture
def children(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The labels of the checks run in a child (`bounded`) from here on."""
    from accelsim.workload import _onnx_shapes

    calls: list[str] = []
    real = _onnx_shapes.bounded

    def counted(work, label, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(label)
        return real(work, label, **kwargs)

    monkeypatch.setattr(_onnx_shapes, "bounded", counted)
    return calls


def _conv(folder: Path, *, out_channels: int = 8) -> Path:
    # the node's name is this test's own: no model checked earlier in the session has its bytes
    return save(single_conv(out_channels=out_channels, name=f"conv {folder.name}"),
                folder / "m.onnx")  # fmt: skip


def _summary(path: Path) -> list[tuple[str, tuple[int, ...], int]]:
    graph = import_onnx(path)
    return [(op.name, graph.tensors[op.outputs[0]].shape, op.macs) for op in graph.ops]


def test_the_same_model_again_runs_no_second_check_and_imports_alike(
    tmp_path: Path, children: list[str]
) -> None:
    # x 1x3x8x8, 8 filters 3x3, pad 1: y 1x8x8x8, 8 x 64 outputs x 27 MACs = 13,824
    path = _conv(tmp_path)
    expected = [(f"conv {tmp_path.name}", (1, 8, 8, 8), 13_824)]
    assert _summary(path) == expected
    assert _summary(path) == expected
    assert children == [str(path)]


def test_meanwhile_still_runs_when_the_check_is_known(tmp_path: Path, children: list[str]) -> None:
    path = _conv(tmp_path)
    ran: list[int] = []
    import_onnx(path, meanwhile=lambda: ran.append(1))
    import_onnx(path, meanwhile=lambda: ran.append(2))
    assert ran == [1, 2] and len(children) == 1


def test_a_changed_file_is_checked_afresh(tmp_path: Path, children: list[str]) -> None:
    path = _conv(tmp_path)
    assert _summary(path)[0][1:] == ((1, 8, 8, 8), 13_824)
    _conv(tmp_path, out_channels=4)  # same path, 4 filters: 4 x 64 x 27 = 6,912 MACs
    assert _summary(path)[0][1:] == ((1, 4, 8, 8), 6_912)
    assert children == [str(path)] * 2


def test_a_refused_model_is_checked_and_refused_every_time(
    tmp_path: Path, children: list[str]
) -> None:
    # a 3-D kernel_shape on a 2-D Conv: onnx's checks refuse the node
    model = single_conv(name=f"conv {tmp_path.name}")
    del model.graph.node[0].attribute[:]
    model.graph.node[0].attribute.append(onnx.helper.make_attribute("kernel_shape", [3, 3, 3]))
    path = save(model, tmp_path / "bad.onnx")
    messages = []
    for _ in range(2):
        with pytest.raises(WorkloadError) as refused:
            import_onnx(path)
        messages.append(str(refused.value))
    assert children == [str(path)] * 2
    assert messages == [f'{path}: node "conv {tmp_path.name}" (Conv): invalid node: Attribute '
                        "kernel_shape has incorrect size"] * 2


def test_only_the_newest_models_are_kept_the_oldest_is_checked_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, children: list[str]
) -> None:
    # KEEP_INFERRED (4) models kept, from empty (what earlier tests kept would hide an eviction
    # of the wrong one): after 5 new ones the first is gone (checked again), while the four
    # newest are not checked again; one kept more would skip the first too.
    from accelsim.workload import _onnx_shapes
    from accelsim.workload._onnx_shapes import KEEP_INFERRED

    monkeypatch.setattr(_onnx_shapes, "_PASSED", {})
    assert KEEP_INFERRED == 4
    paths = []
    for index in range(KEEP_INFERRED + 1):
        folder = tmp_path / f"m{index}"
        folder.mkdir()
        paths.append(_conv(folder))
        import_onnx(paths[-1])
    assert children == [str(p) for p in paths]
    for path in paths[1:]:
        import_onnx(path)
    assert len(children) == KEEP_INFERRED + 1
    import_onnx(paths[0])
    assert children[KEEP_INFERRED + 1 :] == [str(paths[0])]

