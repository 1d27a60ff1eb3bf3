"""Train the reference MobileNet on CIFAR-10 and export it to ONNX (same as `accelsim train`).

    python workloads/train_mobilenet.py --data cifar10-jpeg.zip --alpha 0.75 --onnx m.onnx

See workloads/README.md for the commands that made the committed models.
"""

from __future__ import annotations

import sys

from accelsim.cli import main

if __name__ == "__main__":
    sys.argv = [sys.argv[0], "train", *sys.argv[1:]]  # so the recorded command reads `train ...`
    raise SystemExit(main())
