"""The path row's letter for each unit: its initial, or, when two units share an initial (two
DMA channels dma0 and dma1), every unit's position from 1, the tenth shown as 0."""

from __future__ import annotations

from accelsim.report.timeline import _path_letters


def test_distinct_initials_are_the_letters():
    assert _path_letters(("bus", "matrix", "vector")) == {"bus": "b", "matrix": "m", "vector": "v"}


def test_a_shared_initial_numbers_every_unit_from_one():
    # edge1-2dma's units: dma0 and dma1 both start with d
    assert _path_letters(("dma0", "dma1", "matrix", "vector")) == {
        "dma0": "1", "dma1": "2", "matrix": "3", "vector": "4",
    }  # fmt: skip


def test_the_tenth_unit_is_shown_as_zero_and_the_eleventh_as_one():
    units = tuple(f"u{number}" for number in range(1, 12))
    letters = _path_letters(units)
    assert [letters[unit] for unit in units] == list("12345678901")


def test_a_control_character_initial_is_shown_escaped_by_its_first_character():
    # printable("\x1bx") is the escape "\\x1b..."; its first character is the backslash
    assert _path_letters(("\x1bx", "y")) == {"\x1bx": "\\", "y": "y"}
