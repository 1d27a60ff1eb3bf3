"""Cost rules, one module per op family; importing this package registers them all.

Counting conventions (every rule's docstring states its own count): matrix work (Conv, Gemm,
MatMul) is in MACs with the bias add inside the accumulation; everything else counts elementary
vector operations (add, multiply, compare, exp, divide, copy) per element; views cost nothing.
"""

from __future__ import annotations

from accelsim.workload.rules import (
    activation,
    conv,
    elementwise,
    gemm,
    indexing,
    logical,
    metadata,
    normalization,
    pooling,
    recurrent,
    reduction,
    rounding,
    selection,
    shape,
    softmax,
)

__all__ = [
    "activation", "conv", "elementwise", "gemm", "indexing", "logical", "metadata",
    "normalization", "pooling", "recurrent", "reduction", "rounding", "selection", "shape",
    "softmax",
]  # fmt: skip
