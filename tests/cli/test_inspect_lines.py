"""`accelsim inspect`'s summary lines built from hand-made rows: the attention line and what the
total line says it leaves out, assumes or takes at its worst case."""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text

from accelsim.cli.inspect import OpRow, Totals, _modelled, attention_line, total_line


def test_the_attention_line_names_the_first_and_last_match_and_why_others_stay_unfused():
    none = {"matched": [], "unfused": []}
    assert attention_line(none) == "attention: 0 matched for fused lowering"
    assert attention_line({"matched": ["qk"], "unfused": []}) == (
        "attention: 1 matched for fused lowering (qk)"
    )
    assert attention_line({"matched": ["q1", "q2", "q3"], "unfused": ["s1: a", "s2: b"]}) == (
        "attention: 3 matched for fused lowering (q1 ... q3); 2 left unfused: s1: a; s2: b"
    )


def _row(name: str, **flags: bool) -> OpRow:
    fields = {"modelled": True, "is_view": False, "assumed": False, "worst_case": False}
    return OpRow(name=name, op_type="Op", inputs=(), outputs=(), macs=0, vector_ops=0, params=0,
                 activation_bytes=0, **{**fields, **flags})  # fmt: skip


_TOTALS = Totals(ops=4, unsupported_ops=1, assumed_ops=1, macs=1000, vector_ops=20, params=30,
                 parameter_bytes=30, batchnorm_statistics=0)  # fmt: skip


def test_the_total_line_says_what_it_leaves_out_assumes_and_takes_at_worst():
    rows = [_row("a"), _row("b", modelled=False), _row("c", assumed=True),
            _row("d", worst_case=True)]  # fmt: skip
    assert total_line(rows, _TOTALS, 8) == (
        "PARTIAL totals, leaving out 1 unmodelled op(s) [b (Op)]: 4 ops, 1,000 MACs, 20 vector "
        "ops, 30 params (30 bytes at 8-bit); 1 op(s) assumed one vector op per output element "
        "[c (Op)]; 1 op(s) with a data-dependent output size, taken at its worst case [d (Op)]"
    )
    with_bn = replace(_TOTALS, batchnorm_statistics=8)
    assert total_line([_row("a")], with_bn, 4) == (
        "4 ops, 1,000 MACs, 20 vector ops, 30 params (30 bytes at 4-bit), of which 8 batch-norm "
        "running mean/var (22 without them)"
    )


def test_the_modelled_column_names_each_case():
    assert _modelled(_row("a")) == "yes"
    assert _modelled(_row("a", is_view=True)) == "view"
    for flags, word, style in (({"modelled": False}, "no", "red"),
                               ({"assumed": True}, "assumed", "yellow"),
                               ({"worst_case": True}, "worst case", "yellow")):  # fmt: skip
        cell = _modelled(_row("a", **flags))
        assert isinstance(cell, Text) and (cell.plain, str(cell.style)) == (word, style)
    # not modelled wins over everything else
    assert _modelled(_row("a", modelled=False, assumed=True)).plain == "no"  # type: ignore[union-attr]
