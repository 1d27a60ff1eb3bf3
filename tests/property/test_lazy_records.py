"""A simulated trace keeps its events as columns and builds each record when it is read
(`trace.Records`); every way of reading them must give the records the event-by-event run
builds one by one (`event_by_event.py`, which shares nothing with the engine), field by field
and with the same Python types (ints, not numpy scalars: the JSON reports write them)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import accelsim.sim.engine as engine
import accelsim.sim.runs as runs
import accelsim.sim.trace as trace_module
from accelsim.sim.engine import simulate
from accelsim.sim.trace import Columns, Event, Records
from accelsim.timing.models import build_units
from tests.property.event_by_event import simulate_slowly
from tests.property.test_engine_equal import machines, plans_with_runs, random_plans

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)
FIELDS = Event._fields


def _both(plan, hw):
    fast = simulate(plan, units=build_units(hw), clock_hz=hw.clock)
    slow = simulate_slowly(plan, units=build_units(hw), clock_hz=hw.clock)
    return fast, slow


def _same_fields(built, made):
    for name in FIELDS:
        value, expected = getattr(built, name), getattr(made, name)
        assert (name, value, type(value)) == (name, expected, type(expected))


def _check(plan, hw, chunk, fields, monkeypatch):
    # every plan kept as columns, its runs of tiles timed whole and written in bulk, however
    # small the plan or short the run
    monkeypatch.setattr(engine, "COLUMNS_FROM", 0)
    monkeypatch.setattr(engine, "RUNS_FROM", 0)
    monkeypatch.setattr(runs, "FEWEST", 0)
    monkeypatch.setattr(trace_module, "CHUNK", chunk)  # passes cross chunk boundaries
    fast, slow = _both(plan, hw)
    events, expected = fast.events, slow.events
    assert isinstance(events, Records)
    assert len(events) == len(expected)
    for task, made in enumerate(expected):  # one record read at a time
        _same_fields(events[task], made)
        assert fast.columns.resource(task) == made.resource
    for built, made in zip(events, expected, strict=True):  # a whole pass, chunk by chunk
        _same_fields(built, made)
    if expected:
        _same_fields(events[-1], expected[-1])
    assert events[1:-1:2] == expected[1:-1:2]
    rows = [tuple(getattr(made, name) for name in fields) for made in expected]
    assert list(fast.columns.rows(*fields)) == rows
    # the columns read off the eagerly built records (a hand-made trace's route) are the same
    eager = Columns.of(expected, slow.units)
    for name in Columns.__dataclass_fields__:
        value, made_value = getattr(fast.columns, name), getattr(eager, name)
        if isinstance(value, np.ndarray):
            assert value.tolist() == made_value.tolist(), name
        else:
            assert list(value) == list(made_value), name


fields = st.lists(st.sampled_from(FIELDS), min_size=1, max_size=5)


@SETTINGS
@given(plans_with_runs(), machines, st.integers(1, 5), fields)
def test_records_of_runs_written_in_bulk_equal_eager_ones(plan, hw, chunk, fields):
    with pytest.MonkeyPatch.context() as monkeypatch:
        _check(plan, hw, chunk, fields, monkeypatch)


@SETTINGS
@given(random_plans(), machines, st.integers(1, 5), fields)
def test_records_of_random_plans_equal_eager_ones(plan, hw, chunk, fields):
    with pytest.MonkeyPatch.context() as monkeypatch:
        _check(plan, hw, chunk, fields, monkeypatch)


@SETTINGS
@given(plans_with_runs(), machines)
def test_a_trace_given_other_records_reads_its_columns_off_them(plan, hw):
    """`replace(trace, events=...)` (how the judge's tests plant a wrong record) must not keep
    the simulated columns: the columns, and what is read off them, follow the new records."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(engine, "COLUMNS_FROM", 0)
        fast, _ = _both(plan, hw)
    assert isinstance(fast.events, Records)
    if not len(fast.events):
        return
    last = fast.events[-1]
    planted = (*fast.events[:-1], last._replace(end=last.end + 7, nbytes=last.nbytes + 1))
    changed = replace(fast, events=planted)
    assert changed.columns is None  # records now: read off them
    assert changed.table.end.tolist() == [e.end for e in planted]
    assert changed.table.nbytes.tolist() == [e.nbytes for e in planted]
    # the unit ran [start, end + 7) now: 7 more cycles unless a later-ending task covers them
    covered = {c for e in planted if e.resource == last.resource for c in range(e.start, e.end)}
    assert changed.busy(last.resource) == len(covered)
