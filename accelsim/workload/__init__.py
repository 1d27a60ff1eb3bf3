"""The workload: ONNX models read into plain `Graph`/`Op`/`Tensor` data with a cost per op.

`import_onnx` is the entry point; `supported_op_types` lists the ops with a cost rule. Importing
this package does not import onnx (that happens inside `import_onnx`).
"""

from __future__ import annotations

from accelsim.workload.costs import supported_op_types
from accelsim.workload.graph import Graph, Op, Tensor
from accelsim.workload.onnx_import import import_onnx

__all__ = ["Graph", "Op", "Tensor", "import_onnx", "supported_op_types"]
