"""`accelsim diff` names the 5 layers that changed most unless --top says otherwise (--help:
"default 5"). Two saved runs of 7 layers, l0..l6, whose windows grow by 1..7 cycles from A to B
(made from tests/sim/test_schedule.py's conv run, one layer copied under 7 names)."""

from __future__ import annotations

import json

from accelsim.api import simulate_graph
from accelsim.cli import main
from accelsim.report.export import result_to_dict
from tests.sim.test_schedule import _single_conv
from tests.sim.toy import toy_machine


def test_five_layers_are_named_by_default_most_first(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    document = result_to_dict(simulate_graph(_single_conv(), toy_machine(), name="t"))
    (layer,) = document["layers"]
    for name, grow in (("a.json", 0), ("b.json", 1)):
        layers = [{**layer, "name": f"l{k}", "window_cycles": [0, 10 + grow * (k + 1)]}
                  for k in range(7)]  # fmt: skip
        (tmp_path / name).write_text(json.dumps({**document, "layers": layers}), encoding="utf-8")
    assert main(["diff", "a.json", "b.json", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["changed_most"] == ["l6", "l5", "l4", "l3", "l2"]
