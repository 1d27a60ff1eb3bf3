"""Optional dependencies: the extras in pyproject.toml and the one line when one is missing."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from accelsim._extras import EXTRAS, require
from accelsim.cli import main
from accelsim.errors import AccelsimError

ROOT = Path(__file__).resolve().parents[2]
tomllib = pytest.importorskip("tomllib")  # Python >= 3.11


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~;\s]", r, maxsplit=1)[0] for r in requirements}


def test_every_extra_module_is_installed_by_its_extra_and_not_by_default():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    core = _names(project["dependencies"])
    for extra, distribution in EXTRAS.values():
        assert distribution in _names(extras[extra])
        assert distribution not in core
    assert _names(extras["all"]) == {
        f"accelsim[{','.join(sorted(extras.keys() - {'all', 'test'}))}]"
    }
    assert "accelsim[all]" in _names(extras["test"])  # the README's test command installs all
    assert "onnxruntime" in core  # constant-folding fallback for workloads: kept in the core


def test_require_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # makes the import fail
    with pytest.raises(AccelsimError, match=r"^training needs threadpoolctl, which is not "
                       r"installed: pip install 'accelsim\[train\]'$"):  # fmt: skip
        require("threadpoolctl", purpose="training")


def test_sweep_dask_without_the_extra_is_one_line(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    code = main(["sweep", str(ROOT / "workloads/mobilenet.onnx"), "--hw", "edge1",
                 "--set", "sram.capacity=1MB", "--dask", "tcp://127.0.0.1:1"])  # fmt: skip
    assert code == 2
    assert capsys.readouterr().err == (
        "accelsim: error: --dask tcp://127.0.0.1:1 needs dask[distributed], which is not "
        "installed: pip install 'accelsim[dask]'\n"
    )
