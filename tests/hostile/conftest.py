"""The hostile-input battery: each case runs the CLI in a subprocess under a time limit.

A refused input must end with exit code 2 and exactly one stderr line, no traceback and no
"internal error", within `LIMIT_S` seconds (a hang or a memory blow-up fails the test, not CI).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EDGE1 = ROOT / "hardware" / "edge1.yaml"
MOBILENET = ROOT / "workloads" / "mobilenet.onnx"
LIMIT_S = 60
MEMORY_LIMIT_BYTES = 4 << 30
"""Address-space cap for the child (a plain run reserves ~2.3 GB of virtual memory, mostly
thread arenas): a 9 GB blow-up becomes a failed test, not a swap storm."""


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))


def accelsim(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m accelsim ARGS` with the time and memory caps; return the finished process."""
    env = {**os.environ, "COLUMNS": "120", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "accelsim", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=LIMIT_S,
        cwd=cwd or ROOT,
        env=env,
        preexec_fn=_limit_memory if sys.platform == "linux" else None,
        check=False,
    )


def refused(*args: str | Path, cwd: Path | None = None) -> str:
    """Assert the command is refused cleanly and return its one stderr line."""
    result = accelsim(*args, cwd=cwd)
    lines = result.stderr.splitlines()
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert result.stdout == "", result.stdout[-500:]
    return lines[0]


@pytest.fixture
def hw_file(tmp_path: Path):
    """Write a copy of edge1.yaml with `replace` applied (old -> new text) and return its path."""

    def write(name: str = "hw.yaml", **replace: str) -> Path:
        text = EDGE1.read_text()
        for old, new in replace.items():
            assert old in text, old
            text = text.replace(old, new)
        path = tmp_path / name
        path.write_text(text)
        return path

    return write
