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


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        # each end of each escaped range, and the character just outside it
        ("\x1f\x20", r"\x1f "),
        ("\x7e\x7f", r"~\x7f"),
        ("\x9f\xa0", "\\x9f\xa0"),
        ("\u200d\u200e\u200f\u2010", "\u200d\\u200e\\u200f\u2010"),
        ("\u2029\u202a\u202e\u202f", "\u2029\\u202a\\u202e\u202f"),
        ("\u2065\u2066\u2069\u206a", "\u2065\\u2066\\u2069\u206a"),
    ],
)
def test_the_escaped_ranges_end_where_unicode_says(text, shown):
    # C0 (U+0000-001F), DEL and C1 (U+007F-009F), LRM/RLM (U+200E-200F), the embeddings and
    # overrides LRE..RLO (U+202A-202E) and the isolates LRI..PDI (U+2066-2069)
    assert printable(text) == shown


def test_markup_escapes_tags_after_control_characters():
    assert markup("[/oops]\n") == r"\[/oops]\n"
