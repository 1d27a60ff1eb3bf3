"""Compute cycles of one layer's GEMM on a rows × cols systolic array (SCALE-Sim v3 fold model).

`systolic_cycles(*, m, k, n, groups=1, rows, cols, dataflow="ws", group_mapping="simple")`
returns a `SystolicCycles`. The GEMM is M × K × N per group: M = output pixels × batch, K = the
reduction (Cin/groups · kh · kw), N = output channels per group. Rows hold SCALE-Sim's
ArrayHeight, columns its ArrayWidth.

Each dataflow puts two GEMM dimensions on the array (S_r on rows, S_c on columns) and streams
the third (T) through it, exactly as SCALE-Sim's `topology_utils.calc_spatio_temporal_params`:

    ws: S_r = K, S_c = N, T = M      os: S_r = M, S_c = N, T = K      is: S_r = K, S_c = M, T = N

The array is loaded ceil(S_r/R) · ceil(S_c/C) times (folds) and each fold takes
T + (R − 1) + (C − 1) cycles of streaming with skew fill and drain, plus R cycles to preload
the stationary operand for ws and is (os streams both operands). So ws costs
ceil(K/R)·ceil(N/C)·(2R + C + M − 2), os ceil(M/R)·ceil(N/C)·(R + C + K − 2) and is
ceil(K/R)·ceil(M/C)·(2R + C + N − 2): the length of the stall-free demand matrices that
`scalesim/compute/systolic_compute_{ws,os,is}.py` build. SCALE-Sim's COMPUTE_REPORT
"Total Cycles" with no memory stalls is this number minus one (it reports the 0-based index of
the last cycle; see reports/systolic/README.md).

Grouped and depthwise convolutions (`group_mapping`):

- ``simple`` (default): each group is its own GEMM M × K × N, groups run one after another.
  A depthwise 3×3 layer is `groups` GEMMs with K = 9, N = 1: one column per group. This is
  exactly what SCALE-Sim does with a layer whose name contains "DP" (one layer per channel),
  so it is the default that the reference simulator validates.
- ``packed``: p groups share one pass as a block-diagonal GEMM M × (p·K) × (p·N): each group
  keeps its own K-rows and N-columns (zeros elsewhere), so results are exact. p is the largest
  count whose block fits the array's spatial dimensions that are K or N (ws: p·K ≤ R and
  p·N ≤ C; os: p·N ≤ C; is: p·K ≤ R), at least 1 and at most `groups`; ceil(groups/p) passes,
  each timed by the fold model above. It never costs more than ``simple``, and it models only
  the fold count and fill/drain, not whether SRAM can feed p groups' inputs at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from accelsim.errors import ConfigError, WorkloadError

_Entry = TypeVar("_Entry")


@dataclass(frozen=True, slots=True, kw_only=True)
class Dataflow:
    """Which GEMM dimension ("m", "k" or "n") sits on the rows, the columns, and in time."""

    rows: str
    """Dimension mapped onto the R rows (SCALE-Sim's S_r)."""
    cols: str
    """Dimension mapped onto the C columns (S_c)."""
    streamed: str
    """Dimension streamed through the array, one step per cycle (T)."""
    preload: bool
    """Whether a stationary operand is loaded into the array first (R cycles per fold)."""


DATAFLOWS: dict[str, Dataflow] = {
    "ws": Dataflow(rows="k", cols="n", streamed="m", preload=True),
    "os": Dataflow(rows="m", cols="n", streamed="k", preload=False),
    "is": Dataflow(rows="k", cols="m", streamed="n", preload=True),
}
"""Dataflows by the name a hardware file uses (weight, output, input stationary)."""


def _one_group_per_pass(
    flow: Dataflow, *, k: int, n: int, groups: int, rows: int, cols: int
) -> int:
    """simple: each group its own GEMM, groups one after another (SCALE-Sim's "DP" layers)."""
    return 1


def _packed_groups_per_pass(
    flow: Dataflow, *, k: int, n: int, groups: int, rows: int, cols: int
) -> int:
    """packed: the largest p whose block-diagonal block (p·k, p·n) fits the array's K and N
    dimensions in one fold; at least 1, at most `groups`."""
    per_group = {"k": k, "n": n}
    fits = [
        size // per_group[dim]
        for dim, size in ((flow.rows, rows), (flow.cols, cols))
        if dim in per_group
    ]
    return max(1, min(groups, *fits))


GROUP_MAPPINGS: dict[str, Callable[..., int]] = {
    "simple": _one_group_per_pass,
    "packed": _packed_groups_per_pass,
}
"""How grouped and depthwise convolutions map onto the array: name -> groups per pass."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SystolicCycles:
    """Cycles one layer keeps a systolic array busy, stall-free, and where they go."""

    cycles: int
    """Compute cycles of the whole layer (all groups, all folds)."""
    folds: int
    """Times the array was loaded with a new tile of the spatial dimensions, over all passes."""
    fill_drain_cycles: int
    """Cycles not streaming the temporal dimension: preload, skew fill and drain, all folds."""
    macs: int
    """Useful multiply-accumulates: m · k · n · groups (zero padding of packing excluded)."""
    array_macs: int
    """MACs the array could do per cycle: rows · cols."""
    groups_per_pass: int
    """Groups that share one pass of the array (1 under the simple mapping)."""

    @property
    def utilisation(self) -> float:
        """Useful MACs over what the array could do in `cycles`: in [0, 1]."""
        return self.macs / (self.array_macs * self.cycles)


def systolic_cycles(
    *,
    m: int,
    k: int,
    n: int,
    groups: int = 1,
    rows: int,
    cols: int,
    dataflow: str = "ws",
    group_mapping: str = "simple",
) -> SystolicCycles:
    """Stall-free cycles of `groups` GEMMs m × k × n on a rows × cols array.

    Raises:
        ConfigError: rows or cols not a positive integer, unknown dataflow or group mapping.
        WorkloadError: m, k, n or groups not a positive integer.
    """
    _check_positive(rows=rows, cols=cols, error=ConfigError)
    _check_positive(m=m, k=k, n=n, groups=groups, error=WorkloadError)
    flow = _lookup(DATAFLOWS, "dataflow", dataflow)
    mapping = _lookup(GROUP_MAPPINGS, "group_mapping", group_mapping)
    per_pass = mapping(flow, k=k, n=n, groups=groups, rows=rows, cols=cols)
    full_passes, last_pass_groups = divmod(groups, per_pass)
    folds = 0
    cycles = 0
    streamed_cycles = 0
    for pass_groups, count in ((per_pass, full_passes), (last_pass_groups, 1)):
        if pass_groups == 0:
            continue
        dims = {"m": m, "k": pass_groups * k, "n": pass_groups * n}
        pass_folds = math.ceil(dims[flow.rows] / rows) * math.ceil(dims[flow.cols] / cols)
        overhead = (rows if flow.preload else 0) + rows + cols - 2
        folds += count * pass_folds
        cycles += count * pass_folds * (dims[flow.streamed] + overhead)
        streamed_cycles += count * pass_folds * dims[flow.streamed]
    return SystolicCycles(
        cycles=cycles,
        folds=folds,
        fill_drain_cycles=cycles - streamed_cycles,
        macs=m * k * n * groups,
        array_macs=rows * cols,
        groups_per_pass=per_pass,
    )


def _check_positive(*, error: type[Exception], **values: int) -> None:
    """Raise `error` naming the first value that is not a positive int (bools refused too)."""
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise error(f"systolic array: {name}: must be a positive integer, got {value!r}")


def _lookup(registry: dict[str, _Entry], field: str, name: str) -> _Entry:
    """Return registry[name], or raise ConfigError listing the known names."""
    if name not in registry:
        known = ", ".join(sorted(registry))
        raise ConfigError(
            f"systolic array: {field}: {name!r} is not known; expected one of: {known}"
        )
    return registry[name]
