"""With the kept checks starting empty, the fifth model evicts the first (the oldest) and keeps
the four newest: the second to fifth are not checked again, the first is."""

from __future__ import annotations

from pathlib import Path

import pytest

from accelsim.workload import _onnx_shapes, import_onnx
from tests.onnx_builders import save, single_conv


def test_the_oldest_of_five_is_evicted_and_the_four_newest_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_onnx_shapes, "_PASSED", {})
    children: list[str] = []
    real = _onnx_shapes.bounded

    def counted(work, label, **kwargs):  # type: ignore[no-untyped-def]
        children.append(label)
        return real(work, label, **kwargs)

    monkeypatch.setattr(_onnx_shapes, "bounded", counted)
    assert _onnx_shapes.KEEP_INFERRED == 4
    paths = []
    for index in range(5):
        folder = tmp_path / f"m{index}"
        folder.mkdir()
        paths.append(save(single_conv(name=f"conv kept {index} {tmp_path.name}"),
                          folder / "m.onnx"))  # fmt: skip
        import_onnx(paths[-1])
    assert children == [str(p) for p in paths]
    for path in paths[1:]:  # the four newest: kept, no child
        import_onnx(path)
    assert len(children) == 5
    import_onnx(paths[0])  # the oldest was evicted: checked again
    assert children[5:] == [str(paths[0])]
