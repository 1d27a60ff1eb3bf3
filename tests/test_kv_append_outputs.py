"""A KV cache appended in place writes its new rows to DDR, where the cache lies, even when the
concatenated cache is no graph output (read inside the model only)."""

from __future__ import annotations

from accelsim.lowering import lower
from tests.sim.toy import GraphBuilder, toy_machine


def test_new_rows_of_a_cache_read_only_inside_the_model_are_still_written() -> None:
    g = GraphBuilder()
    past, x = g.input("past", (1, 2, 4, 8)), g.input("x", (1, 2, 1, 8))
    new = g.op("k", "Relu", [x], "k.new", (1, 2, 1, 8), vector_ops=16)
    present = g.op("cat", "Concat", [past, new], "present", (1, 2, 5, 8), vector_ops=80, axis=2)
    program = lower(g.build(g.op("r", "Sigmoid", [present], "y", (1, 2, 5, 8), vector_ops=240)),
                    toy_machine())  # fmt: skip
    assert any("appended in place" in note for note in program.notes)
    assert set(program.outputs) == {"y", "k.new"}
    assert program.buffers["k.new"].kind == "output"
    # the Concat makes no copy: its reader reads the cache where it lies, past's buffer
    assert [layer.reads for layer in program.layers] == [("x",), ("past",)]
