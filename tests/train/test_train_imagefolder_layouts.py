"""Which files an image folder reads: every named extension (.bmp, .jpg, .jpeg, .png), under at
most one top folder, and nothing else (session 11, issue 19: no test read a .bmp or .jpeg)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from accelsim.train.imagefolder import load


def _encoded(colour: tuple[int, int, int], fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), colour).save(buffer, format=fmt)
    return buffer.getvalue()


def test_each_extension_is_read_under_one_top_folder_and_other_files_are_not(tmp_path):
    files = {
        "top/train/cat/a.bmp": _encoded((10, 20, 30), "BMP"),
        "top/train/dog/b.jpeg": _encoded((200, 0, 0), "JPEG"),
        "top/test/cat/c.jpg": _encoded((0, 200, 0), "JPEG"),
        "top/test/dog/d.png": _encoded((40, 50, 60), "PNG"),
        "top/train/cat/notes.txt": b"not an image",
        "top/train/cat/deeper/e.png": _encoded((1, 2, 3), "PNG"),  # too deep: not a class image
        "top/train.png": _encoded((4, 5, 6), "PNG"),  # no class folder
    }
    for name, blob in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(blob)
    data = load(tmp_path)
    assert data.class_names == ("cat", "dog")
    assert data.train_labels.tolist() == [0, 1] and data.test_labels.tolist() == [0, 1]
    assert data.train_images[0, 7, 9].tolist() == [10, 20, 30]  # the BMP, exactly
    assert data.test_images[1, 31, 0].tolist() == [40, 50, 60]  # the PNG, exactly
    # JPEG is lossy: each decoded pixel is near its colour
    assert np.abs(data.train_images[1].astype(int) - [200, 0, 0]).max() <= 8
    assert np.abs(data.test_images[0].astype(int) - [0, 200, 0]).max() <= 8
    assert data.source == f"image folder ({tmp_path.name})"
