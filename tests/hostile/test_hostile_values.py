"""`--set` values and unit fields a careless or hostile user types: each is refused in one line
(exit 2) on `run`, `hw explain` and `sweep`, within the battery's time and memory caps."""

from __future__ import annotations

import pytest

from accelsim._yaml import SET_VALUE_LIMIT
from accelsim.hardware import MAX_COUNT
from tests.hostile.conftest import EDGE1, MOBILENET, ROOT, accelsim, refused

SYSTOLIC = ROOT / "hardware" / "edge1-systolic.yaml"
_BOMB = "[&a [1,1,1,1,1,1,1,1,1,1], &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a], [*b,*b,*b,*b,*b,*b,*b,*b]]"

# (--set FIELD=VALUE, the end of the one error line)
BAD_VALUES = [
    ("sram.capacity='1 MiB", "not valid YAML: while scanning a quoted scalar found unexpected "
                             "end of stream"),
    ("lowering.fuses=[Relu, Clip", "not valid YAML: while parsing a flow sequence expected ',' "
                                   "or ']', but got '<stream end>'"),
    ("units={bus: {kind: dma", "not valid YAML: while parsing a flow mapping expected ',' or "
                               "'}', but got '<stream end>'"),
    ("sram.capacity=1\tMiB", "not valid YAML: while scanning for the next token found character "
                             "'\\t' that cannot start any token"),
    ("name=!!python/object/apply:os.system [ls]", "not valid YAML: could not determine a "
     "constructor for the tag 'tag:yaml.org,2002:python/object/apply:os.system'"),
    ("name=a\n---\nb", "not valid YAML: expected a single document in the stream but found "
                       "another document"),
    ("name=" + "[" * 3000 + "]" * 3000, "nested too deeply to be a hardware value"),
    (f"name={_BOMB}", f"more than {SET_VALUE_LIMIT:,} values once aliases (*name) are expanded; "
                      "write the values out instead of nesting aliases"),
    ("name=" + "x" * 20_000, "value is 20,000 characters, more than 10,000; a hardware value is "
                             "short"),
]  # fmt: skip


@pytest.mark.parametrize(("setting", "end"), BAD_VALUES, ids=range(len(BAD_VALUES)))
def test_bad_set_value_is_one_line_on_hw_explain(setting: str, end: str) -> None:
    field = setting.partition("=")[0]
    assert refused("hw", "explain", EDGE1, "--set", setting) == (
        f"accelsim: error: --set {field}: {end}"
    )


@pytest.mark.parametrize("setting", [BAD_VALUES[0][0], BAD_VALUES[6][0], BAD_VALUES[7][0]])
def test_bad_set_value_is_one_line_on_run_and_sweep(tmp_path, setting: str) -> None:
    field = setting.partition("=")[0]
    assert refused("run", MOBILENET, "--hw", EDGE1, "--set", setting).startswith(
        f"accelsim: error: --set {field}: "
    )
    sweep = refused("sweep", MOBILENET, "--hw", EDGE1, "--set", setting, "--out", tmp_path / "o")
    assert sweep.startswith(f"accelsim: error: --set: {field}: ")
    assert not (tmp_path / "o").exists()


HUGE = "9" * 400


@pytest.mark.parametrize(
    ("machine", "settings", "end"),
    [
        (SYSTOLIC, [f"units.matrix.rows={HUGE}"], f"units.matrix.rows: Input should be less "
         f"than or equal to {MAX_COUNT}, got a 400-digit number"),
        (SYSTOLIC, ["units.matrix.cols=1000000000000000000000000000000"], "units.matrix.cols: "
         f"Input should be less than or equal to {MAX_COUNT}, got 1000000000000000000000000000000"),
        (EDGE1, [f"units.vector.lanes={MAX_COUNT + 1}"], "units.vector.lanes: Input should be "
         f"less than or equal to {MAX_COUNT}, got {MAX_COUNT + 1}"),
        # 2 x 65,536^2 x 1 THz = 8.6e21 FLOP/s: each field in range, the array is not
        (SYSTOLIC, [f"units.matrix.rows={MAX_COUNT}", f"units.matrix.cols={MAX_COUNT}",
                    "clock=1000 GHz"], "units: matrix: rows x cols x clock gives 8.59e+21 FLOP/s, "
         "over the compute range (1 OP/s to 1e21 OP/s); use a smaller array or a slower clock"),
        (EDGE1, ['units={"vector\\n": {kind: vector, peak: 1}}'],
         'units: "vector\\n" is not a unit name; use letters, digits and _'),
        (EDGE1, ['lowering.fuses=["Relu\\n"]'],
         'lowering.fuses: "Relu\\n" is not an ONNX op_type; spell it as ONNX does, e.g. "Relu"'),
        (EDGE1, ["lowering.matrix_ops=[Conv]", "lowering.fuses=[Relu, MatMul]"],
         "lowering.fuses: MatMul multiply-accumulates; an output stage cannot apply it for free "
         "(its MACs would vanish); list it in matrix_ops instead"),
    ],
    ids=["rows-400-digits", "cols-1e30", "lanes", "array-peak", "unit-newline", "op-newline",
         "fused-matmul"],
)  # fmt: skip
def test_unit_fields_out_of_range_are_refused(machine, settings: list[str], end: str) -> None:
    args = [arg for setting in settings for arg in ("--set", setting)]
    assert refused("hw", "explain", machine, *args) == f"accelsim: error: --set: {end}"


def test_sweep_range_to_1e308_makes_invalid_points_not_a_crash(tmp_path) -> None:
    out = tmp_path / "sweep"
    lanes = "units.vector.lanes=1..1e308:x1e10"
    result = accelsim("sweep", MOBILENET, "--hw", EDGE1, "--set", lanes, "--out", out, "--jobs=1")
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    # 1, 1e10, ..., 1e300 (1e310 overflows a float, past 1e308): only 1 lane is in range
    assert "1 point(s) simulated, 30 invalid or failed" in result.stdout
