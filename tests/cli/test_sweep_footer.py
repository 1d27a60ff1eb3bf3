"""`accelsim sweep`'s footer: its rate counts every point worked out this run (simulated or
found invalid) over the command's time, and --jobs equal to the CPUs is no notice."""

from __future__ import annotations

import pytest

from accelsim.cli import main
from tests.sweep.conftest import EDGE1, MOBILENET

BASE = ["sweep", str(MOBILENET), "--hw", str(EDGE1), "--jobs", "1", "--no-plots"]


@pytest.fixture(autouse=True)
def _wide(monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")


def test_the_rate_is_every_point_worked_out_over_the_commands_time(tmp_path, capsys, monkeypatch):
    import accelsim.cli.sweep as sweep

    monkeypatch.setattr(sweep, "_since_start_s", lambda fallback: 1.5)
    # 3 values, one invalid (-1 MiB): 3 points worked out in 1.5 s = 2.0/s (2 simulated)
    assert main([*BASE, "--set", "sram.capacity=256KiB,1MiB,-1MiB", "--out",
                 str(tmp_path / "s")]) == 0  # fmt: skip
    out = capsys.readouterr().out
    (footer,) = [line for line in out.splitlines() if "point(s) simulated" in line]
    assert footer.startswith(
        "2 point(s) simulated, 1 invalid or failed, in 1.50 s (2.0/s, the command's wall-clock "
        "time); 0 reused from "
    )


def test_as_many_jobs_as_cpus_is_no_notice(tmp_path, capsys, monkeypatch):
    import accelsim._workers as workers

    monkeypatch.setattr(workers, "cpu_count", lambda: 1)
    assert main([*BASE, "--set", "sram.capacity=1MiB", "--out", str(tmp_path / "s")]) == 0
    assert "--jobs" not in capsys.readouterr().err
