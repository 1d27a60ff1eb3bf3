"""Sweep edges planted by hand in session 10 (issue 19): each test fails with the bug named."""

from __future__ import annotations

import pickle

from accelsim.sweep.reuse import Reuse
from tests.sim.test_schedule import _two_convs
from tests.sim.toy import toy_machine


def test_a_filled_reuse_pickles_as_an_empty_one():
    # a Job ships its Reuse to every worker: what this process planned must not travel with it
    # (each worker fills its own), so a filled Reuse pickles to the bytes of a fresh one
    reuse, hw = Reuse(), toy_machine()
    planned = reuse.planned(_two_convs(), hw, policy="liveness", overlap=True)
    assert reuse.planned(_two_convs(), hw, policy="liveness", overlap=True) is planned
    assert pickle.dumps(reuse) == pickle.dumps(Reuse())
    assert isinstance(pickle.loads(pickle.dumps(reuse)), Reuse)


def test_machines_that_differ_only_in_data_types_get_their_own_bus_floor():
    # _two_convs crossing the bus once: input 2x4x4, output 4x4x4, weights 72 + 16 values. At
    # int8 activations 32 + 64 + 88 = 184 B; at int16 activations 64 + 128 + 88 = 280 B; at
    # 1 B a cycle (toy bus 1 GB/s, 1 GHz, no start-up) 184 and 280 cycles. The two machines
    # lower alike and have the same bus, so only the data types tell their DMA work apart
    from accelsim.hardware_file import with_overrides
    from accelsim.lowering import lower

    reuse, narrow = Reuse(), toy_machine()
    wide = with_overrides(narrow, {"dtypes.activations": "int16"})
    parts = [reuse.floor(lower(_two_convs(), hw), hw).parts["bus"] for hw in (narrow, wide)]
    assert parts == [184, 280]


def test_a_geometric_range_ends_where_the_next_value_would_overflow_a_float():
    # units.dma.depth is a plain number: 1, 1e300, then 1e600 (past float's 1.8e308) raises
    # OverflowError before it can be compared with STOP = 1e308: the range is 1 and 1e300.
    # (A loop that went on past the overflow would never end: an alarm stops it after 20 s.)
    import signal

    from accelsim.sweep.grid import parse_set

    def endless(signum: int, frame: object) -> None:
        raise TimeoutError("the range did not end at the overflow")

    previous = signal.signal(signal.SIGALRM, endless)
    signal.alarm(20)
    try:
        axis = parse_set("units.dma.depth=1..1e308:x1e300")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert [s.label for s in axis.settings] == ["1", "1e+300"]
    assert [s.value for s in axis.settings] == [1, int(1e300)]
