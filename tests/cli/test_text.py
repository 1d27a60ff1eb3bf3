"""The one helper every name from a user's file passes through before it is shown."""

from __future__ import annotations

import pytest

from accelsim._text import markup, printable


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("conv1", "conv1"),
        ("a\nb", r"a\nb"),  # one error message stays one line
        ("\x1b[31mred", r"\x1b[31mred"),  # an escape code is shown, not obeyed
        ("\x9b2J", r"\x9b2J"),  # the one-byte CSI (C1) too
        ("\x00\x7f", r"\x00\x7f"),
        ("abc\u202edcba", r"abc\u202edcba"),  # a bidi override would reorder what is read
        ("µs ★ 中", "µs ★ 中"),  # printable Unicode is left alone
    ],
)
def test_printable_writes_control_characters_as_escapes(text, shown):
    assert printable(text) == shown


def test_markup_escapes_tags_after_control_characters():
    assert markup("[/oops]\n") == r"\[/oops]\n"
