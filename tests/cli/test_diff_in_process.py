"""`accelsim diff` in-process: saved results and machines, labels, --top, --cycles, and each
bad option or file as one line.

The saved runs are tests/sim/test_schedule.py's two convs on the toy machine (1 GHz, 10 ns a
transfer), overlapped (230 cycles) and serial (254: c2's window grows by c2.W's 24 cycles,
which the critical path now spends waiting on the matrix engine), as tests/explain/test_diff.py
works out by hand.
"""

from __future__ import annotations

import json

import pytest

from accelsim.api import simulate_graph
from accelsim.cli import main
from accelsim.report.export import result_to_dict
from tests import onnx_builders as builders
from tests.sim.test_schedule import _two_convs
from tests.sim.toy import toy_machine


@pytest.fixture
def saved(tmp_path, monkeypatch):
    """a.json (overlapped) and b.json (serial) in the current folder."""
    monkeypatch.chdir(tmp_path)
    hw = toy_machine(latency_ns=10)
    for name, overlap in (("a.json", True), ("b.json", False)):
        document = result_to_dict(simulate_graph(_two_convs(), hw, name="t", overlap=overlap))
        (tmp_path / name).write_text(json.dumps(document), encoding="utf-8")
    return "a.json", "b.json"


def _diff(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["diff", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_saved_results_are_labelled_by_their_files_and_top_limits_the_changed(capsys, saved):
    code, out, _ = _diff(capsys, *saved, "--json", "--top", "1")
    assert code == 0
    diff = json.loads(out)
    assert (diff["a"]["label"], diff["b"]["label"]) == saved
    assert (diff["a"]["latency_cycles"], diff["b"]["latency_cycles"]) == (230, 254)
    assert diff["latency_ratio"] == pytest.approx(254 / 230)
    assert diff["changed_most"] == ["c2"]  # c1's window is unchanged: never listed


def _head(out: str) -> dict[str, str]:
    """The view's heading rows by their first words (before two spaces)."""
    rows = {}
    for line in out.splitlines()[:6]:
        key, _, value = line.partition("  ")
        rows[key] = value.strip()
    return rows


def test_the_view_in_cycles_gives_the_latencies_and_what_the_path_lost(capsys, saved):
    code, out, _ = _diff(capsys, *saved, "--cycles")
    assert code == 0
    head = _head(out)
    assert head["A"] == "a.json: 230 cyc"
    assert head["B"] == "b.json: 254 cyc"
    assert head["B - A"] == "+24 cyc (+10.4%)"  # 254 / 230 - 1 = 0.1043
    assert head["path lost to"] == "matrix +24 cyc (critical path, B - A)"
    assert head["changed most"] == "c2"


def test_the_view_in_microseconds(capsys, saved):
    code, out, _ = _diff(capsys, *saved)
    assert code == 0
    head = _head(out)
    assert (head["A"], head["B"]) == ("a.json: 0.23 µs", "b.json: 0.25 µs")
    assert head["B - A"] == "+0.02 µs (+10.4%)"


def test_a_run_against_itself_changed_nothing(capsys, saved):
    code, out, _ = _diff(capsys, saved[0], saved[0], "--cycles")
    assert code == 0
    head = _head(out)
    assert head["B - A"] == "+0 cyc (+0.0%)"
    assert head["path lost to"] == "no change cyc (critical path, B - A)"
    assert head["changed most"] == "none"


def test_machines_are_labelled_with_their_policy_and_overlap(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    builders.save(builders.single_conv(), tmp_path / "conv.onnx")
    code, out, _ = _diff(capsys, "edge1", "edge1", "--model", "conv.onnx", "--overlap",
                         "on,off", "--json")  # fmt: skip
    assert code == 0
    diff = json.loads(out)
    assert (diff["a"]["label"], diff["b"]["label"]) == (
        "edge1, policy liveness", "edge1, policy liveness, no overlap",
    )  # fmt: skip
    # one layer overlaps nothing (tests/cli/test_run.py: 948 cycles either way)
    assert (diff["a"]["latency_cycles"], diff["b"]["latency_cycles"]) == (948, 948)


def test_each_machine_runs_with_its_own_overlap(capsys, tmp_path, monkeypatch):
    # two convs: serial, conv2's weights no longer load while conv1 computes, so B (off) is
    # slower; each side is what `accelsim run` gives with that overlap
    from accelsim.api import run
    from accelsim.hardware_file import load_hardware
    from accelsim.presets import hardware_path

    monkeypatch.chdir(tmp_path)
    builders.save(builders.conv_chain(relu=False), tmp_path / "two.onnx")
    code, out, _ = _diff(capsys, "edge1", "edge1", "--model", "two.onnx", "--overlap",
                         "on,off", "--json")  # fmt: skip
    assert code == 0
    diff = json.loads(out)
    edge1 = load_hardware(hardware_path("edge1"))
    alone = [run("two.onnx", edge1, overlap=overlap).latency_cycles for overlap in (True, False)]
    assert [diff["a"]["latency_cycles"], diff["b"]["latency_cycles"]] == alone
    assert alone[0] < alone[1]


def _refused(capsys, *args: str) -> str:
    code, out, err = _diff(capsys, *args)
    assert (code, out) == (2, "")
    (line,) = err.splitlines()
    return line


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--policy", "a,b,c", '--policy "a,b,c": give one value or two separated by a comma'),
        ("--overlap", "on,", '--overlap "on,": give one value or two separated by a comma'),
        ("--overlap", "on,maybe", '--overlap "maybe": expected on or off'),
    ],
)
def test_a_bad_pair_of_values_is_one_line(capsys, saved, option, value, message):
    assert _refused(capsys, *saved, option, value) == f"accelsim: error: {message}"


def test_a_saved_run_that_is_not_json_or_lacks_its_clock_is_one_line(capsys, saved, tmp_path):
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    assert _refused(capsys, "bad.json", saved[1]).startswith(
        "accelsim: error: bad.json: not JSON ("
    )
    document = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    del document["hardware"]
    (tmp_path / "noclock.JSON").write_text(json.dumps(document), encoding="utf-8")
    assert _refused(capsys, "noclock.JSON", saved[1]) == (
        "accelsim: error: noclock.JSON: hardware.clock missing; not a run result"
    )


def test_a_saved_clock_written_with_its_unit_is_read(capsys, saved, tmp_path):
    document = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    document["hardware"]["clock"] = "500 MHz"  # 230 cycles at 500 MHz are 0.46 µs
    (tmp_path / "fast.json").write_text(json.dumps(document), encoding="utf-8")
    code, out, _ = _diff(capsys, "fast.json", saved[1])
    assert code == 0
    assert _head(out)["A"] == "fast.json: 0.46 µs"


def test_a_machine_without_a_model_is_one_line(capsys, saved):
    assert _refused(capsys, saved[0], "edge1") == (
        "accelsim: error: edge1: a machine needs --model MODEL.onnx to run (or give a .json)"
    )


def test_top_names_only_the_layers_that_changed_most(capsys, saved, tmp_path):
    document = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))
    document["layers"][0]["window_cycles"] = [0, 150]  # c1 +2 cycles, c2 +24
    (tmp_path / "c.json").write_text(json.dumps(document), encoding="utf-8")
    for top, named in (("1", ["c2"]), ("2", ["c2", "c1"])):
        code, out, _ = _diff(capsys, saved[0], "c.json", "--json", "--top", top)
        assert code == 0
        assert json.loads(out)["changed_most"] == named


def test_a_saved_result_in_capitals_is_labelled_by_its_file(capsys, saved, tmp_path):
    (tmp_path / "A.JSON").write_bytes((tmp_path / "a.json").read_bytes())
    code, out, _ = _diff(capsys, "A.JSON", saved[1], "--json")
    assert code == 0
    assert json.loads(out)["a"]["label"] == "A.JSON"


def test_a_saved_clock_of_zero_is_no_clock(capsys, saved, tmp_path):
    document = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    document["hardware"]["clock"] = 0
    (tmp_path / "zero.json").write_text(json.dumps(document), encoding="utf-8")
    assert _refused(capsys, "zero.json", saved[1]) == (
        "accelsim: error: zero.json: hardware.clock missing; not a run result"
    )
