"""Einsum against numpy, an independent reader of the same equations: over random equations and
shapes (size-1 labels broadcasting, implicit outputs, ellipses), the rule's output shape is
numpy's, its MACs are the product of every label's size, and it refuses what numpy refuses."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from accelsim.workload.costs import InvalidNode, NodeShapes, find_rule, op_cost


def _random_case(rng: random.Random) -> tuple[str, list[tuple[int, ...]]]:
    letters = rng.sample("abcdeXY", rng.randint(1, 5))
    size = {label: rng.randint(2, 4) for label in letters}
    operands = rng.randint(2, 3)
    ellipsis = rng.random() < 0.3
    batch = tuple(rng.randint(1, 3) for _ in range(rng.randint(0, 2)))
    terms, shapes = [], []
    for _ in range(operands):
        term = rng.sample(letters, rng.randint(1, len(letters)))
        dims = [1 if rng.random() < 0.15 else size[label] for label in term]
        if rng.random() < 0.05:
            dims[0] += 1  # a size clash (unless it meets a 1)
        if ellipsis:
            own = batch[rng.randint(0, len(batch)):] if batch else ()
            own = tuple(1 if rng.random() < 0.3 else d for d in own)
            terms.append("..." + "".join(term))
            shapes.append((*own, *dims))
        else:
            terms.append("".join(term))
            shapes.append(tuple(dims))
    equation = ",".join(terms)
    if rng.random() < 0.6:
        used = sorted({label for term in terms for label in term if label != "."})
        out = rng.sample(used, rng.randint(0, len(used)))
        equation += "->" + ("..." if ellipsis else "") + "".join(out)
    return equation, shapes


def test_einsum_agrees_with_numpy_on_random_equations() -> None:
    rng = random.Random(2026)
    rule = find_rule("Einsum")
    assert rule is not None and rule.output_shape is not None
    checked = refused = 0
    for _ in range(400):
        equation, shapes = _random_case(rng)
        arrays = [np.ones(shape) for shape in shapes]
        try:
            expected = np.einsum(equation, *arrays).shape
        except ValueError:
            expected = None
        node = NodeShapes(tuple(shapes), ((0,) * (len(expected) if expected else 0),),
                          {"equation": equation})  # fmt: skip
        if expected is None:
            with pytest.raises(InvalidNode):
                rule.output_shape(node)
            refused += 1
            continue
        assert rule.output_shape(node) == expected, (equation, shapes)
        # every point of the iteration space is one MAC: each label once, at its broadcast size
        sizes: dict[str, int] = {}
        for term, shape in zip(equation.split("->")[0].split(","), shapes, strict=True):
            head, _, tail = term.partition("...")
            spread = len(shape) - len(head) - len(tail)
            labels = [*head, *(f"...{spread - i}" for i in range(spread)), *tail]
            for label, size in zip(labels, shape, strict=True):
                sizes[label] = max(sizes.get(label, 1), size)
        cost = op_cost("Einsum", NodeShapes(tuple(shapes), (expected,), {"equation": equation}))
        assert cost.macs == math.prod(sizes.values()), (equation, shapes)
        checked += 1
    assert checked > 250 and refused > 5  # both sides of the verdict were tried


@pytest.mark.parametrize(
    ("equation", "shapes"),
    [("...abc,c->...", [(2, 3), (3,)]), ("ab...c,c", [(2, 3), (3,)]), ("abc,c->a", [(2, 3), (3,)])],
)
def test_a_term_longer_than_its_operand_is_refused_as_numpy_does(equation, shapes) -> None:
    with pytest.raises(ValueError):
        np.einsum(equation, *[np.ones(shape) for shape in shapes])
    with pytest.raises(InvalidNode, match="does not match its rank-2 operand"):
        op_cost("Einsum", NodeShapes(tuple(shapes), ((1,),), {"equation": equation}))
