"""The store's reading of SQLite's result codes, in process: every primary code it maps, the
extended codes built on them (primary | n << 8, SQLite's "Result and Error Codes" page), busy
retries that end at the deadline, and which inputs differ. Expected texts are the table written
out here, not read from the code."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from accelsim.errors import ConfigError
from accelsim.sweep import store as store_module
from accelsim.sweep.results import METRIC_FIELDS
from accelsim.sweep.store import ResultStore

# SQLite's primary codes (sqlite.org/rescode.html) and what the store must say for each
EXPECTED = {
    3: "permission denied",  # SQLITE_PERM
    5: "another process holds it locked",  # SQLITE_BUSY
    6: "another process holds it locked",  # SQLITE_LOCKED
    8: "it is read-only here",  # SQLITE_READONLY
    10: "an input/output error",  # SQLITE_IOERR
    13: "the disk is full",  # SQLITE_FULL
    14: "its folder cannot be written or the file cannot be opened",  # SQLITE_CANTOPEN
}
# extended codes: SQLITE_READONLY_DBMOVED = 8 | 4 << 8 = 1032, SQLITE_IOERR_WRITE = 10 | 3 << 8
# = 778, SQLITE_BUSY_SNAPSHOT = 5 | 2 << 8 = 517, SQLITE_CANTOPEN_ISDIR = 14 | 2 << 8 = 526,
# SQLITE_LOCKED_SHAREDCACHE = 6 | 1 << 8 = 262, SQLITE_IOERR_NOMEM = 10 | 12 << 8 = 3082
EXTENDED = {1032: 8, 778: 10, 517: 5, 526: 14, 262: 6, 3082: 10}


def _bare_store(path: Path) -> ResultStore:
    store = ResultStore.__new__(ResultStore)
    store.path = path
    return store


def _error(code: int, text: str = "boom") -> sqlite3.OperationalError:
    exc = sqlite3.OperationalError(text)
    exc.sqlite_errorcode = code  # type: ignore[attr-defined]
    return exc


@pytest.mark.parametrize("code", sorted(EXPECTED) + sorted(EXTENDED))
def test_a_good_database_that_cannot_be_written_says_why_and_keeps_the_points(code):
    reason = EXPECTED[EXTENDED.get(code, code)]
    message = str(_bare_store(Path("d/sweep.db"))._unusable(_error(code, "why")))
    assert message == (
        f"d/sweep.db: cannot write: {reason} (why); the points stored so far are kept: fix that "
        "and add --resume"
    )


@pytest.mark.parametrize("code", [1, 11, 26, 11 | 1 << 8, None])  # ERROR, CORRUPT, NOTADB, ...
def test_a_database_that_is_not_a_sweep_store_says_remove_it(code):
    exc = _error(code, "bad") if code is not None else sqlite3.DatabaseError("bad")
    message = str(_bare_store(Path("d/sweep.db"))._unusable(exc))
    assert message == (
        "d/sweep.db: not a usable sweep database (bad); remove it (or pick another --out) to "
        "start again"
    )


class _Busy:
    """A connection whose `execute` fails with `codes` in turn, then succeeds."""

    def __init__(self, *codes: int) -> None:
        self.codes = list(codes)
        self.calls = 0

    def execute(self, statement: str) -> None:
        self.calls += 1
        if self.calls > 50:
            raise RuntimeError("retried without end")
        if self.codes:
            raise _error(self.codes.pop(0), "database is locked")


def test_busy_extended_codes_are_retried_until_they_pass(monkeypatch):
    monkeypatch.setattr(store_module, "_RETRY_S", 0.0)
    store = _bare_store(Path("s.db"))
    store._db = _Busy(5, 517, 261)  # BUSY, BUSY_SNAPSHOT, BUSY_RECOVERY (5 | 1 << 8)
    store._when_free("PRAGMA journal_mode=WAL")
    assert store._db.calls == 4  # three refusals, then the statement ran


@pytest.mark.parametrize("code", [1, 6, 8, 13, 5 << 8])  # not BUSY (1280's low byte is 0)
def test_other_codes_are_not_retried(monkeypatch, code):
    monkeypatch.setattr(store_module, "_RETRY_S", 0.0)
    store = _bare_store(Path("s.db"))
    store._db = _Busy(code, code)
    with pytest.raises(sqlite3.OperationalError):
        store._when_free("PRAGMA journal_mode=WAL")
    assert store._db.calls == 1


def test_busy_retries_stop_at_the_deadline(monkeypatch):
    monkeypatch.setattr(store_module, "_RETRY_S", 0.0)
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_S", -1.0)  # the deadline has passed
    store = _bare_store(Path("s.db"))
    store._db = _Busy(5, 5, 5)
    with pytest.raises(sqlite3.OperationalError):
        store._when_free("PRAGMA journal_mode=WAL")
    assert store._db.calls == 1


def test_the_busy_timeout_is_a_minute():
    assert store_module.BUSY_TIMEOUT_S == 60.0
    assert store_module._BUSY == 5


def test_inputs_that_differ_are_named_and_the_same_in_any_order_are_not(tmp_path):
    with ResultStore(tmp_path, inputs={"a": 1, "b": [1, 2], "c": "x"}, resume=False):
        pass
    with ResultStore(tmp_path, inputs={"c": "x", "b": [1, 2], "a": 1}, resume=True) as store:
        assert store.done() == set()
    # b changed and c missing now: both named, sorted; a is the same. (A key only this run
    # gives, d, is recorded first, as for a store made by an older version, so never differs.)
    with pytest.raises(ConfigError) as caught:
        ResultStore(tmp_path, inputs={"a": 1, "b": [2, 1], "d": 0}, resume=True)
    assert str(caught.value) == (
        f"{tmp_path}/sweep.db: its points were computed with different b, c; pick another "
        "--out for this sweep"
    )


def test_an_existing_store_without_resume_is_refused_before_it_is_opened(tmp_path):
    with ResultStore(tmp_path, inputs={}, resume=False):
        pass
    with pytest.raises(ConfigError, match=r"sweep\.db: holds an earlier sweep; add --resume"):
        ResultStore(tmp_path, inputs={}, resume=False)


def _row(metrics: dict | None, status: str = "ok") -> str:
    import json

    return json.dumps({"key": "k", "index": 0, "settings": [["p", "1"]], "status": status,
                       "error": "", "metrics": metrics})  # fmt: skip


def test_rows_whose_metrics_name_other_fields_list_at_most_four_differences():
    store = _bare_store(Path("d/sweep.db"))
    names = sorted(METRIC_FIELDS)
    # drop the first three names (sorted) and add two unknown ones: "no a, no b, no c, x1"
    metrics = dict.fromkeys(names[3:], 0) | {"x1": 0, "x2": 0}
    with pytest.raises(ConfigError) as caught:
        store._decode("k", _row(metrics))
    differ = f"no {names[0]}, no {names[1]}, no {names[2]}, x1"
    assert str(caught.value) == (
        f"d/sweep.db: its points were stored by another accelsim version (metrics differ: "
        f"{differ}); resume it with that version, or pick another --out"
    )


@pytest.mark.parametrize("change", ["one more", "one fewer"])
def test_a_row_with_only_more_or_only_fewer_metrics_is_from_another_version(change):
    # a newer version's row adds a metric (nothing missing); an older one's lacks one
    store = _bare_store(Path("d/sweep.db"))
    names = sorted(METRIC_FIELDS)
    if change == "one more":
        metrics, differ = dict.fromkeys([*names, "x1"], 0), "x1"
    else:
        metrics, differ = dict.fromkeys(names[1:], 0), f"no {names[0]}"
    with pytest.raises(ConfigError) as caught:
        store._decode("k", _row(metrics))
    assert str(caught.value) == (
        f"d/sweep.db: its points were stored by another accelsim version (metrics differ: "
        f"{differ}); resume it with that version, or pick another --out"
    )


@pytest.mark.parametrize(
    ("status", "with_metrics"),
    [("ok", False), ("failed", True), ("invalid", True), ("done", False)],
)
def test_a_status_that_disagrees_with_its_metrics_is_a_damaged_row(status, with_metrics):
    store = _bare_store(Path("d/sweep.db"))
    metrics = dict.fromkeys(METRIC_FIELDS, 0) if with_metrics else None
    with pytest.raises(ConfigError, match=r"^d/sweep\.db: point k has a damaged row \(ValueError"):
        store._decode("k", _row(metrics, status))


@pytest.mark.parametrize("status", ["failed", "invalid"])
def test_failed_and_invalid_rows_without_metrics_read_back(status):
    result = _bare_store(Path("d/sweep.db"))._decode("k", _row(None, status))
    assert (result.key, result.index, result.settings, result.status) == (
        "k", 0, (("p", "1"),), status
    )  # fmt: skip


def test_results_come_back_in_the_order_asked_skipping_keys_not_stored(tmp_path):
    from accelsim.sweep.results import PointResult

    def result(key: str, index: int, status: str) -> PointResult:
        return PointResult(key, index, (("p", key),), status, f"e{index}")  # type: ignore[arg-type]

    with ResultStore(tmp_path, inputs={}, resume=False) as store:
        store.add(result("a", 0, "failed"), result("b", 1, "invalid"))
        assert store.done() == {"a", "b"}
        got = store.results(["b", "x", "a"])
        assert [(r.key, r.index, r.status, r.error, r.settings) for r in got] == [
            ("b", 1, "invalid", "e1", (("p", "b"),)), ("a", 0, "failed", "e0", (("p", "a"),))
        ]  # fmt: skip
        store.add(result("a", 5, "invalid"))  # the same key again: the newer row replaces it
        (again,) = store.results(["a"])
        assert (again.index, again.status) == (5, "invalid")
    with ResultStore(tmp_path, inputs={}, resume=True) as reopened:  # committed, kept
        assert reopened.done() == {"a", "b"}
    # the table a user may query: key, index, status per point
    with sqlite3.connect(tmp_path / "sweep.db") as db:
        rows = db.execute("SELECT key, idx, status FROM points ORDER BY key").fetchall()
    assert rows == [("a", 5, "invalid"), ("b", 1, "invalid")]


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", "-journal"])
def test_a_link_where_the_store_or_its_companions_go_is_refused(tmp_path, suffix):
    from accelsim.errors import AccelsimError

    (tmp_path / "target").write_bytes(b"keep")
    (tmp_path / f"sweep.db{suffix}").symlink_to(tmp_path / "target")
    if suffix == "":  # a link (even to nothing) where the store goes is an earlier sweep
        with pytest.raises(ConfigError, match=r"sweep\.db: holds an earlier sweep"):
            ResultStore(tmp_path, inputs={}, resume=False)
    with pytest.raises(AccelsimError, match=rf"sweep\.db{suffix}: is a symbolic link; accelsim "
                       r"updates this file in place and never through a link"):  # fmt: skip
        ResultStore(tmp_path, inputs={}, resume=True)
    assert (tmp_path / "target").read_bytes() == b"keep"


def test_a_dangling_link_where_the_store_goes_is_an_earlier_sweep(tmp_path):
    (tmp_path / "sweep.db").symlink_to(tmp_path / "nowhere")
    with pytest.raises(ConfigError, match=r"sweep\.db: holds an earlier sweep; add --resume"):
        ResultStore(tmp_path, inputs={}, resume=False)
