"""A tile's share of a grouped convolution's GEMM (`_Geometry.work`), by hand: a channel is
N x groups / channels GEMM columns; whole groups of them run as that many groups, part of one
as one group of fewer columns; rows scale M, a chunk of the reduction K."""

from __future__ import annotations

from accelsim.lowering import lower
from accelsim.memory.tiling import _Geometry
from accelsim.work import Gemm
from tests.sim.toy import GraphBuilder, toy_machine


def _geometry(cout_per_group: int, groups: int, kernel: int) -> _Geometry:
    """x (1, 4, 4, 4) through a conv of `groups` groups to 4 channels, `kernel` x `kernel`."""
    g = GraphBuilder()
    x = g.input("x", (1, 4, 4, 4))
    w = g.weight("c.W", (4, 4 // groups, kernel, kernel))
    y = g.op("c", "Conv", [x, w], "y", (1, 4, 4, 4), macs=16 * 4 * (4 // groups) * kernel**2,
             kernel_shape=[kernel, kernel], strides=[1, 1], pads=[kernel // 2] * 4,
             group=groups)  # fmt: skip
    program = lower(g.build(y), toy_machine())
    assert program.layers[0].gemm == Gemm(
        m=16, k=4 // groups * kernel**2, n=cout_per_group, groups=groups,
        macs=16 * 4 * (4 // groups) * kernel**2,
    )  # fmt: skip
    return _Geometry(program.layers[0], program.buffers, last_resort=True)


def test_a_depthwise_tile_runs_one_group_per_channel():
    # 4 groups of N = 1, K = 9 over 4 channels and 4 rows (M = 16: 4 pixels a row)
    geometry = _geometry(1, 4, 3)
    assert (geometry.channels, geometry.rows) == (4, 4)
    assert geometry.work(2, 2, 72, 0) == Gemm(m=8, k=9, n=1, groups=2, macs=72)
    assert geometry.work(1, 4, 36, 0) == Gemm(m=16, k=9, n=1, groups=1, macs=36)
    assert geometry.work(3, 1, 27, 0) == Gemm(m=4, k=9, n=1, groups=3, macs=27)


def test_a_grouped_tile_of_part_of_a_group_is_one_group_of_fewer_columns():
    # 2 groups of N = 2, K = 2 (1x1) over 4 channels: a channel is one column of its group
    geometry = _geometry(2, 2, 1)
    assert geometry.reduction == 2  # a group's 2 input channels (a last resort split)
    assert geometry.work(1, 4, 32, 0) == Gemm(m=16, k=2, n=1, groups=1, macs=32)
    assert geometry.work(2, 4, 64, 0) == Gemm(m=16, k=2, n=2, groups=1, macs=64)
    # 3 channels: 3 columns, one whole group (2) as the model counts them, N = 2
    assert geometry.work(3, 4, 96, 0) == Gemm(m=16, k=2, n=2, groups=1, macs=96)
    assert geometry.work(4, 2, 64, 0) == Gemm(m=8, k=2, n=2, groups=2, macs=64)
    # one of the 2 input channels of every group: K = 1
    assert geometry.work(4, 4, 64, 0, 1) == Gemm(m=16, k=1, n=2, groups=2, macs=64)
