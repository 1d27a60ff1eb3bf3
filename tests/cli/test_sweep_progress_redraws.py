"""The sweep's progress bar is drawn at most every REDRAW_S as points finish (a draw costs about
a point's simulation), and stopping it draws the last count."""

from __future__ import annotations

import io
from types import SimpleNamespace

from rich.console import Console

from accelsim.cli import sweep as cli_sweep
from accelsim.sweep.results import PointResult


def test_points_finishing_within_redraw_s_of_the_last_draw_do_not_redraw_the_bar(monkeypatch):
    clock = iter([0.0, 0.05, 0.1, 0.12, 0.199, 0.2, 0.35, 0.36])  # one reading a point
    monkeypatch.setattr(cli_sweep, "time", SimpleNamespace(monotonic=lambda: next(clock)))
    monkeypatch.setattr(cli_sweep, "REDRAW_S", 0.1)
    stream = io.StringIO()
    progress = cli_sweep._Progress(Console(file=stream, force_terminal=True, width=100))
    draws: list[int] = []
    with progress:
        progress.start_points(8, 8)
        counted = progress.progress.refresh

        def refresh() -> None:
            draws.append(int(progress.progress.tasks[0].completed))
            counted()

        monkeypatch.setattr(progress.progress, "refresh", refresh)
        for index in range(8):
            progress.point_done(PointResult(f"k{index}", index, (), "ok"))
    # The bar was last drawn at 0 (the clock's start: `drawn` begins at 0.0), so the point at
    # 0.0 waits; 0.1 is due (0.1 - 0 >= 0.1) and so is 0.2 (0.2 - 0.1); 0.35 (0.15 after 0.2)
    # too; 0.05, 0.12, 0.199 and 0.36 are within 0.1 of the draw before. Stopping draws 8/8.
    assert draws == [3, 6, 7]
    assert "8/8" in stream.getvalue()  # only stopping drew it
    assert progress.simulated == 8


def test_a_finished_sweep_keeps_its_bar_and_a_failed_one_erases_it():
    # rich erases a transient bar when it stops: cursor up one line and clear it (ESC[1A ESC[2K)
    ends = []
    for failure in (False, True):
        stream = io.StringIO()
        progress = cli_sweep._Progress(Console(file=stream, force_terminal=True, width=60))
        try:
            with progress:
                progress.start_points(1, 1)
                progress.point_done(PointResult("k", 0, (), "ok"))
                if failure:
                    raise KeyError("a failure after the point")
        except KeyError:
            pass
        ends.append(stream.getvalue())
    kept, erased = ends
    assert "1/1" in kept and not kept.endswith("\x1b[1A\x1b[2K")
    assert erased.endswith("\x1b[1A\x1b[2K")
