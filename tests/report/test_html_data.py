"""The data the HTML report draws, field by field, for the single conv worked by hand, and the
escaping that keeps every markup character of a name out of the page's markup.

tests/sim/test_schedule.py's single 3x3 conv on the toy machine (1 GHz, 10 ns a transfer):
load x (32 B) [0, 42), load W (72 B) [42, 124), compute [124, 148), store out (64 B) [148, 222).
"""

from __future__ import annotations

import json
import re

import pytest

from accelsim.api import simulate_graph
from accelsim.energy import POWER_BINS
from accelsim.report.html import TOP_TENSORS, html_page, page_data
from tests.sim.test_schedule import _single_conv
from tests.sim.toy import GraphBuilder, toy_machine


@pytest.fixture(scope="module")
def data():
    return page_data(simulate_graph(_single_conv(), toy_machine(latency_ns=10), name="t"))


def test_the_page_heads_with_the_run_and_the_machine(data):
    assert data["title"] == "t on toy"
    assert data["machine"] == [["bus", "dma"], ["matrix", "matrix"], ["vector", "vector"]]
    assert (data["clock_hz"], data["latency_cycles"], data["sram_capacity"]) == (1e9, 222, 10_000)
    assert data["units"] == ["bus", "matrix", "vector"]


def test_each_event_is_one_row_of_what_the_bar_shows(data):
    rows = [e[:7] + [e[10], e[11]] for e in data["events"]]
    # resource, kind, layer, buffer, bytes, start, end, on the path, unit kind
    assert rows == [
        ["bus", "load", "conv", "x", 32, 0, 42, True, "dma"],
        ["bus", "load", "conv", "conv.W", 72, 42, 124, True, "dma"],
        ["matrix", "compute", "conv", "", 0, 124, 148, True, "matrix"],
        ["bus", "store", "conv", "conv.out", 64, 148, 222, True, "dma"],
    ]
    assert [e[9] for e in data["events"]] == [0, 0, 0, 0]  # one chain: no slack anywhere


def test_the_layer_the_path_and_sram_over_time(data):
    (layer,) = data["layers"]
    assert (layer["name"], layer["ops"], layer["unit"]) == ("conv", "Conv", "matrix")
    assert (layer["start"], layer["end"], layer["bytes"]) == (0, 222, 32 + 72 + 64)
    assert data["path_tasks"] == 4
    assert data["path_units"] == {"bus": 198, "matrix": 24}
    assert data["sram"][:4] == [[0, 32], [42, 104], [124, 168], [148, 64]]
    assert len(data["power_w"]) == POWER_BINS
    # tensors by cost, most first, at most TOP_TENSORS of them
    joules = [j for _, j in data["tensors_j"]]
    assert joules == sorted(joules, reverse=True) and len(joules) <= TOP_TENSORS
    assert {name for name, _ in data["tensors_j"]} == {"x", "conv.W", "conv.out"}


def test_the_costliest_tensors_stop_at_ten():
    # six 1x1 convs in a chain: the input, six weights and six outputs are 13 tensors
    g = GraphBuilder()
    x = g.input("x", (1, 4, 5, 5))
    for i in range(6):
        x = g.conv(f"c{i}", x, 4, 1)
    data = page_data(simulate_graph(g.build(x), toy_machine(), name="t"))
    assert TOP_TENSORS == 10 and len(data["tensors_j"]) == 10


@pytest.mark.parametrize("name", ["a<b", "a>b", "a&b", "</script><b>&amp;"])
def test_every_markup_character_of_a_name_is_escaped_in_the_data(name):
    page = html_page("", {"name": name}, "")
    match = re.search(r'<script type="application/json" id="data">(.*?)</script>', page, re.S)
    assert match is not None
    text = match.group(1)
    assert not set("<>&") & set(text)  # only \\u003c, \\u003e, \\u0026 in the data
    assert json.loads(text) == {"name": name}
