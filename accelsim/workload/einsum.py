"""Einsum equations, read the way onnxruntime reads them, before anything else sees them.

ONNX shape inference loops forever on some malformed equations ("...i...,ij->j" never returns
and holds the interpreter), so the importer checks every equation with `parse_equation` before
handing the model to onnx; the cost rule then checks the labels against the operand shapes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from accelsim.workload.costs import InvalidNode, Shape

ELLIPSIS = "..."
_TERM = re.compile(r"[A-Za-z]*(?:\.\.\.)?[A-Za-z]*")
MAX_EQUATION = 1_000
"""Longest equation read: a real one has a few dozen characters."""


@dataclass(frozen=True)
class Equation:
    """The input terms and the output term (None when the equation has no "->"), spaces removed;
    each term is letters with at most one "..." among them."""

    inputs: tuple[str, ...]
    output: str | None


def parse_equation(equation: str, operands: int) -> Equation:
    """Check the syntax of `equation` for a node with `operands` inputs.

    Raises:
        InvalidNode: not ASCII, over MAX_EQUATION characters, more than one "->", a term count
            that is not `operands`, a label that is not a letter, two "..." in one term, an
            output label repeated or absent from the inputs, or "..." only on one side.
    """
    if len(equation) > MAX_EQUATION or not equation.isascii():
        what = "longer than 1,000 characters" if equation.isascii() else "not ASCII"
        raise InvalidNode(f"equation {equation[:40]!r} is {what}")
    text = equation.replace(" ", "")
    left, arrow, output = text.partition("->")
    if "->" in output or ("-" in left or ">" in left):
        raise InvalidNode(f'equation "{equation}": one "->" at most, between inputs and output')
    inputs = tuple(left.split(","))
    if len(inputs) != operands:
        raise InvalidNode(
            f'equation "{equation}" has {len(inputs)} input term(s) for {operands} input(s)'
        )
    for term in (*inputs, output):
        if not _TERM.fullmatch(term):
            raise InvalidNode(
                f'equation "{equation}": term "{term}" must be letters (a-z, A-Z) with at most '
                'one "..."'
            )
    if not arrow:
        return Equation(inputs, None)
    labels = output.replace(ELLIPSIS, "")
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    missing = sorted(set(labels) - set("".join(inputs)))
    ellipsis_in = any(ELLIPSIS in term for term in inputs)
    if repeated:
        raise InvalidNode(f'equation "{equation}": the output repeats {", ".join(repeated)}')
    if missing:
        raise InvalidNode(f'equation "{equation}": the output has {", ".join(missing)}, not in '
                          "any input")  # fmt: skip
    if (ELLIPSIS in output) != ellipsis_in:
        raise InvalidNode(f'equation "{equation}": "..." must be in the output if and only if '
                          "it is in an input")  # fmt: skip
    return Equation(inputs, output)


def term_labels(term: str, rank: int) -> list[str]:
    """The labels of `term` for an operand of `rank` dims: an ellipsis becomes one label per dim
    it covers, counted from the right (so broadcast ellipses line up).

    Raises:
        InvalidNode: the term's letters do not match the rank.
    """
    head, _, tail = term.partition(ELLIPSIS)
    spread = rank - len(head) - len(tail) if ELLIPSIS in term else 0
    if spread < 0 or (ELLIPSIS not in term and len(term) != rank):
        raise InvalidNode(f'term "{term}" does not match its rank-{rank} operand')
    return [*head, *(f"{ELLIPSIS}{spread - i}" for i in range(spread)), *tail]


def label_sizes(
    equation: Equation, shapes: Sequence[Shape]
) -> tuple[list[list[str]], dict[str, int]]:
    """The labels of each input term and the size of every label (dims of 1 broadcast, as in
    onnxruntime).

    Raises:
        InvalidNode: a term whose labels do not match its operand's rank, or a label of two
            different sizes (neither 1).
    """
    sizes: dict[str, int] = {}
    labelled = []
    for term, shape in zip(equation.inputs, shapes, strict=True):
        labels = term_labels(term, len(shape))
        for label, size in zip(labels, shape, strict=True):
            known = sizes.get(label, 1)
            if size != known and 1 not in (size, known):
                raise InvalidNode(f'label "{label}" is {known} in one input and {size} in another')
            sizes[label] = max(known, size)
        labelled.append(labels)
    return labelled, sizes
