"""Train the reference MobileNet on CIFAR-10 and export it to ONNX (same as `accelsim train`).

    python workloads/train_mobilenet.py --data cifar10-jpeg.zip --alpha 0.75 --onnx m.onnx

Runs from a checkout without installing the package (the repository root is put on the
import path); its dependencies must be installed. See workloads/README.md for the commands
that made the committed models.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from accelsim.cli import main  # noqa: E402  (needs the path above)

if __name__ == "__main__":
    sys.argv = [sys.argv[0], "train", *sys.argv[1:]]  # so the recorded command reads `train ...`
    raise SystemExit(main())
