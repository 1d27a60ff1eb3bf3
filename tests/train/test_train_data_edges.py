"""The data side's edges: channel statistics over more pixels than one chunk (against NumPy's
own mean and std), and the decoded cache, which must be used for the same source file and
never for one whose size or modification time changed, nor when it is damaged."""

from __future__ import annotations

import os
import zipfile

import numpy as np
import pytest

from accelsim.train import data as D
from accelsim.train.data import Cifar10, load_cifar10
from tests.image_zips import image_zip


def test_channel_statistics_over_several_chunks_are_numpys():
    # 1,100 images = 1,126,400 pixels: more than one chunk of 2^20 = 1,048,576
    rng = np.random.default_rng(5)
    images = rng.integers(0, 256, (1100, 32, 32, 3)).astype(np.uint8)
    images[1050:] = 255  # the last images (in the second chunk only) are white
    labels = np.zeros(1100, np.int64)
    data = Cifar10(images, labels, images[:2], labels[:2], ("a",), "s")
    mean, std = data.channel_stats()
    pixels = images.reshape(-1, 3).astype(np.float64) / 255.0
    assert mean == pytest.approx(tuple(pixels.mean(axis=0)), rel=1e-12)
    assert std == pytest.approx(tuple(pixels.std(axis=0)), rel=1e-9)


def _planted_cache(source, cache_dir):
    """Load `source` through the cache, then replace the cached arrays by other ones (all
    images black): a load that returns black images read the cache."""
    data = load_cifar10(source, cache_dir=cache_dir)
    (cached,) = cache_dir.iterdir()
    black = Cifar10(np.zeros_like(data.train_images), data.train_labels,
                    np.zeros_like(data.test_images), data.test_labels, data.class_names,
                    data.source)  # fmt: skip
    cached.unlink()
    D._write_cache(cached, black)
    return data, cached


def _is_black(data: Cifar10) -> bool:
    return not data.train_images.any()


def test_the_cache_serves_the_same_file_and_not_one_touched_since(tmp_path):
    source = image_zip(tmp_path / "set.zip", train=2, test=1)
    cache = tmp_path / "cache"
    original, _ = _planted_cache(source, cache)
    assert _is_black(load_cifar10(source, cache_dir=cache))  # same file: from the cache
    # the same bytes, modified one second later: read afresh
    stat = source.stat()
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    again = load_cifar10(source, cache_dir=cache)
    assert not _is_black(again)
    np.testing.assert_array_equal(again.train_images, original.train_images)


def test_the_cache_is_not_used_for_a_file_whose_size_changed(tmp_path):
    source = image_zip(tmp_path / "set.zip", train=2, test=1)
    cache = tmp_path / "cache"
    original, _ = _planted_cache(source, cache)
    stat = source.stat()
    with zipfile.ZipFile(source, "a") as archive:  # 4 bytes of comment: same images
        archive.comment = b"more"
    os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the same modification time
    assert source.stat().st_size == stat.st_size + 4
    again = load_cifar10(source, cache_dir=cache)
    assert not _is_black(again)
    np.testing.assert_array_equal(again.train_images, original.train_images)


def test_a_damaged_cache_is_replaced_by_the_sources_arrays(tmp_path):
    source = image_zip(tmp_path / "set.zip", train=2, test=1)
    cache = tmp_path / "cache"
    original = load_cifar10(source, cache_dir=cache)
    (cached,) = cache.iterdir()
    cached.write_bytes(b"PK\x03\x04 not a zip")
    again = load_cifar10(source, cache_dir=cache)
    np.testing.assert_array_equal(again.train_images, original.train_images)
    with np.load(cached) as npz:  # rebuilt: the source's arrays again
        np.testing.assert_array_equal(npz["train_images"], original.train_images)
