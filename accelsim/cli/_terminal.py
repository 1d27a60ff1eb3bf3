"""The consoles every subcommand prints to, with one width rule for all of them: a terminal's
own width; else COLUMNS; else 132. Piped, lines carry no trailing spaces."""

from __future__ import annotations

import io
import os
import sys
from typing import IO, TYPE_CHECKING, Any, TextIO, cast

if TYPE_CHECKING:
    from rich.console import Console

PIPED_COLUMNS = 132
"""Width of output that goes to a pipe or a file when COLUMNS does not say otherwise (rich's
default of 80 would hide columns a file has room for)."""


def stdout_console() -> Console:
    """The console of a subcommand's report (see the module docstring)."""
    return terminal_console()


def terminal_console(*, stderr: bool = False, **options: Any) -> Console:
    """A rich Console on stdout (or stderr) under the width rule; `options` go to rich."""
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            """A reader that went away (`| head`) is not a failure: end as the CLI does for any
            closed pipe (exit 0), not with rich's SystemExit(1)."""
            self.quiet = True
            raise BrokenPipeError

    stream = sys.stderr if stderr else sys.stdout
    if stream.isatty():
        return _Console(stderr=stderr, **options)  # rich prefers COLUMNS to the terminal's size
    columns = os.environ.get("COLUMNS", "")
    width = int(columns) if columns.isdigit() and int(columns) > 0 else PIPED_COLUMNS
    return _Console(file=cast("IO[str]", _Unpadded(stream)), width=width, **options)


class _Unpadded(io.TextIOBase):
    """A text stream that writes each line without the spaces rich pads it to the width with
    (table cells, grids, log columns): spaces at a line's end only make diffs and greps worse."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.stream = stream
        self.pending = ""

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.stream, "encoding", None) or "utf-8"

    def write(self, text: str) -> int:
        *lines, self.pending = (self.pending + text).split("\n")
        if lines:
            self.stream.write("".join(line.rstrip(" ") + "\n" for line in lines))
        return len(text)

    def flush(self) -> None:
        if self.pending.strip(" "):  # a line still open (print(end="")): keep what it says
            self.stream.write(self.pending)
            self.pending = ""
        self.stream.flush()
