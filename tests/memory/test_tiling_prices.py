"""The split search prices every split of a layer at once (`_Menu.scores`: each distinct work
record asked of its timing model once, the counts summed as columns). Hypothesis: that equals
pricing each split on its own, in Python integers, as `_Menu.scores`'s docstring says, on
random splits and machines. And the planning models it asks are shared only by machines that
agree on what a model reads (the unit, the clock, DDR): worked out by hand on the toy machine
(tests/sim/toy.py: 1 GHz, a 1 GB/s bus, 100 GB/s DDR, no latency)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.hardware_file import load_hardware, with_overrides
from accelsim.memory.tiling import BUFFERINGS, _Menu, _Profile
from accelsim.timing.models import estimate, planning_model
from accelsim.work import Gemm, Transfer, Vector
from tests.property.test_invariants import SETTINGS
from tests.sim.toy import toy_machine

HARDWARE = Path(__file__).resolve().parents[2] / "hardware"

transfers = st.builds(
    lambda nbytes, direction: Transfer(nbytes=nbytes, direction=direction),
    st.integers(0, 3_000_000), st.sampled_from(["in", "out"]),
)  # fmt: skip
gemms = st.builds(
    lambda m, k, n, groups: Gemm(m=m, k=k, n=n, groups=groups, macs=m * k * n * groups),
    st.integers(1, 300), st.integers(1, 300), st.integers(1, 300), st.integers(1, 4),
)  # fmt: skip
vectors = st.builds(
    lambda ops, elements: Vector(ops=ops, elements=elements),
    st.integers(0, 10**6), st.integers(0, 10**5),
)  # fmt: skip
counts = st.integers(1, 65_536)


@st.composite
def profiles(draw, computes):
    """A split's transfers, computes and later groups' loads, with counts, as `_Profile`."""
    moved = draw(st.integers(0, 10**9))
    return _Profile(
        tuple(draw(st.dictionaries(transfers, counts, min_size=1, max_size=6)).items()),
        tuple(draw(st.dictionaries(computes, counts, min_size=1, max_size=4)).items()),
        moved,
        draw(counts),
        tuple(draw(st.lists(st.tuples(transfers, st.integers(0, 64)), max_size=3))),
    )


machines = st.one_of(
    st.builds(
        lambda bus, ddr, latency, dma, matrix: toy_machine(
            bus=f"{bus} GB/s", ddr=f"{ddr} GB/s", latency_ns=latency, dma_units=dma,
            matrix=f"{matrix} GFLOPS",
        ),
        st.sampled_from([0.25, 1, 3, 32]), st.sampled_from([0.5, 8, 100]),
        st.sampled_from([0, 7, 250]), st.integers(1, 3), st.sampled_from([1, 100, 4000]),
    ),
    st.sampled_from(["edge1-systolic", "edge1-ddr4", "edge1-2dma"]).map(
        lambda name: load_hardware(HARDWARE / f"{name}.yaml")
    ),
)  # fmt: skip


@st.composite
def menus(draw):
    """A layer (its unit and epilogue) and the splits of a menu, each buffered some way."""
    unit = draw(st.sampled_from(["matrix", "vector"]))
    epilogue = draw(st.none() | vectors) if unit == "matrix" else None
    layer = SimpleNamespace(unit=unit, epilogue=epilogue)
    computes = gemms if unit == "matrix" else vectors
    options = draw(st.lists(
        st.tuples(st.none(), st.sampled_from(BUFFERINGS), st.just(0), profiles(computes)),
        min_size=1, max_size=8,
    ))  # fmt: skip
    return layer, options


def _alone(layer, buffering, profile, hw):
    """One split's (cycles, bytes, tiles, compute cycles) as `_Menu.scores` describes it."""
    channels = len(hw.units_of("dma"))
    bus = sum(n * estimate(hw, "dma", work) for work, n in profile.transfers) / channels
    compute = sum(n * estimate(hw, layer.unit, work) for work, n in profile.computes)
    epilogue = estimate(hw, "vector", layer.epilogue) if layer.epilogue is not None else 0
    if buffering.tiles == 1:
        return bus + compute + epilogue, profile.moved, profile.tiles, compute
    waits = 0.0
    if buffering.weights == 1:  # each later group's weights load while the engine waits
        waits = sum(n * estimate(hw, "dma", work) for work, n in profile.later_groups) / channels
    turn = (bus + compute + epilogue) / buffering.tiles
    cycles = max(bus, compute + waits, epilogue, turn) + min(bus, compute) / profile.tiles
    return cycles, profile.moved, profile.tiles, compute


@settings(SETTINGS, max_examples=200)
@given(menus(), st.lists(machines, min_size=1, max_size=3))
def test_all_splits_priced_at_once_equal_each_split_priced_alone(menu_and_layer, hws):
    layer, options = menu_and_layer
    menu = _Menu(options, [True] * len(options))
    for hw in hws:  # one menu on several machines: its prices are kept per timing model
        expected = [_alone(layer, buffering, profile, hw) for _, buffering, _, profile in options]
        assert menu.scores(layer, hw) == expected


def test_machines_that_agree_on_a_unit_clock_and_ddr_share_its_planning_model():
    small, large = toy_machine(sram=100), toy_machine(sram=5000, matrix="1 TFLOPS")
    assert planning_model(small, "dma") is planning_model(large, "dma")
    assert planning_model(small, "vector") is planning_model(large, "vector")
    assert planning_model(small, "matrix") is not planning_model(large, "matrix")


def test_a_unit_clock_or_ddr_that_differs_gets_its_own_answers():
    # 1,000 B at 1 B a cycle: 1,000 cycles. Asked first, so a model shared too widely would
    # answer 1,000 below. DDR at 0.5 GB/s holds the transfer: 2,000; a 2 GHz clock makes the
    # 1 GB/s bus 0.5 B a cycle: 2,000; 5 ns more latency on the channel: 1,005; a 2 GB/s bus:
    # 500 cycles.
    load = Transfer(nbytes=1000, direction="in")
    assert estimate(toy_machine(), "dma", load) == 1000
    assert estimate(toy_machine(ddr="0.5 GB/s"), "dma", load) == 2000
    assert estimate(with_overrides(toy_machine(), {"clock": "2 GHz"}), "dma", load) == 2000
    assert estimate(toy_machine(latency_ns=5), "dma", load) == 1005
    assert estimate(toy_machine(bus="2 GB/s"), "dma", load) == 500
    # 500 MACs at 50 a cycle: 10 cycles; at 1 TFLOPS (500 a cycle): 1.
    gemm = Gemm(m=5, k=10, n=10, groups=1, macs=500)
    assert estimate(toy_machine(), "matrix", gemm) == 10
    assert estimate(toy_machine(matrix="1 TFLOPS"), "matrix", gemm) == 1


def test_a_menu_keeps_the_prices_of_the_last_machines_only(monkeypatch):
    # With room for 2, a menu priced on buses of 1, 2 and 4 GB/s keeps the last two machines'
    # prices; asked about 1 GB/s again it prices anew, still 1,000 cycles for 1,000 B.
    from accelsim.memory import tiling

    monkeypatch.setattr(tiling, "KEPT_MODELS", 2)
    profile = _Profile(((Transfer(nbytes=1000, direction="in"), 1),), (), 1000, 1, ())
    menu = _Menu([(None, BUFFERINGS[0], 0, profile)], [True])
    layer = SimpleNamespace(unit="vector", epilogue=None)
    for bus, cycles in (("1 GB/s", 1000), ("2 GB/s", 500), ("4 GB/s", 250), ("1 GB/s", 1000)):
        assert menu.scores(layer, toy_machine(bus=bus)) == [(float(cycles), 1000, 1, 0)]
        assert len(menu._prices) <= 2


def test_a_slot_turns_in_a_third_of_the_serial_time_with_three_slots():
    # One tile's 100 B at 1 B a cycle, a GEMM of 5,000 MACs at 50 a cycle and an epilogue of
    # 100 ops at 1 a cycle: 100 cycles each, 300 in series. Buffered, the busiest unit (100)
    # or a slot's turn, 300 / slots: 150 with two slots, 100 with three; plus the tile's
    # share of the first load, min(bus, compute) / 1 tile = 100.
    layer = SimpleNamespace(unit="matrix", epilogue=Vector(ops=100, elements=100))
    profile = _Profile(((Transfer(nbytes=100, direction="in"), 1),),
                       ((Gemm(m=50, k=10, n=10, groups=1, macs=5000), 1),), 100, 1, ())  # fmt: skip
    options = [(None, buffering, 0, profile) for buffering in BUFFERINGS]
    cycles = [key[0] for key in _Menu(options, [True] * len(options)).scores(layer, toy_machine())]
    turns = {(b.tiles, b.weights): c for b, c in zip(BUFFERINGS, cycles, strict=True)}
    assert turns == {(1, 1): 300, (2, 2): 250, (2, 1): 250, (3, 2): 200, (3, 1): 200}
