"""JSON files are written as `json.dumps(data, indent=1)` writes them, by json's C encoder."""

from __future__ import annotations

import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.report.export import json_text

_SCALARS = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=6)
)  # fmt: skip
_KEYS = st.text(max_size=4) | st.integers(-5, 5) | st.floats(allow_nan=False) | st.booleans()
_TREES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4)
    | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    | st.dictionaries(_KEYS, inner, max_size=3),
    max_leaves=25,
)


@given(_TREES)
@settings(max_examples=400, deadline=None)
def test_the_text_is_the_standard_librarys_indented_text(data: object) -> None:
    assert json_text(data) == json.dumps(data, indent=1)


def test_a_sweep_point_by_hand() -> None:
    point = {"index": 3, "settings": {"sram": "1MiB"}, "error": "", "metrics": {"a": 1.5},
             "pareto": None, "empty": [], "none": {}, "nested": [[1, {"x": [True]}], math.inf],
             2: "a number key"}  # fmt: skip
    assert json_text(point) == (
        '{\n "index": 3,\n "settings": {\n  "sram": "1MiB"\n },\n "error": "",\n'
        ' "metrics": {\n  "a": 1.5\n },\n "pareto": null,\n "empty": [],\n "none": {},\n'
        ' "nested": [\n  [\n   1,\n   {\n    "x": [\n     true\n    ]\n   }\n  ],\n'
        '  Infinity\n ],\n "2": "a number key"\n}'
    )
    assert json_text({"x": {1: [2]}, "y": "line\nbreak"}) == (
        '{\n "x": {\n  "1": [\n   2\n  ]\n },\n "y": "line\\nbreak"\n}'
    )
