"""The transcribed Tables 3 and 4 (package data), and what the paper's own numbers say."""

from __future__ import annotations

import pytest

from accelsim.paper import agree_4sf
from accelsim.paper.published import load_published


@pytest.fixture(scope="module")
def published():
    return load_published()


def test_transcription_spot_checks_against_the_paper_text(published):
    # quoted from the seed paper's Tables 3 and 4
    assert len(published.rows) == 27
    assert published.row(1).move_bits.text == "20544"
    assert published.row(13).out_bits.text == "404544"
    assert published.row(25).move_bits.text == "8202816"
    assert published.row(25).perf_s.text == "0.001031775"
    assert published.row(27).compute_s.text == "6.42253E-06"
    assert published.total_s.text == "0.001340632"
    assert [r.layer for r in published.rows if r.spilled] == [25]


def test_each_input_map_repeats_the_previous_output(published):
    # the paper chains its rows: a layer's input is the previous layer's output, typos included
    for before, row in zip(published.rows[:-1], published.rows[1:], strict=True):
        assert row.in_bits.value == before.out_bits.value


def test_every_printed_time_is_its_printed_bits_over_one_gb_per_s(published):
    # Table 4's A is Table 3's data movement / 8 / 10^9 B/s in every row (layer 1: 2,568 B)
    for row in published.rows:
        assert row.move_s.value == pytest.approx(row.move_bits.value / 8 / 1e9, rel=1e-12)


def test_every_performance_time_is_a_plus_b(published):
    for row in published.rows:
        assert agree_4sf(row.move_s.value + row.compute_s.value, row.perf_s.value)


def test_one_mb_is_ten_to_the_six_bytes(published):
    # fits at layer 24 (996,424 B), overflows at 25 (1,017,160 B): 10^6 B lies between,
    # 2^20 B does not
    fits, overflows = published.row(24).internal_bits.value, published.row(25).internal_bits.value
    assert fits / 8 <= 10**6 < overflows / 8
    assert not fits / 8 <= 2**20 < overflows / 8
