"""`accelsim sweep --top N`: the table shows the N fastest points and says how many more are in
results.csv; without the flag it shows 20 (session 11, issue 19: no test gave --top)."""

from __future__ import annotations

import pytest

from accelsim.cli import main
from accelsim.sweep import table
from tests.sweep.conftest import EDGE1, MOBILENET

BASE = ["sweep", str(MOBILENET), "--hw", str(EDGE1), "--jobs", "1", "--no-plots"]


@pytest.fixture(autouse=True)
def _wide(monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")


def test_top_one_shows_the_fastest_point_and_counts_the_rest(tmp_path, capsys):
    # a bigger bus is never slower: 2 GB/s (#1) is the fastest of the two
    assert main([*BASE, "--set", "bus.bandwidth=1GB/s,2GB/s", "--set", "ddr.bandwidth=4GB/s",
                 "--out", str(tmp_path / "s"), "--top", "1"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "... 1 more in results.csv" in out
    rows = [line.split() for line in out.splitlines() if "2GB/s" in line or "1GB/s" in line]
    assert [row[1] for row in rows if row[0] in ("0", "1")] == ["2GB/s"]


def test_the_default_is_twenty_rows(tmp_path, capsys, monkeypatch):
    asked = []
    real = table.sweep_report

    def spy(outcome, *, top=None):
        asked.append(top)
        return real(outcome, top=top)

    monkeypatch.setattr(table, "sweep_report", spy)
    assert main([*BASE, "--set", "sram.capacity=1MiB", "--out", str(tmp_path / "s")]) == 0
    assert asked == [20]
    assert "more in results.csv" not in capsys.readouterr().out
