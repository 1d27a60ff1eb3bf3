"""The console every subcommand prints its report to: the terminal's width, or COLUMNS, or 132."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

PIPED_COLUMNS = 132
"""Width of output that goes to a pipe or a file when COLUMNS does not say otherwise (rich's
default of 80 would hide columns a file has room for)."""


def stdout_console() -> Console:
    """A rich Console on stdout: a terminal's own width; else COLUMNS if set; else 132."""
    from rich.console import Console

    columns = os.environ.get("COLUMNS", "")
    if sys.stdout.isatty() or columns.isdigit():
        return Console()  # rich reads COLUMNS itself and prefers it to the terminal's size
    return Console(width=PIPED_COLUMNS)
