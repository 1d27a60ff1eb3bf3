"""`close(expected)`: `pytest.approx` relative only. Its default absolute tolerance, 1e-12, is
larger than a picojoule price and 0.6 % of 168 pJ: a planted 0.2 pJ for 0.23 pJ passed."""

from __future__ import annotations

from typing import Any

import pytest

REL = 1e-9
"""Far above float rounding of a few sums and products, far below any price a bug changes."""


def close(expected: Any) -> Any:
    return pytest.approx(expected, rel=REL, abs=0)
