"""The sweep's SQLite database: one row per finished point, committed as each batch completes.

A killed sweep keeps every committed point; `--resume` reopens the database and runs only the
points it lacks. The database also records what the points were computed from (the model's
SHA-256, the base machine, the run options), so resuming with different inputs is refused
instead of silently mixing results.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any, get_args

from accelsim.errors import ConfigError
from accelsim.sweep.results import METRIC_FIELDS, PointResult, Status

__all__ = ["DATABASE", "ResultStore"]

DATABASE = "sweep.db"
BUSY_TIMEOUT_S = 60.0
"""How long a write waits for another sweep resuming the same folder (each holds the lock
for one small commit at a time, so two sweeps interleave instead of failing)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS points (
    key TEXT PRIMARY KEY,
    idx INTEGER NOT NULL,
    status TEXT NOT NULL,
    result TEXT NOT NULL
);
"""
_COLUMNS = {"meta": ["key", "value"], "points": ["key", "idx", "status", "result"]}
_START_AGAIN = "remove it (or pick another --out) to start again"
_BUSY, _RETRY_S = 5, 0.02  # SQLITE_BUSY, and how long to wait before trying again
_COMPANIONS = ("-wal", "-shm", "-journal")
"""Files SQLite keeps beside the database and writes in place too."""
_CANNOT_WRITE = {  # SQLite primary result codes: a good database that cannot be written now
    3: "permission denied",
    5: "another process holds it locked",
    6: "another process holds it locked",
    8: "it is read-only here",
    10: "an input/output error",
    13: "the disk is full",
    14: "its folder cannot be written or the file cannot be opened",
}


class ResultStore:
    """Results of one sweep in `folder/sweep.db`; use as a context manager to close it.

    Every database failure (not a database, another schema, a bad row, a full disk) is a
    ConfigError naming the file and what to do, never a traceback.
    """

    def __init__(self, folder: Path, *, inputs: dict[str, Any], resume: bool) -> None:
        """Open (resume) or create the database; `inputs` identify what the points depend on.

        Raises:
            ConfigError: results exist and `resume` is false, they came from other inputs, or
                the file is not a sweep database.
        """
        from accelsim.outputs import check_updated_in_place, make_folder

        self.path = folder / DATABASE
        if os.path.lexists(self.path) and not resume:
            raise ConfigError(
                f"{self.path}: holds an earlier sweep; add --resume to finish it, or pick "
                "another --out"
            )
        make_folder(folder, option="--out")
        for suffix in ("", *_COMPANIONS):  # SQLite would follow a link and write through it
            check_updated_in_place(f"{self.path}{suffix}")
        try:
            self._db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S)
        except sqlite3.DatabaseError as exc:
            raise self._unusable(exc) from None
        try:
            # WAL + NORMAL: a commit per point costs no fsync, yet a crash loses no committed
            # point; WAL also lets one sweep read while another commits. NORMAL first: the
            # switch to WAL then syncs 3 times, not 4.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._when_free("PRAGMA journal_mode=WAL")
            with self._db:
                self._db.executescript(_SCHEMA)
            self._check_schema()
            self._check_inputs(inputs)
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise self._unusable(exc) from None
        except ConfigError:
            self._db.close()
            raise

    def _when_free(self, statement: str) -> None:
        """Run `statement`, retrying while another process holds the database busy.

        NOTE: switching a new database to WAL while another process switches it too can fail
        at once with "database is locked": SQLite does not call the busy handler there (seen
        about once in 300 openings of a fresh store by six processes at once).
        """
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                self._db.execute(statement)
                return
            except sqlite3.OperationalError as exc:
                if (
                    getattr(exc, "sqlite_errorcode", 0) & 0xFF != _BUSY
                    or time.monotonic() > deadline
                ):
                    raise
            time.sleep(_RETRY_S)

    def _unusable(self, exc: sqlite3.Error) -> ConfigError:
        """What is wrong: a good database that cannot be written now (read-only, a full disk:
        never "remove it"), or one that is not a sweep database."""
        code = getattr(exc, "sqlite_errorcode", None)
        reason = _CANNOT_WRITE.get(code & 0xFF) if isinstance(code, int) else None
        if reason is not None:
            return ConfigError(
                f"{self.path}: cannot write: {reason} ({exc}); the points stored so far are "
                "kept: fix that and add --resume"
            )
        return ConfigError(f"{self.path}: not a usable sweep database ({exc}); {_START_AGAIN}")

    def _check_schema(self) -> None:
        for table, columns in _COLUMNS.items():
            found = [row[1] for row in self._db.execute(f"PRAGMA table_info({table})")]
            if found != columns:
                raise ConfigError(
                    f"{self.path}: table {table} has columns {found}, not a sweep database's "
                    f"{columns}; {_START_AGAIN}"
                )

    def _check_inputs(self, inputs: dict[str, Any]) -> None:
        wanted = {key: json.dumps(value, sort_keys=True) for key, value in inputs.items()}
        # NOTE: OR IGNORE: a second sweep starting on the same folder keeps the first's record.
        with self._db:
            self._db.executemany("INSERT OR IGNORE INTO meta VALUES (?, ?)", wanted.items())
        stored = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        changed = sorted(
            key for key in wanted.keys() | stored.keys() if wanted.get(key) != stored.get(key)
        )
        if changed:
            raise ConfigError(
                f"{self.path}: its points were computed with different {', '.join(changed)}; "
                "pick another --out for this sweep"
            )

    def done(self) -> set[str]:
        """Keys of the points already stored."""
        try:
            return {key for (key,) in self._db.execute("SELECT key FROM points")}
        except sqlite3.DatabaseError as exc:
            raise self._unusable(exc) from None

    def add(self, *results: PointResult) -> None:
        """Store points (a batch as it came back) in one transaction, committed before this
        returns."""
        rows = [(r.key, r.index, r.status, json.dumps(r.to_dict())) for r in results]
        try:
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO points VALUES (?, ?, ?, ?)", rows)
        except sqlite3.DatabaseError as exc:
            raise self._unusable(exc) from None

    def results(self, keys: list[str]) -> list[PointResult]:
        """Stored results for `keys` (in that order), skipping keys not stored."""
        if not keys:  # a new sweep's: every row would be read for none
            return []
        try:
            rows = dict(self._db.execute("SELECT key, result FROM points").fetchall())
        except sqlite3.DatabaseError as exc:
            raise self._unusable(exc) from None
        return [self._decode(key, rows[key]) for key in keys if key in rows]

    def _decode(self, key: str, text: object) -> PointResult:
        try:
            data = json.loads(str(text))
            self._check_fields(data)
            result = PointResult.from_dict(data)
            if result.status not in get_args(Status) or (result.status == "ok") != bool(
                result.metrics
            ):
                raise ValueError(f"status {result.status!r} with metrics {result.metrics}")
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(
                f"{self.path}: point {key} has a damaged row ({type(exc).__name__}: {exc}); "
                f"{_START_AGAIN}"
            ) from None
        return result

    def _check_fields(self, data: object) -> None:
        """A row whose metrics name other fields was written by another accelsim version: its
        data is fine, only this version cannot read it, so say that and never "damaged"."""
        metrics = data.get("metrics") if isinstance(data, dict) else None
        if not isinstance(metrics, dict):
            return
        missing = sorted(METRIC_FIELDS - metrics.keys())
        extra = sorted(metrics.keys() - METRIC_FIELDS)
        if missing or extra:
            differ = ", ".join([*(f"no {name}" for name in missing), *extra][:4])
            raise ConfigError(
                f"{self.path}: its points were stored by another accelsim version (metrics "
                f"differ: {differ}); resume it with that version, or pick another --out"
            )

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
