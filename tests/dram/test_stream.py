"""A transfer's bursts served in one call (`BankedDram.stream`, with its short path for row hits
nothing can interleave with) end exactly when the same bursts served one `access` at a time do."""

from __future__ import annotations

import random

import pytest

from accelsim.api import run
from accelsim.dram import DRAM_PRESETS, BankedDram
from tests.dram.test_tier import MOBILENET, ROOT

EDGE1_DDR4 = ROOT / "hardware" / "edge1-ddr4.yaml"


def _burst_by_burst(dram: BankedDram, first: int, arrivals: list[int], write: bool) -> list[int]:
    size = dram.spec.burst_bytes
    return [
        dram.access(first + i * size, size, write=write, arrival=t).end
        for i, t in enumerate(arrivals)
    ]


def _random_transfers(rng: random.Random, size: int, capacity: int):
    """Transfers as DMA channels issue them: mostly sequential runs at a channel's pace, some at
    random addresses, some starting before the previous one's last bursts (two channels)."""
    now = 0
    for _ in range(300):
        count = rng.choice((1, 2, rng.randrange(1, 40), rng.randrange(40, 400)))
        step = rng.choice((0, 0.5, 2, 4, 7, 33, rng.uniform(0, 120)))
        first = rng.randrange(capacity // size - count) * size
        now += rng.choice((0, 3, 50, 400, rng.randrange(20_000)))
        start = now - rng.choice((0, 0, 0, rng.randrange(1, 500)))  # an overlapping channel
        yield first, [int(max(0, start) + i * step) for i in range(count)], rng.random() < 0.3


@pytest.mark.parametrize(
    ("preset", "mapping", "page"),
    [
        ("ddr4-3200", "row_column_bankgroup", "open"),
        ("ddr4-3200", "row_bank_column", "open"),
        ("ddr4-3200", "row_column_bankgroup", "closed"),
        ("lpddr4-4266", "row_column_channel", "open"),
        ("hbm2", "row_column_channel", "open"),
    ],
)
def test_stream_equals_burst_by_burst_on_random_traces(preset, mapping, page, monkeypatch):
    spec = DRAM_PRESETS[preset]
    grouped = BankedDram(spec, mapping=mapping, page=page)
    reference = BankedDram(spec, mapping=mapping, page=page)
    slow = 0
    real = BankedDram._burst

    def counted(self, *args):
        nonlocal slow
        slow += self is grouped
        return real(self, *args)

    monkeypatch.setattr(BankedDram, "_burst", counted)
    rng = random.Random(f"{preset} {mapping} {page}")
    bursts = 0
    for first, arrivals, write in _random_transfers(rng, spec.burst_bytes, spec.capacity):
        assert grouped.stream(first, arrivals, write=write) == _burst_by_burst(
            reference, first, arrivals, write
        )
        bursts += len(arrivals)
    assert grouped.counts == reference.counts and grouped.last_end == reference.last_end
    until = reference.last_end + 50_000
    grouped.finish(until)
    reference.finish(until)
    assert grouped.active_cycles(until) == reference.active_cycles(until)
    assert grouped.counts == reference.counts
    # the short path did serve bursts here (none under closed page: every burst opens its row)
    assert (slow == bursts) == (page == "closed"), (slow, bursts)


def test_mobilenet_on_edge1_ddr4_is_the_same_served_burst_by_burst(monkeypatch):
    grouped = run(MOBILENET, EDGE1_DDR4)
    monkeypatch.setattr(
        BankedDram, "stream", lambda self, first, arrivals, *, write: _burst_by_burst(
            self, first, list(arrivals), write
        ),
    )  # fmt: skip
    reference = run(MOBILENET, EDGE1_DDR4)
    assert grouped.latency_cycles == reference.latency_cycles == 575_904
    assert grouped.dram is not None and reference.dram is not None
    assert grouped.dram.transfers == reference.dram.transfers  # every transfer's end and hits
    assert grouped.dram.counts == reference.dram.counts
    assert grouped.dram.energy == reference.dram.energy
