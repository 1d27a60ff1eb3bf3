"""A loaded data set's labels must each name a class: the last class passes, one past it is
refused, as is an empty split (session 11, issue 19: the label bound was off by one unseen)."""

from __future__ import annotations

import numpy as np
import pytest

from accelsim.errors import DataError
from accelsim.train.data import Cifar10, validate


def _data(train_labels, test_labels=(0,), *, train_count=None):
    count = len(train_labels) if train_count is None else train_count
    return Cifar10(
        train_images=np.zeros((count, 32, 32, 3), np.uint8),
        train_labels=np.array(train_labels, np.int64),
        test_images=np.zeros((len(test_labels), 32, 32, 3), np.uint8),
        test_labels=np.array(test_labels, np.int64),
        class_names=("a", "b", "c"),
        source="hand",
    )


def test_the_last_class_is_a_label_and_one_past_it_is_not():
    data = _data([0, 2])
    assert validate(data, "d") is data
    with pytest.raises(DataError, match=r"^d: train labels outside 0\.\.2$"):
        validate(_data([0, 3]), "d")
    with pytest.raises(DataError, match=r"^d: test labels outside 0\.\.2$"):
        validate(_data([0], [3]), "d")
    with pytest.raises(DataError, match=r"^d: train labels outside 0\.\.2$"):
        validate(_data([-1, 0]), "d")


def test_an_empty_split_is_refused():
    with pytest.raises(DataError, match=r"^d: test split has 0 images and 0 labels$"):
        validate(_data([0], []), "d")
