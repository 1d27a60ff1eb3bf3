"""The HTML report: one self-contained file whose data is the run's; names stay text; power
over time adds up to the run's energy. In a real browser when Debian's chromium is installed."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from accelsim.api import simulate_graph
from accelsim.energy import energy_of, power_over_time, task_energy
from accelsim.report.html import report_html
from tests.sim.test_schedule import _two_convs
from tests.sim.toy import GraphBuilder, toy_machine

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")


def _data(page: str) -> dict:
    match = re.search(r'<script type="application/json" id="data">(.*?)</script>', page, re.S)
    assert match is not None
    return json.loads(match.group(1))


def test_page_is_self_contained_and_carries_the_run():
    result = simulate_graph(_two_convs(), toy_machine(latency_ns=10), name="t")
    page = report_html(result)
    assert not re.search(r"<(script|img|link|iframe)[^>]*\b(src|href)=", page)
    assert "url(" not in page and "@import" not in page
    data = _data(page)
    assert data["latency_cycles"] == 230
    assert [e[10] for e in data["events"]] == [True, True, False, True, True, True]  # c1 off
    assert data["breakdown"]["matrix"] == 6


def test_hostile_names_stay_data():
    g = GraphBuilder()
    x = g.input("x", (1, 10))
    name = "</script><script>alert(1)</script>"
    graph = g.build(g.op(name, "Relu", [x], "y", (1, 10), vector_ops=10))
    page = report_html(simulate_graph(graph, toy_machine(), name="t"))
    assert "alert(1)</script>" not in page and page.count("</script>") == 2
    assert _data(page)["layers"][0]["name"] == name


def test_power_over_time_adds_up_to_the_runs_energy():
    result = simulate_graph(_two_convs(), toy_machine(latency_ns=10), name="t")
    energy = energy_of(result)
    total = energy.total_j
    # tasks carry the dynamic energy; leakage (SRAM 10,000 B x 8 nW by default) flows per cycle
    leakage = energy.total.part("sram_leakage") + energy.total.part("logic_leakage")
    assert leakage == pytest.approx(result.latency_cycles * 1e-9 * 10_000 * 8e-9)
    assert sum(task_energy(result)) == pytest.approx(total - leakage, rel=1e-12)
    for bins in (1, 7, 230, 1000):
        watts = power_over_time(result, bins)
        seconds = result.latency_cycles / result.hardware.clock / bins
        assert sum(w * seconds for w in watts) == pytest.approx(total, rel=1e-9)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_chromium_renders_the_mobilenet_report(tmp_path):
    page = tmp_path / "report.html"
    run = [sys.executable, "-m", "accelsim", "run", "workloads/mobilenet.onnx", "--hw", "edge1"]
    subprocess.run([*run, "--html", str(page)], check=True, cwd=ROOT, capture_output=True)
    assert_renders(page)


def assert_renders(page: Path) -> None:
    """scripts/check_html.py passes on `page` (a screenshot beside it)."""
    check = subprocess.run(
        [sys.executable, "scripts/check_html.py", str(page), "--screenshot",
         str(page.with_suffix(".png"))],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
