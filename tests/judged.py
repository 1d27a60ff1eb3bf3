"""Every run the suite simulates in this process is judged (`accelsim.check`) as it is made.

A bug planted in the planner, the tiler or the engine that makes an unsound schedule anywhere
in the suite then fails that test, not only the tests written about that part. `make_plan` is
wrapped to remember which program each plan was made for; `run_plan` to judge what it ran on
the machine it ran it on. Plans built by hand (no `make_plan`) are not judged: tests plant bad
ones on purpose; nor are plans that keep parts of a buffer for a later layer
(`keeps_slices`). Runs of more than `MOST_EVENTS` events are left to the judge's own tests (the
judge's DDR-window check is quadratic when several transfers are in flight).
"""

from __future__ import annotations

import os
import re
from typing import Any

MOST_EVENTS = 4_000
_TRANSFER_TIME = re.compile(r"event \d+: (load|reload|store|spill) of \d+ B took")
SKIP = "ACCELSIM_TESTS_UNJUDGED"  # set to 1 to run the suite without judging (timing it)

_programs: dict[int, tuple[Any, Any]] = {}  # id(plan) -> (plan, program), this test's plans
judged = [0]  # runs judged so far in this process (the hook's own test reads it)


def install(request: Any, monkeypatch: Any) -> None:
    """Wrap `make_plan` and `run_plan` for one test (undone with its monkeypatch), unless it is
    marked `unjudged` (it plants a bug on purpose, or runs what the judge cannot time)."""
    if os.environ.get(SKIP) == "1" or request.node.get_closest_marker("unjudged"):
        return
    import accelsim.api
    import accelsim.memory.policies

    make_plan, run_plan = accelsim.memory.policies.make_plan, accelsim.api.run_plan

    def remembered(program: Any, hw: Any, **options: Any) -> Any:
        plan = make_plan(program, hw, **options)
        _programs[id(plan)] = (plan, program)
        return plan

    def run_and_judge(plan: Any, hw: Any) -> Any:
        trace, dram = run_plan(plan, hw)
        made = _programs.get(id(plan))
        if (
            made is not None
            and made[0] is plan
            and len(trace.events) <= MOST_EVENTS
            and (not keeps_slices(plan))
        ):
            from accelsim.check import plan_violations

            problems = plan_violations(made[1], plan, trace, hw)
            if hw.ddr.timing != "rate":  # the judge times transfers by the rate DDR's closed form
                problems = [p for p in problems if not _TRANSFER_TIME.match(p)]
            assert problems == [], f"unsound run ({len(problems)} problems): {problems[:5]}"
            judged[0] += 1
        return trace, dram

    monkeypatch.setattr(accelsim.memory.policies, "make_plan", remembered)
    monkeypatch.setattr(accelsim.api, "run_plan", run_and_judge)


def keeps_slices(plan: Any) -> bool:
    """Whether a part of a buffer (a tile's columns of a weight) stays in SRAM for a later layer.

    The judge takes a reader to read its buffer's newest copy; a later layer reading columns
    kept from an earlier one reads older copies, which it cannot tell apart (BROKEN.md).
    """
    tasks = plan.tasks
    return any(
        "[" in a.buffer and any(tasks[t].layer > a.layer for t in a.release)
        for a in plan.allocations
    )


def forget() -> None:
    _programs.clear()
