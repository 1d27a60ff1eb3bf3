"""The systolic fold model on closed-form cases worked out by hand (32 rows × 16 columns).

Per fold: ws 2R + C + M - 2 over ceil(K/R)·ceil(N/C) folds; os R + C + K - 2 over
ceil(M/R)·ceil(N/C); is 2R + C + N - 2 over ceil(K/R)·ceil(M/C) (SCALE-Sim v3). Cases marked
"SCALE-Sim" were also run through scalesim 3.0.0, whose "Total Cycles" is ours minus one.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accelsim.errors import ConfigError, WorkloadError
from accelsim.timing.systolic import DATAFLOWS, systolic_cycles

ARRAY = {"rows": 32, "cols": 16}


def test_systolic_ws_single_fold():
    # K = 8 <= 32 rows, N = 4 <= 16 cols: 1 fold of 2*32 + 16 + 16 - 2 = 94 cycles
    # (SCALE-Sim: 93); 78 of them are not streaming M = 16: 94 - 16 = 78.
    result = systolic_cycles(m=16, k=8, n=4, dataflow="ws", **ARRAY)
    assert (result.cycles, result.folds, result.fill_drain_cycles) == (94, 1, 78)
    # 16 * 8 * 4 = 512 useful MACs; the array could do 512 * 94.
    assert result.macs == 512
    assert result.utilisation == pytest.approx(512 / (512 * 94))


def test_systolic_ws_k_one_more_than_rows_takes_two_folds():
    # K = 33 = R + 1: ceil(33/32) * ceil(16/16) = 2 folds of 2*32 + 16 + 10 - 2 = 88 -> 176.
    result = systolic_cycles(m=10, k=33, n=16, dataflow="ws", **ARRAY)
    assert (result.cycles, result.folds, result.fill_drain_cycles) == (176, 2, 176 - 2 * 10)


def test_systolic_ws_m_of_one_is_all_fill_and_drain():
    # An FC layer, M = 1: ceil(64/32) * ceil(10/16) = 2 folds of 64 + 16 + 1 - 2 = 79
    # -> 158 cycles (SCALE-Sim: 157) for 64 * 10 = 640 MACs.
    result = systolic_cycles(m=1, k=64, n=10, dataflow="ws", **ARRAY)
    assert (result.cycles, result.folds, result.fill_drain_cycles) == (158, 2, 156)
    assert result.utilisation == pytest.approx(640 / (512 * 158))


@pytest.mark.parametrize(
    ("dataflow", "folds", "cycles"),
    [
        # M = 25, K = 36, N = 40 on 32 x 16:
        # ws: ceil(36/32) * ceil(40/16) = 2 * 3 = 6 folds of 64 + 16 + 25 - 2 = 103 -> 618
        ("ws", 6, 618),
        # os: ceil(25/32) * ceil(40/16) = 1 * 3 = 3 folds of 32 + 16 + 36 - 2 = 82 -> 246
        ("os", 3, 246),
        # is: ceil(36/32) * ceil(25/16) = 2 * 2 = 4 folds of 64 + 16 + 40 - 2 = 118 -> 472
        ("is", 4, 472),
    ],
)
def test_systolic_each_dataflow_folds_its_own_dimensions(dataflow, folds, cycles):
    # SCALE-Sim on this layer (10x10 input, 3x3x4 filters, 40 of them, stride 2): 617/245/471.
    result = systolic_cycles(m=25, k=36, n=40, dataflow=dataflow, **ARRAY)
    assert (result.folds, result.cycles) == (folds, cycles)
    assert result.macs == 25 * 36 * 40


def test_systolic_dataflows_are_the_three_of_scalesim():
    assert sorted(DATAFLOWS) == ["is", "os", "ws"]


def test_systolic_full_array_approaches_full_utilisation():
    # K = 32, N = 16 fill the array; M = 1000: 1 fold of 64 + 16 + 1000 - 2 = 1078 cycles
    # for 32 * 16 * 1000 MACs: utilisation 1000 / 1078.
    result = systolic_cycles(m=1000, k=32, n=16, **ARRAY)
    assert result.cycles == 1078
    assert result.utilisation == pytest.approx(1000 / 1078)


def test_systolic_depthwise_simple_mapping_runs_groups_one_after_another():
    # 32 channels of 3x3 depthwise on a 16x16 output: each group is K = 9, N = 1, M = 256,
    # one fold of 64 + 16 + 256 - 2 = 334 cycles; 32 groups -> 10,688 cycles, 32 folds.
    result = systolic_cycles(m=256, k=9, n=1, groups=32, **ARRAY)
    assert (result.cycles, result.folds, result.groups_per_pass) == (10_688, 32, 1)
    assert result.macs == 256 * 9 * 32


def test_systolic_simple_mapping_is_the_default():
    shape = {"m": 256, "k": 9, "n": 1, "groups": 32}
    assert systolic_cycles(**shape, **ARRAY) == systolic_cycles(
        **shape, group_mapping="simple", **ARRAY
    )


def test_systolic_depthwise_packed_ws_fills_rows_with_three_groups():
    # ws packs p = min(32 // 9, 16 // 1) = 3 groups per pass (27 rows, 3 columns);
    # 32 groups -> 10 passes of 3 + 1 pass of 2, each one fold of 334 cycles: 11 * 334 = 3674.
    result = systolic_cycles(m=256, k=9, n=1, groups=32, group_mapping="packed", **ARRAY)
    assert (result.cycles, result.folds, result.groups_per_pass) == (3674, 11, 3)
    assert result.macs == 256 * 9 * 32  # the zeros of the block diagonal are not useful work


def test_systolic_depthwise_packed_os_fills_columns():
    # os puts N on the columns: p = 16 // 1 = 16 groups per pass, 2 passes of a GEMM
    # M = 256, K = 16 * 9 = 144, N = 16: ceil(256/32) * 1 = 8 folds of 32 + 16 + 144 - 2 = 190
    # -> 2 * 8 * 190 = 3040 cycles. Simple: 32 * 8 folds of 32 + 16 + 9 - 2 = 55 -> 14,080.
    packed = systolic_cycles(
        m=256, k=9, n=1, groups=32, dataflow="os", group_mapping="packed", **ARRAY
    )
    simple = systolic_cycles(m=256, k=9, n=1, groups=32, dataflow="os", **ARRAY)
    assert (packed.cycles, packed.folds, packed.groups_per_pass) == (3040, 16, 16)
    assert (simple.cycles, simple.folds) == (14_080, 256)


def test_systolic_packed_falls_back_to_simple_when_a_group_overflows_the_array():
    # Grouped conv with K = 16 * 9 = 144 > 32 rows: nothing to pack, p = 1. Each group:
    # ceil(144/32) * ceil(16/16) = 5 folds of 64 + 16 + 64 - 2 = 142 -> 710; 2 groups -> 1420.
    shape = {"m": 64, "k": 144, "n": 16, "groups": 2}
    packed = systolic_cycles(**shape, group_mapping="packed", **ARRAY)
    assert (packed.cycles, packed.folds, packed.groups_per_pass) == (1420, 10, 1)
    assert packed == systolic_cycles(**shape, **ARRAY)


@pytest.mark.parametrize(
    ("override", "error", "message"),
    [
        ({"rows": 0}, ConfigError, r"^systolic array: rows: must be a positive integer, got 0$"),
        (
            {"cols": 2.5},
            ConfigError,
            r"^systolic array: cols: must be a positive integer, got 2\.5$",
        ),
        ({"m": 0}, WorkloadError, r"^systolic array: m: must be a positive integer, got 0$"),
        ({"groups": -1}, WorkloadError, r"^systolic array: groups: must be a positive integer"),
        # True is an int to Python, not a size
        ({"k": True}, WorkloadError, r"^systolic array: k: must be a positive integer, got True$"),
        (
            {"dataflow": "wss"},
            ConfigError,
            r"^systolic array: dataflow: 'wss' is not known; expected one of: is, os, ws$",
        ),
        (
            {"group_mapping": "diagonal"},
            ConfigError,
            r"^systolic array: group_mapping: 'diagonal' is not known; expected one of: "
            r"packed, simple$",
        ),
    ],
)
def test_systolic_bad_input_is_one_clear_line(override, error, message):
    arguments = {"m": 16, "k": 8, "n": 4, **ARRAY, **override}
    with pytest.raises(error, match=message):
        systolic_cycles(**arguments)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # (under load)
@given(
    m=st.integers(1, 300),
    k=st.integers(1, 80),
    n=st.integers(1, 40),
    groups=st.integers(1, 64),
    rows=st.integers(1, 40),
    cols=st.integers(1, 40),
    dataflow=st.sampled_from(sorted(DATAFLOWS)),
)
def test_systolic_packed_never_slower_and_utilisation_at_most_one(
    m, k, n, groups, rows, cols, dataflow
):
    # What the module docstring promises: packing only merges passes, so it never costs more,
    # and no mapping does more useful MACs per cycle than the array has PEs.
    shape = {"m": m, "k": k, "n": n, "groups": groups, "rows": rows, "cols": cols}
    simple = systolic_cycles(**shape, dataflow=dataflow)
    packed = systolic_cycles(**shape, dataflow=dataflow, group_mapping="packed")
    assert packed.cycles <= simple.cycles
    assert 0 < packed.utilisation <= 1
    assert 0 < simple.utilisation <= 1


def test_systolic_fill_and_drain_counted_in_every_pass():
    # ws on 4x4, 5 groups of m=5, k=2, n=1, packed: p = min(5, 4 // 2, 4 // 1) = 2 groups per
    # pass, so passes of 2, 2 and 1 groups, one fold each. A fold costs m + preload 4 + fill and
    # drain 4 + 4 - 2 = 5 + 10 = 15 cycles: 45 in all, 30 of them not streaming m.
    result = systolic_cycles(m=5, k=2, n=1, groups=5, rows=4, cols=4, dataflow="ws",
                             group_mapping="packed")  # fmt: skip
    assert (result.groups_per_pass, result.folds) == (2, 3)
    assert (result.cycles, result.fill_drain_cycles) == (45, 30)


def test_systolic_packed_never_claims_more_groups_than_the_layer_has():
    # 2 groups of k = n = 1 on an 8x8 ws array: 8 would fit side by side, but there are only 2,
    # so one pass of 2 groups: 1 fold of m 4 + preload 8 + fill and drain 8 + 8 - 2 = 26 cycles
    result = systolic_cycles(m=4, k=1, n=1, groups=2, rows=8, cols=8, dataflow="ws",
                             group_mapping="packed")  # fmt: skip
    assert (result.groups_per_pass, result.folds, result.cycles) == (2, 1, 26)


def test_systolic_packed_is_streams_every_packed_groups_columns():
    # is: K on the 8 rows, M on the 16 columns, N streamed. Groups of k = 4 pack 2 to a pass
    # (2 x 4 = 8 rows), so a pass streams both groups' N: 2 x 5 = 10 columns of the output.
    # Each of the 2 passes is one fold: T + R (preload) + R + C - 2 = 10 + 8 + 8 + 16 - 2 = 40.
    result = systolic_cycles(
        m=16, k=4, n=5, groups=4, rows=8, cols=16, dataflow="is", group_mapping="packed"
    )
    assert (result.cycles, result.folds, result.groups_per_pass) == (80, 2, 2)
    assert result.fill_drain_cycles == 80 - 2 * 10
