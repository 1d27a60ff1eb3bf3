"""accelsim: a discrete-event simulator of a small DNN accelerator driven by ONNX models.

Processing order (each arrow a plain function over plain data):
hardware file -> Hardware; ONNX -> Graph; Graph + Hardware -> layers -> memory Plan ->
SimPy simulation -> Trace -> reports. Submodules are imported lazily so the CLI starts fast.
"""

__version__ = "0.1.0"
