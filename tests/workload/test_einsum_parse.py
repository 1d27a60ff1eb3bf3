"""Einsum equations checked before any shape work (`workload/einsum.py`), each refusal with
its own message: a stray arrow character, an ellipsis longer than its operand."""

from __future__ import annotations

import pytest

from accelsim.workload.costs import InvalidNode
from accelsim.workload.einsum import parse_equation, term_labels


@pytest.mark.parametrize("equation", ["a-b,b->a", "ab,b>c->a", "ab,bc->a->c", "ab-,bc"])
def test_a_stray_arrow_character_is_refused_as_such(equation):
    message = f'equation "{equation}": one "->" at most, between inputs and output'
    with pytest.raises(InvalidNode) as refused:
        parse_equation(equation, 2)
    assert str(refused.value) == message


def test_an_ellipsis_covers_what_the_rank_leaves_and_never_less_than_nothing():
    # "...ij" on a rank-4 operand: the ellipsis covers 2 dims, counted from the right (2, 1)
    assert term_labels("...ij", 4) == ["...2", "...1", "i", "j"]
    assert term_labels("...ij", 2) == ["i", "j"]  # it may cover none
    for term, rank in (("...ij", 1), ("ij", 3), ("ij", 1)):
        with pytest.raises(InvalidNode, match=f'term "{term}" does not match its rank-{rank}'):
            term_labels(term, rank)
