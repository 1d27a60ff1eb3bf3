"""`run --dram-trace` on a machine whose DDR is not banked: one line naming the machine and its
DDR timing, exit 2, nothing written (edge1's DDR is timed by rate; edge1-ddr4's is banked)."""

from __future__ import annotations

from accelsim.cli import main
from tests import onnx_builders as builders


def test_dram_trace_on_a_rate_timed_ddr_is_one_line_and_writes_nothing(capsys, tmp_path):
    model = builders.save(builders.single_conv(), tmp_path / "conv.onnx")
    trace = tmp_path / "d.trace"
    code = main(["run", str(model), "--hw", "edge1", "--dram-trace", str(trace)])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err == "accelsim: error: --dram-trace needs ddr.timing: banked; edge1 uses rate\n"
    assert not trace.exists()


def test_dram_trace_on_a_banked_ddr_is_written(capsys, tmp_path):
    model = builders.save(builders.single_conv(), tmp_path / "conv.onnx")
    trace = tmp_path / "d.trace"
    argv = ["run", str(model), "--hw", "edge1-ddr4", "--json", "--dram-trace", str(trace)]
    assert main(argv) == 0
    # the run starts by loading its input: the first burst reads DRAM
    assert trace.read_text(encoding="utf-8").splitlines()[0].split()[1] == "READ"
