"""The training curves figure: pixel checks that accuracy rises and loss falls as drawn.

matplotlib's first colour cycle entry C0 is #1f77b4 (its documented default); a rising series
puts its pixels lower-left to upper-right: image rows fall as columns grow.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from accelsim.train.metrics import plot_curves

C0 = np.array([0x1F, 0x77, 0xB4])


def test_curves_rise_in_the_accuracy_panel_and_fall_in_the_loss_panel(tmp_path):
    history = [
        {"epoch": e, "train_accuracy": 0.2 * e, "val_accuracy": 0.2 * e,
         "train_loss": 2.0 - 0.4 * e, "val_loss": 2.0 - 0.4 * e}
        for e in range(1, 5)
    ]  # fmt: skip
    path = tmp_path / "c.png"
    plot_curves({"run": history}, path)
    with Image.open(path) as image:
        rgb = np.asarray(image.convert("RGB"), dtype=int)
    rows, cols = np.nonzero(np.all(np.abs(rgb - C0) <= 10, axis=-1))
    middle = rgb.shape[1] / 2
    left, right = cols < middle, cols >= middle
    assert left.sum() > 200 and right.sum() > 200  # a curve in each panel
    # legend swatches (short horizontal strokes) dilute the correlation a little
    assert np.corrcoef(cols[left], rows[left])[0, 1] < -0.5  # accuracy goes up
    assert np.corrcoef(cols[right], rows[right])[0, 1] > 0.5  # loss goes down
