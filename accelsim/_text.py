r"""Names from a user's files made safe to show: one helper for every table, title and error line.

A model or hardware file can name a node `[/oops]` (rich reads it as a closing markup tag and
raises), `\x1b[31m` (the terminal obeys it) or `a\nb` (one error becomes two lines). Everything
shown that came from outside goes through `printable` (plain text, errors) or `markup` (strings
that rich parses); control characters are written as Python escapes so the name stays readable.
"""

from __future__ import annotations

import re

__all__ = ["markup", "printable"]

# C0 and C1 control characters, DEL, and the Unicode bidirectional overrides (which reorder what
# the reader sees) are shown as escapes.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: object) -> str:
    r"""`str(text)` with control characters written as escapes: newline as `\n`, ESC as `\x1b`."""
    return _UNSAFE.sub(lambda match: match[0].encode("unicode_escape").decode("ascii"), str(text))


def markup(text: object) -> str:
    """`printable(text)` with rich markup escaped, for strings that rich parses as markup."""
    from rich.markup import escape

    return escape(printable(text))
