"""The paper model on a machine whose matrix engine does not take Conv: the convolution's MACs
run on the vector unit, two vector ops each, and are not counted again as matrix work (session
11, issue 19). Toy machine: matrix engine 100 GFLOPS, vector unit 1 GFLOPS."""

from __future__ import annotations

import pytest

from accelsim.paper import PAPER, PaperModel
from tests.paper.test_model import conv_relu
from tests.sim.toy import toy_machine


def test_a_conv_off_the_matrix_engine_costs_vector_time_only():
    table = PaperModel(PAPER).evaluate(conv_relu(), toy_machine(ops=("Gemm",), fuses=()))
    (row,) = table.rows
    assert row.op_types == ("Conv", "Relu")
    assert row.macs == 0  # no matrix work
    # 288 MACs at 2 vector ops each, plus the ReLU's 32: 608 ops at 1 GFLOPS
    assert row.vector_ops == 2 * 288 + 32
    assert row.compute_s == pytest.approx(608 / 1e9)
