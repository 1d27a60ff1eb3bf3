"""Training edges planted by hand in session 10 (issue 19): each test fails with the bug named."""

from __future__ import annotations

import numpy as np

from accelsim.train import batchnorm as B


def test_a_pre_activation_of_exactly_zero_passes_no_gradient_through_the_relu(cpu_kernels):
    # One channel x = -1, 0, 1: mean 0 exactly, so x = 0 normalises to exactly 0 (scale 1,
    # bias 0) and the fused ReLU's output there is 0, as for x = -1. The ReLU's gradient at 0
    # is 0 (NumPy's mask is out > 0), so g = dout * mask = 0, 0, 1 for dout = 1, 1, 1:
    # dbias = sum g = 1 (2 if 0 counted as positive), and with xhat = x * s, s = 1/sqrt(2/3
    # + eps): dx = s * (g - mean g - xhat * mean(g * xhat)), by hand below.
    x = np.array([-1.0, 0.0, 1.0]).reshape(3, 1, 1, 1)
    scale, bias = np.ones(1), np.zeros(1)
    out, cache = B.batchnorm_forward(x, scale, bias, np.zeros(1), np.ones(1), train=True, relu=True)
    s = 1.0 / np.sqrt(2.0 / 3.0 + B.BN_EPSILON)
    np.testing.assert_allclose(out.ravel(), [0.0, 0.0, s])
    assert cache is not None
    dx, dscale, dbias = B.batchnorm_backward(np.ones((3, 1, 1, 1)), cache, scale)
    g = np.array([0.0, 0.0, 1.0])
    xhat = np.array([-s, 0.0, s])
    np.testing.assert_allclose(dbias, [1.0])
    np.testing.assert_allclose(dscale, [s])
    expected = s * (g - g.mean() - xhat * (g * xhat).mean())  # -s/3, -s/3, 2s/3 - ... by hand
    np.testing.assert_allclose(dx.ravel(), expected, atol=1e-12)


def test_the_moments_of_a_one_row_chunk_are_that_row_and_no_spread(cpu_kernels):
    # the last chunk of a batch may hold a single row: its mean is the row itself (3, -4.5),
    # its centred sum of squares 0 (each value minus itself)
    rows, mean, squares = B.chunk_moments(np.array([[3.0, -4.5]]))
    assert rows == 1
    np.testing.assert_array_equal(mean, [3.0, -4.5])
    np.testing.assert_array_equal(squares, [0.0, 0.0])


def test_a_data_folder_records_every_file_in_it_as_read(tmp_path, monkeypatch):
    # an image-folder data set: its images (two levels down) and any other file are the
    # user's inputs, so each is recorded, by device and inode, not just the folder
    from accelsim import _inputs
    from accelsim.train.data import note_data_files

    monkeypatch.setattr(_inputs, "_READ", {})
    files = [tmp_path / "train" / "cat" / "1.png", tmp_path / "test" / "dog" / "2.png",
             tmp_path / "notes.txt"]  # fmt: skip
    for file in files:
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(b"x")
    note_data_files(tmp_path)
    read = _inputs.files_read()
    for file in files:
        info = file.stat()
        assert read[(info.st_dev, info.st_ino)] == (str(file), info.st_mtime_ns)
    single = tmp_path / "data.zip"
    single.write_bytes(b"z")
    note_data_files(single)
    info = single.stat()
    assert _inputs.files_read()[(info.st_dev, info.st_ino)] == (str(single), info.st_mtime_ns)


def test_a_checkpoint_holding_a_pickled_array_is_refused_unread(tmp_path):
    # np.savez pickles an object array; loading one would run whatever the pickle says, so a
    # checkpoint holding one is "not a readable checkpoint", never loaded
    import pytest

    from accelsim.errors import DataError
    from accelsim.train.checkpoint import load_checkpoint

    path = tmp_path / "ck.npz"
    np.savez(path, record=np.array('{"a": 1}'), **{"param:w": np.array([{"x": 1}], object)})
    with pytest.raises(DataError, match=r"ck\.npz: not a readable checkpoint \(.*pickle"):
        load_checkpoint(path)


def test_a_data_cache_holding_a_pickled_array_is_rebuilt_from_the_source(tmp_path):
    # the cache's class names rewritten as a pickled object array (and its images black): the
    # cache is not read (that would unpickle), the images come from the source again and the
    # cache is rewritten readable
    from accelsim.train import data as D
    from tests.image_zips import image_zip

    source = image_zip(tmp_path / "set.zip", train=2, test=1)
    cache = tmp_path / "cache"
    data = D.load_cifar10(source, cache_dir=cache)
    (cached,) = cache.iterdir()
    cached.unlink()
    np.savez(cached, train_images=np.zeros_like(data.train_images),
             train_labels=data.train_labels, test_images=np.zeros_like(data.test_images),
             test_labels=data.test_labels, class_names=np.array(data.class_names, object),
             source=np.array(data.source))  # fmt: skip
    again = D.load_cifar10(source, cache_dir=cache)
    np.testing.assert_array_equal(again.train_images, data.train_images)
    assert again.train_images.any()  # not the black images of the pickled cache
    with np.load(cached, allow_pickle=False) as npz:
        assert npz["class_names"].dtype.kind == "U"


def test_the_metrics_csv_goes_into_folders_made_for_it(tmp_path):
    # a --metrics path two folders below one that exists: both are made; the rows read back
    from accelsim.train.metrics import METRIC_FIELDS, read_metrics_csv, write_metrics_csv

    row = {name: float(k + 1) for k, name in enumerate(METRIC_FIELDS)}  # 1, 2, ..., 8
    path = tmp_path / "runs" / "a" / "metrics.csv"
    write_metrics_csv(path, [row])
    assert read_metrics_csv(path) == [row]


def _image_names(root, names):
    """Empty files named like images (the split and class checks run before any decoding)."""
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"")


def test_an_image_folder_names_each_splits_own_classes_and_the_split_missing(tmp_path):
    import pytest

    from accelsim.errors import DataError
    from accelsim.train import imagefolder

    # train has cat and dog, test only cat: each split's classes said as its own
    _image_names(tmp_path / "a", ["train/cat/1.png", "train/dog/2.png", "test/cat/3.png"])
    with pytest.raises(DataError, match=r"train classes \['cat', 'dog'\] differ from test "
                                        r"classes \['cat'\]$"):  # fmt: skip
        imagefolder.load(tmp_path / "a")
    # no test split at all: the test split is the one named
    _image_names(tmp_path / "b", ["train/cat/1.png"])
    with pytest.raises(DataError, match=r"no images under test/<class>/"):
        imagefolder.load(tmp_path / "b")


def test_a_size_at_the_limit_passes_and_one_byte_over_is_refused():
    # MiB is 1,048,576 B: a batch-file limit of 2 MiB takes 2,097,152 B and refuses 2,097,153
    import pytest

    from accelsim.errors import DataError
    from accelsim.train.archive import MiB, check_size

    assert MiB == 1_048_576
    check_size("b", 2_097_152, 2 * MiB, what="batch", fix="redo")
    with pytest.raises(DataError, match=r"^b: would inflate to 2,097,153 B, over the 2,097,152 B "
                                        r"limit for this batch .*; redo$"):  # fmt: skip
        check_size("b", 2_097_153, 2 * MiB, what="batch", fix="redo")


def test_a_one_pixel_batch_norm_in_evaluation_uses_the_running_statistics():
    # one image of 1 x 1 pixel, two channels (the last evaluation batch at the network's
    # 1 x 1 maps): (x - running mean) / sqrt(running var + eps) * scale + bias, by hand:
    # channel 0: (3 - 1) / sqrt(4 + 1e-5) * 2 + 0.5 (~2.5); channel 1: -1 / sqrt(1 + 1e-5) (~-1)
    x = np.array([3.0, -1.0]).reshape(1, 1, 1, 2)
    mean, var = np.array([1.0, 0.0]), np.array([4.0, 1.0])
    out, cache = B.batchnorm_forward(
        x, np.array([2.0, 1.0]), np.array([0.5, 0.0]), mean, var, train=False
    )
    assert cache is None
    expected = [2.0 / np.sqrt(4.0 + 1e-5) * 2.0 + 0.5, -1.0 / np.sqrt(1.0 + 1e-5)]
    np.testing.assert_allclose(np.asarray(out).ravel(), expected, rtol=1e-12)
