"""The sweep's SQLite database: one row per finished point, committed as each point completes.

A killed sweep keeps every committed point; `--resume` reopens the database and runs only the
points it lacks. The database also records what the points were computed from (the model's
SHA-256, the base machine, the run options), so resuming with different inputs is refused
instead of silently mixing results.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from accelsim.errors import ConfigError
from accelsim.sweep.results import PointResult

__all__ = ["DATABASE", "ResultStore"]

DATABASE = "sweep.db"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS points (
    key TEXT PRIMARY KEY,
    idx INTEGER NOT NULL,
    status TEXT NOT NULL,
    result TEXT NOT NULL
);
"""


class ResultStore:
    """Results of one sweep in `folder/sweep.db`; use as a context manager to close it."""

    def __init__(self, folder: Path, *, inputs: dict[str, Any], resume: bool) -> None:
        """Open (resume) or create the database; `inputs` identify what the points depend on.

        Raises:
            ConfigError: results exist and `resume` is false, or they came from other inputs.
        """
        self.path = folder / DATABASE
        if self.path.exists() and not resume:
            raise ConfigError(
                f"{self.path}: holds an earlier sweep; add --resume to finish it, "
                "or remove it (or pick another --out) to start again"
            )
        folder.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path)
        # WAL + NORMAL: a commit per point costs no fsync, yet a crash loses no committed point.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        with self._db:
            self._db.executescript(_SCHEMA)
        self._check_inputs(inputs)

    def _check_inputs(self, inputs: dict[str, Any]) -> None:
        stored = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        wanted = {key: json.dumps(value, sort_keys=True) for key, value in inputs.items()}
        if not stored:
            with self._db:
                self._db.executemany("INSERT INTO meta VALUES (?, ?)", wanted.items())
            return
        changed = sorted(
            key for key in wanted.keys() | stored.keys() if wanted.get(key) != stored.get(key)
        )
        if changed:
            raise ConfigError(
                f"{self.path}: its points were computed with different {', '.join(changed)}; "
                "use another --out, or remove it to start again"
            )

    def done(self) -> set[str]:
        """Keys of the points already stored."""
        return {key for (key,) in self._db.execute("SELECT key FROM points")}

    def add(self, result: PointResult) -> None:
        """Store one point in its own transaction (committed before this returns)."""
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO points VALUES (?, ?, ?, ?)",
                (result.key, result.index, result.status, json.dumps(result.to_dict())),
            )

    def results(self, keys: list[str]) -> list[PointResult]:
        """Stored results for `keys` (in that order), skipping keys not stored."""
        rows = dict(self._db.execute("SELECT key, result FROM points").fetchall())
        return [PointResult.from_dict(json.loads(rows[key])) for key in keys if key in rows]

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
