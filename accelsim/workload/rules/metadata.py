"""Shape and Size: the importer folds them when their input's shape is static; a tensor whose
shape is only known at run time has it in the runtime's metadata, so reading it costs nothing."""

from __future__ import annotations

from accelsim.workload.costs import NodeShapes, OpCost, cost_rule


@cost_rule("Shape", "Size", reads_data=False)
def metadata(shapes: NodeShapes) -> OpCost:
    """0: the dimensions are read from the tensor's descriptor, never from its data."""
    return OpCost()
