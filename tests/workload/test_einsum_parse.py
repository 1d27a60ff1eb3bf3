"""Einsum equations checked before any shape work (`workload/einsum.py`), each refusal with
its own message: a stray arrow character, an ellipsis longer than its operand."""

from __future__ import annotations

import pytest

from accelsim.workload.costs import InvalidNode
from accelsim.workload.einsum import Equation, parse_equation, term_labels


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


@pytest.mark.parametrize(
    ("equation", "operands", "message"),
    [
        ("...ij,jk->ik", 2, '"..." must be in the output if and only if it is in an input'),
        ("ij,jk->...ik", 2, '"..." must be in the output if and only if it is in an input'),
        ("ij,jk->iki", 2, "the output repeats i"),
        ("ij,jk->iz", 2, "the output has z, not in any input"),
        ("ij,jk->ik", 3, None),
        ("ij,jk,kl->il", 2, None),
        ("i1,jk->ik", 2, None),
        ("...i...,ij->j", 2, None),
    ],
)
def test_each_malformed_equation_is_refused_with_its_reason(equation, operands, message):
    # the count and the label spelling have their own wording: each message written out in full
    full = {
        ("ij,jk->ik", 3): 'equation "ij,jk->ik" has 2 input term(s) for 3 input(s)',
        ("ij,jk,kl->il", 2): 'equation "ij,jk,kl->il" has 3 input term(s) for 2 input(s)',
        ("i1,jk->ik", 2): 'equation "i1,jk->ik": term "i1" must be letters (a-z, A-Z) with at '
                          'most one "..."',
        ("...i...,ij->j", 2): 'equation "...i...,ij->j": term "...i..." must be letters (a-z, '
                              'A-Z) with at most one "..."',
    }.get((equation, operands), f'equation "{equation}": {message}')
    with pytest.raises(InvalidNode) as refused:
        parse_equation(equation, operands)
    assert str(refused.value) == full


def test_a_well_formed_equation_is_read_term_by_term():
    assert parse_equation("b i j , b j k -> b i k", 2) == Equation(("bij", "bjk"), "bik")
    assert parse_equation("...ij,...jk->...ik", 2) == Equation(("...ij", "...jk"), "...ik")
    assert parse_equation("ij,jk", 2) == Equation(("ij", "jk"), None)  # implicit output
    assert parse_equation("ii->", 1) == Equation(("ii",), "")  # a trace: a scalar


def test_an_equation_of_1000_characters_is_read_and_one_more_is_not():
    # "ij,jk->ik" padded with spaces (which are dropped) to 1,000 characters, then to 1,001
    padded = "ij,jk->ik".ljust(1000)
    assert parse_equation(padded, 2) == Equation(("ij", "jk"), "ik")
    with pytest.raises(InvalidNode) as caught:
        parse_equation(padded + " ", 2)
    shown = "ij,jk->ik".ljust(40)  # (the first 40 characters)
    assert str(caught.value) == f"equation {shown!r} is longer than 1,000 characters"
