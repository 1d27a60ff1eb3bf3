"""`einsum_labels` with the input shapes only labels the inputs; given the output's shape too,
it labels the output as well."""

from __future__ import annotations

from accelsim.workload.rules.gemm import einsum_labels


def test_input_shapes_alone_label_the_inputs() -> None:
    terms, sizes = einsum_labels("ij,jk->ik", [(2, 3), (3, 4)])
    assert terms == [["i", "j"], ["j", "k"]]
    assert sizes == {"i": 2, "j": 3, "k": 4}


def test_with_the_output_shape_the_output_is_labelled_too() -> None:
    terms, _ = einsum_labels("ij,jk->ik", [(2, 3), (3, 4), (2, 4)])
    assert terms == [["i", "j"], ["j", "k"], ["i", "k"]]
