"""Crops, flips and normalisation pick the pixels they should."""

from __future__ import annotations

import numpy as np

from accelsim.train.augment import Preprocess


def _coordinate_images():
    """Image k has pixel (r, c) = (r, c, k): every output pixel says where it came from."""
    rows, cols = np.meshgrid(np.arange(32), np.arange(32), indexing="ij")
    return np.stack([np.stack([rows, cols, np.full_like(rows, k)], -1) for k in range(3)]).astype(
        np.uint8
    )


IDENTITY = Preprocess(28, mean=(0.0,) * 3, std=(1 / 255,) * 3)  # x*255/255 - 0: raw pixel values


def test_center_crop_takes_rows_and_columns_2_to_29():
    out = IDENTITY.batch(_coordinate_images(), np.array([2, 0]), None)
    assert out.shape == (2, 28, 28, 3)
    assert out[0, 0, 0].tolist() == [2, 2, 2]  # (32 - 28) / 2 = 2
    assert out[1, 27, 27].tolist() == [29, 29, 0]


def test_random_crop_and_flip_stay_inside_and_mirror():
    rng = np.random.default_rng(0)
    out = IDENTITY.batch(_coordinate_images(), np.array([0, 1, 2] * 20), rng)
    rows, cols = out[..., 0], out[..., 1]
    assert rows.min() >= 0 and rows.max() <= 31 and cols.min() >= 0 and cols.max() <= 31
    steps = np.diff(cols, axis=2)  # +1 along a row when not flipped, -1 when mirrored
    assert set(np.unique(steps[:, 0, 0])) == {-1.0, 1.0}
    assert np.all(np.diff(rows, axis=1) == 1)


def test_normalisation_uses_mean_and_std_on_the_unit_scale():
    pre = Preprocess(28, mean=(0.5, 0.25, 0.0), std=(0.5, 0.25, 1.0))
    images = np.full((1, 32, 32, 3), 255, np.uint8)
    # (1 - .5)/.5 = 1, (1 - .25)/.25 = 3, (1 - 0)/1 = 1
    np.testing.assert_allclose(
        pre.batch(images, np.array([0]), None)[0, 0, 0], [1, 3, 1], rtol=1e-6
    )


def test_resolution_multiplier_resamples_the_crop():
    out = Preprocess(14, mean=(0.0,) * 3, std=(1 / 255,) * 3).batch(
        _coordinate_images(), np.array([0]), None
    )
    # 14 of 28: every second pixel from offset 1 (floor((k + .5) * 2)); + crop offset 2
    assert out[0, :, 0, 0].tolist() == [2 + 2 * k + 1 for k in range(14)]


def test_random_crops_take_each_of_the_five_offsets_alike():
    # A 28 crop of 32 starts at row 0, 1, 2, 3 or 4 (32 - 28 + 1 = 5 places), and column alike,
    # each 1/5 of the time: of 1,000 crops ~200 (sd sqrt(1,000 x .2 x .8) = 12.6) each, seeded.
    # The crop's first row and its leftmost column (a mirrored crop runs right to left) say where.
    out = IDENTITY.batch(_coordinate_images(), np.zeros(1_000, np.int64), np.random.default_rng(1))
    rows, cols = out[:, :, 0, 0].min(axis=1), out[:, 0, :, 1].min(axis=1)
    for offsets in (rows, cols):
        places, counts = np.unique(offsets, return_counts=True)
        assert places.tolist() == [0, 1, 2, 3, 4]
        assert all(140 <= count <= 260 for count in counts)  # within ~4.7 sd of 200
    # drawn apart: all 25 (row, column) places occur (~40 each)
    assert len(set(zip(rows.tolist(), cols.tolist(), strict=True))) == 25
