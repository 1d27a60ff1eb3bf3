"""A sweep store's schema must match column for column, in order: rows are written by position
(`INSERT ... VALUES (?, ?, ?, ?)`), so the same columns in another order would file a point's
key under its status."""

from __future__ import annotations

import json
import sqlite3

import pytest

from accelsim.errors import ConfigError
from accelsim.sweep.store import ResultStore


def test_a_points_table_with_its_columns_in_another_order_is_refused(tmp_path):
    with sqlite3.connect(tmp_path / "sweep.db") as db:
        db.execute("CREATE TABLE points (idx INTEGER, key TEXT PRIMARY KEY, status TEXT, "
                   "result TEXT)")  # fmt: skip
    db.close()
    with pytest.raises(ConfigError) as caught:
        ResultStore(tmp_path, inputs={}, resume=True)
    assert str(caught.value) == (
        f"{tmp_path}/sweep.db: table points has columns ['idx', 'key', 'status', 'result'], "
        "not a sweep database's ['key', 'idx', 'status', 'result']; remove it (or pick "
        "another --out) to start again"
    )


@pytest.mark.parametrize("metrics", [[1, 2], "fast", 7])
def test_a_row_whose_metrics_are_not_an_object_is_a_damaged_row(tmp_path, metrics):
    # metrics that are no mapping at all were never written by any version: damaged
    row = json.dumps({"key": "k", "index": 0, "settings": [["p", "1"]], "status": "ok",
                      "error": "", "metrics": metrics})  # fmt: skip
    with (
        ResultStore(tmp_path, inputs={}, resume=False) as store,
        pytest.raises(ConfigError, match=r"/sweep\.db: point k has a damaged row \("),
    ):
        store._decode("k", row)
