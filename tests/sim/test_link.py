"""The transfer rate is min(bus, DDR): the run says which side sets it, and the floor names DDR."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from accelsim.api import simulate_graph
from accelsim.report.export import result_to_dict
from accelsim.report.tables import machine_panel, totals_table
from tests.sim.test_schedule import _single_conv
from tests.sim.toy import toy_machine


def _text(renderable: object) -> str:
    console = Console(width=200, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return console.file.getvalue()


@pytest.mark.parametrize(
    ("bus", "ddr", "limit", "words"),
    [
        ("4 GB/s", "1 GB/s", "ddr", "transfers at 1 GB/s (DDR-limited: bus 4 GB/s, DDR 1 GB/s)"),
        ("1 GB/s", "4 GB/s", "bus", "transfers at 1 GB/s (bus-limited: bus 1 GB/s, DDR 4 GB/s)"),
        ("1 GB/s", "1 GB/s", "bus", "transfers at 1 GB/s (bus and DDR equal: bus 1 GB/s, DDR"),
    ],
)
def test_link_rate_and_its_limiting_side_are_named(bus, ddr, limit, words):
    hw = toy_machine(bus=bus, ddr=ddr)
    result = simulate_graph(_single_conv(), hw, name="t")
    # x 32 B + W 72 B + out 64 B at 1 B/cycle whichever side is slower = 168 cycles of transfers;
    # compute 24 cycles: the floor is the link's
    assert result.floor.parts["bus"] == 168
    assert result.floor.limit == limit
    assert result_to_dict(result)["floor"]["limit"] == limit
    assert words in _text(machine_panel(hw))


def test_floor_limit_is_labelled_apart_from_the_layers_bound():
    result = simulate_graph(_single_conv(), toy_machine(bus="4 GB/s", ddr="1 GB/s"), name="t")
    text = _text(totals_table(result))
    assert "limit of the floor: DDR bandwidth; bus 168, matrix 24, vector 0 cycles" in text
    assert "-bound" not in text


def test_layer_whose_bus_time_is_mostly_latency_is_latency_bound():
    # 100 ns = 100 cycles of start-up per transfer: load x 100 + 32, load W 100 + 72 (ends 304),
    # compute 24 (waits for W: bus-side), store 100 + 64. Of the 468 bus cycles 300 are latency.
    result = simulate_graph(_single_conv(), toy_machine(latency_ns=100), name="t")
    layer = result.layers[0]
    assert (layer.transfer_cycles, layer.latency_cycles) == (468, 300)
    assert layer.bound == "latency"
    assert result.latency_share == pytest.approx(300 / 468)
    assert "64.1% of DMA time per-transfer latency" in _text(totals_table(result))
    # at 10 cycles per transfer, 30 of 198 bus cycles are latency: bandwidth-bound ("bus")
    short = simulate_graph(_single_conv(), toy_machine(latency_ns=10), name="t")
    assert short.layers[0].bound == "bus"
