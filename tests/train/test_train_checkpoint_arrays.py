"""A checkpoint's arrays against what its network needs, group by group: the first problem
named, at most three names then a count, and a record that is not a JSON object."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from accelsim.errors import DataError
from accelsim.train.checkpoint import START_AGAIN, check_arrays, load_checkpoint, save_checkpoint

P = Path("ck.npz")
NEEDED = {"param": {"a": (2,), "b": (3, 1)}, "optim": {"m/a": (2,)}}


def _arrays(**groups: dict[str, tuple[int, ...]]) -> dict[str, dict[str, np.ndarray]]:
    return {g: {n: np.zeros(s) for n, s in named.items()} for g, named in groups.items()}


def test_exactly_the_needed_arrays_pass():
    check_arrays(P, _arrays(**NEEDED), NEEDED)


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        (_arrays(param={"a": (2,)}, optim={"m/a": (2,)}), "lacks param arrays b"),
        (
            _arrays(param={"a": (2,), "b": (3, 1), "c": (1,)}, optim={"m/a": (2,)}),
            "has unknown param arrays c",
        ),
        (
            _arrays(param={"a": (2,), "b": (1, 3)}, optim={"m/a": (2,)}),
            "has misshapen param arrays b",
        ),
        (_arrays(param={"a": (2,), "b": (3, 1)}), "lacks optim arrays m/a"),
        # missing is named before misshapen
        (_arrays(param={"b": (9,)}, optim={"m/a": (2,)}), "lacks param arrays a"),
    ],
)
def test_the_first_problem_is_named_with_its_group(arrays, message):
    with pytest.raises(DataError) as info:
        check_arrays(P, arrays, NEEDED)
    assert str(info.value) == f"ck.npz: checkpoint {message}; {START_AGAIN}"


def test_more_than_three_names_show_three_and_a_count():
    needed = {"param": dict.fromkeys("abcde", (1,))}
    with pytest.raises(DataError, match=r"lacks param arrays a, b, c and 2 more; "):
        check_arrays(P, {"param": {}}, needed)
    needed = {"param": dict.fromkeys("abc", (1,))}
    with pytest.raises(DataError, match=r"lacks param arrays a, b, c; "):
        check_arrays(P, {"param": {}}, needed)


def test_a_record_that_is_not_an_object_is_refused(tmp_path):
    path = tmp_path / "ck.npz"
    save_checkpoint(path, {"param": {"a": np.ones(2)}}, 7)  # type: ignore[arg-type]
    with pytest.raises(DataError, match=r"checkpoint record is not a JSON object; "):
        load_checkpoint(path)
    save_checkpoint(path, {"param": {"a": np.arange(2.0)}}, {"epochs_done": 1})
    arrays, record = load_checkpoint(path)
    assert record == {"epochs_done": 1} and arrays["param"]["a"].tolist() == [0.0, 1.0]


def test_four_names_show_three_and_one_more_and_misshapen_ones_sorted():
    # exactly four missing: three shown and "1 more" (the count starts at the fourth)
    needed = {"param": dict.fromkeys("abcd", (1,))}
    with pytest.raises(DataError, match=r"lacks param arrays a, b, c and 1 more; "):
        check_arrays(P, {"param": {}}, needed)
    # five misshapen, given out of order: named in sorted order, whatever a set's order is
    names = ["w.e", "w.b", "w.d", "w.a", "w.c"]
    needed = {"param": dict.fromkeys(names, (2,))}
    with pytest.raises(DataError, match=r"misshapen param arrays w\.a, w\.b, w\.c and 2 more; "):
        check_arrays(P, {"param": {n: np.zeros(3) for n in names}}, needed)
