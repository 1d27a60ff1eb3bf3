"""Energy per component and per layer on hand-built graphs, every count derived by hand."""

from __future__ import annotations

import io
import json

import pytest

from accelsim.api import simulate_graph
from accelsim.energy import COMPONENTS, energy_of, power_over_time, tensor_energy
from accelsim.hardware_file import with_overrides
from accelsim.report.export import result_to_dict
from tests.close import close
from tests.sim.test_schedule import _single_conv, _spilling_graph
from tests.sim.toy import toy_machine

# Distinct prices (pJ) so that every component's count shows up in its own joules.
PRICES = {"ddr_per_byte": 1, "bus_per_byte": 2, "sram_read_per_byte": 3,
          "sram_write_per_byte": 4, "mac": 5, "vector_op": 6}  # fmt: skip


def _priced(*, exponent: float = 0, sram_leak: str = "0 W", unit_leak: str = "0 W",
            **toy: object):  # fmt: skip
    """The toy machine with `PRICES`; SRAM access price flat in capacity and no leakage unless
    asked for."""
    overrides = {f"energy.{name}": f"{pj} pJ" for name, pj in PRICES.items()}
    overrides |= {"energy.sram_capacity_exponent": str(exponent),
                  "energy.sram_leakage_per_byte": sram_leak,
                  "energy.logic_leakage_per_unit": unit_leak}  # fmt: skip
    return with_overrides(toy_machine(**toy), overrides)  # type: ignore[arg-type]


def test_energy_of_a_single_conv_counts_every_byte_once():
    result = simulate_graph(_single_conv(), _priced(), name="t")
    energy = energy_of(result)
    # x 1x2x4x4 = 32 B and W 4x2x3x3 = 72 B are loaded, out 1x4x4x4 = 64 B is stored: 168 B
    # cross the bus. SRAM writes: the two loads (104 B) + the conv's output (64 B) = 168 B.
    # SRAM reads: the conv's operands (32 + 72 B) + the store (64 B) = 168 B.
    # MACs: 4 out ch * 16 px * 2 in ch * 9 = 1152; no vector work (the conv has no ReLU).
    assert energy.activity.count("ddr") == 168
    assert energy.activity.count("sram_write") == 168
    assert energy.activity.count("sram_read") == 168
    assert energy.activity.count("matrix") == 1152
    assert energy.activity.count("vector") == 0
    parts = energy.total.components()
    expected_pj = {"ddr": 168 * 1, "bus": 168 * 2, "sram_read": 168 * 3, "sram_write": 168 * 4,
                   "matrix": 1152 * 5, "vector": 0,
                   "sram_leakage": 0, "logic_leakage": 0}  # fmt: skip
    assert parts == close({k: v * 1e-12 for k, v in expected_pj.items()})
    # 168 + 336 + 504 + 672 + 5760 = 7440 pJ
    assert energy.total_j == close(7440e-12)


def test_spills_and_reloads_cost_bus_ddr_and_sram_energy_at_the_layer_that_caused_them():
    result = simulate_graph(_spilling_graph(), _priced(sram=300), name="t")
    energy = energy_of(result)
    # Six 100 B tensors. Bus: load x, load w, spill a, reload a, store d = 500 B.
    # SRAM writes: loads x, w, reload a (300 B) + the four layers' outputs (400 B) = 700 B.
    # SRAM reads: spill a + store d (200 B) + operands r1 x, r2 a, m b+w, s a+c (600 B) = 800 B.
    assert energy.activity.count("ddr") == 500
    assert energy.activity.count("sram_write") == 700
    assert energy.activity.count("sram_read") == 800
    assert energy.activity.count("vector") == 400  # 100 element ops in each of the 4 layers
    by_layer = {layer.name: layer.activity.count("bus") for layer in energy.layers}
    # m loads w and spills a to make room (200 B); s reloads a and stores d (200 B).
    assert by_layer == {"r1": 100, "r2": 0, "m": 200, "s": 200}
    # 500 * (1 + 2) + 800 * 3 + 700 * 4 + 400 * 6 = 1500 + 2400 + 2800 + 2400 = 9100 pJ
    assert energy.total_j == close(9100e-12)
    assert sum(layer.energy.total_j for layer in energy.layers) == close(energy.total_j)


def test_run_json_carries_energy_per_layer_and_component():
    result = simulate_graph(_single_conv(), _priced(), name="t")
    doc = json.loads(json.dumps(result_to_dict(result)))
    assert set(doc["energy"]["components_j"]) == set(COMPONENTS)
    assert doc["energy"]["total_j"] == close(7440e-12)  # as in the single-conv test
    assert doc["energy"]["counts"]["matrix"] == 1152
    assert doc["layers"][0]["energy_j"] == close(7440e-12)  # the only layer
    # power: 200 bins of 192 / 200 cycles whose watts integrate to the run's joules
    power = doc["energy"]["power_w"]
    assert power["bin_cycles"] == close(192 / 200)
    assert sum(power["watts"]) * 192e-9 / 200 == close(7440e-12)
    assert doc["energy"]["tensors_j"] == close(
        {"conv.W": 720e-12, "conv.out": 640e-12, "x": 320e-12})  # as in the per-tensor test


def test_every_declared_kind_has_its_own_energy_line_priced_by_a_hardware_field():
    from accelsim.energy import LINES
    from accelsim.hardware import Energy
    from accelsim.kinds import KINDS

    by_name = {line.name: line for line in LINES}
    assert [line.name for line in LINES] == ["ddr", "sram_read", "sram_write", "bus", "matrix",
                                             "vector", "sram_leakage", "logic_leakage"]  # fmt: skip
    hw = _priced()
    assert {k.label: by_name[k.label].price(hw) for k in KINDS} == close(
        {"bus": 2e-12, "matrix": 5e-12, "vector": 6e-12})  # PRICES' bus, mac, vector_op
    for k in KINDS:
        assert k.energy in Energy.model_fields and k.amount in k.work.__dataclass_fields__


def test_sram_access_energy_grows_with_capacity_by_the_power_law():
    # Capacity 4x the reference, exponent 0.5: every SRAM byte costs sqrt(4) = 2x its figure.
    # Single conv as above: SRAM reads 168 B x 3 pJ x 2 + writes 168 B x 4 pJ x 2 = 2352 pJ;
    # the rest is unchanged: DDR 168, bus 336, MACs 5760 pJ.
    hw = with_overrides(_priced(exponent=0.5, sram=4000),
                        {"energy.sram_reference_capacity": "1000 B"})  # fmt: skip
    energy = energy_of(simulate_graph(_single_conv(), hw, name="t"))
    assert energy.total.part("sram_read") == close(168 * 6e-12)
    assert energy.total.part("sram_write") == close(168 * 8e-12)
    assert energy.total_j == close((168 + 336 + 2352 + 5760) * 1e-12)


def test_leakage_is_static_power_times_the_run_and_each_layer_pays_for_its_window():
    # Single conv, no latency: load x 32 + load W 72, conv 24, store 64 = 192 cycles at 1 GHz.
    # SRAM 10,000 B x 2 nW/B = 20 uW; logic 3 units x 1 mW = 3 mW: 192 ns x 3.02 mW.
    hw = _priced(sram_leak="2 nW", unit_leak="1 mW")
    result = simulate_graph(_single_conv(), hw, name="t")
    assert result.latency_cycles == 192
    energy = energy_of(result)
    assert energy.total.part("sram_leakage") == close(192e-9 * 20e-6)
    assert energy.total.part("logic_leakage") == close(192e-9 * 3e-3)
    assert energy.total_j == close(7440e-12 + 192e-9 * 3.02e-3)
    # Spilling graph (4 layers): the layers' windows tile the run, so their leakage adds up.
    spilled = simulate_graph(_spilling_graph(), _priced(sram=300, unit_leak="1 mW"), name="t")
    parts = [layer.energy.part("logic_leakage") for layer in energy_of(spilled).layers]
    assert sum(parts) == close(spilled.latency_cycles * 1e-9 * 3e-3)
    assert all(part >= 0 for part in parts) and sum(p > 0 for p in parts) >= 2


def test_energy_per_tensor_charges_each_tensors_moves_and_sram_accesses():
    # Single conv with PRICES (pJ): x 32 B loaded (DDR 1 + bus 2 + SRAM write 4) and read as an
    # operand (3): 32 x 10 = 320; W 72 B the same: 720; the output written (4) and stored
    # (read 3 + DDR 1 + bus 2): 64 x 10 = 640. MACs (5760 pJ) belong to no tensor.
    result = simulate_graph(_single_conv(), _priced(), name="t")
    spent = tensor_energy(result)
    assert list(spent) == ["conv.W", "conv.out", "x"]  # most joules first
    assert list(spent.values()) == close([720e-12, 640e-12, 320e-12])


def test_power_over_time_integrates_to_the_energy_and_never_drops_below_leakage():
    # Spilling graph with 1 mW per unit (3 units): 3 mW flows in every bin, busy or idle;
    # the bins' power times their width gives back the run's joules.
    result = simulate_graph(_spilling_graph(), _priced(sram=300, unit_leak="1 mW"), name="t")
    bins = 7
    power = power_over_time(result, bins)
    seconds = result.latency_cycles / bins * 1e-9
    assert sum(p * seconds for p in power) == close(energy_of(result).total_j)
    assert min(power) >= 3e-3 * (1 - 1e-9)


def test_power_between_edges_by_hand_and_as_the_timelines_power_row():
    # Single conv, serial: load x [0,32), load W [32,104), conv [104,128), store [128,192).
    # Per 32-cycle column, PRICES in pJ, 2 mW x 3 units of leakage on top:
    #   [0,32): x 32 B x (DDR 1 + bus 2 + SRAM write 4) = 224 pJ / 32 ns = 7 mW
    #   [32,64), [64,96): W's 72 B x 7 pJ over 72 cycles = 7 pJ a cycle = 7 mW
    #   [96,128): the last 8 cycles of W (56 pJ) + the conv (MACs 5760 + operands (32 + 72) x 3
    #   + output 64 x 4 = 6328 pJ) = 6384 pJ / 32 ns = 199.5 mW
    #   [128,160), [160,192): store 64 B x (SRAM read 3 + DDR 1 + bus 2) over 64 cycles = 6 mW
    from rich.console import Console

    from accelsim.energy import power_between
    from accelsim.report.timeline import Timeline

    result = simulate_graph(_single_conv(), _priced(unit_leak="2 mW"), name="t")
    edges = [32.0 * i for i in range(7)]
    expected_mw = [7 + 6, 7 + 6, 7 + 6, 199.5 + 6, 6 + 6, 6 + 6]
    assert power_between(result, edges) == close([mw * 1e-3 for mw in expected_mw])
    console = Console(width=6 + 12, file=io.StringIO(), color_system=None)  # 6 columns
    console.print(Timeline(result))
    row = next(line for line in console.file.getvalue().splitlines() if line.startswith("power"))
    assert row.startswith("power  ▁▁▁█▁▁")  # levels of 205.5 mW: ceil(13/205.5 x 8) = 1


def test_the_html_page_lists_the_costliest_tensors():
    from accelsim.report.html import report_html
    from tests.explain.test_html import _data

    page = report_html(simulate_graph(_single_conv(), _priced(), name="t"))
    tensors = _data(page)["tensors_j"]
    assert [name for name, _ in tensors] == ["conv.W", "conv.out", "x"]  # as per tensor above
    assert [j for _, j in tensors] == close([720e-12, 640e-12, 320e-12])


def test_a_task_of_no_cycles_counts_in_the_slice_it_starts_even_at_the_first_edge():
    # x -> Identity (no work) -> out on the toy machine: load x [0,32), the Identity's compute
    # [32,32) (no cycles), store [32,64). The compute carries its layer's compute-side energy:
    # x read as operand 32 B x 3 + out written 32 B x 4 = 224 pJ; the store 32 B x (SRAM read 3
    # + DDR 1 + bus 2) = 192 pJ over 32 cycles. Slices [32,48), [48,64) (no leakage):
    #   (224 + 96) pJ / 16 ns = 20 mW, 96 pJ / 16 ns = 6 mW
    from accelsim.energy import power_between
    from tests.sim.toy import GraphBuilder

    g = GraphBuilder()
    out = g.op("id", "Identity", [g.input("x", (1, 2, 4, 4))], "id.out", (1, 2, 4, 4))
    result = simulate_graph(g.build(out), _priced(), name="t")
    assert [(e.kind, e.start, e.end) for e in result.trace.events] == [
        ("load", 0, 32), ("compute", 32, 32), ("store", 32, 64)]  # fmt: skip
    assert power_between(result, [32.0, 48.0, 64.0]) == close([20e-3, 6e-3])


def test_task_energy_shares_a_tiled_layers_compute_side_by_cycles():
    # Conv x 1x2x5x4 (40 B), W 4x2x3x3 (72 B) -> out 1x4x5x4 (80 B) in 64 B of SRAM: 8 tiles
    # of 5 and 3 matrix cycles (32 in all). Compute side, PRICES in pJ: MACs 4 x 20 px x 2 x 9
    # = 1440 x 5 + operands (40 + 72) x 3 + output 80 x 4 = 7856 pJ, so 7856 x 5/32 = 1227.5
    # and 7856 x 3/32 = 736.5 a tile; a load pays 7 pJ a byte (DDR 1 + bus 2 + SRAM write 4),
    # a store 6 (SRAM read 3 + DDR 1 + bus 2).
    from accelsim.energy import task_energy
    from tests.sim.toy import GraphBuilder

    g = GraphBuilder()
    out = g.conv("conv", g.input("x", (1, 2, 5, 4)), 4, 3, pad=1)
    result = simulate_graph(g.build(out), _priced(sram=64), name="t")
    events = result.trace.events
    assert [e.end - e.start for e in events if e.kind == "compute"] == [5, 3] * 4
    pj = {"load": 7, "store": 6}
    share = {5: 1227.5, 3: 736.5}
    expected = [e.nbytes * pj[e.kind] if e.kind in pj else share[e.end - e.start]
                for e in events]  # fmt: skip
    assert list(task_energy(result)) == close([j * 1e-12 for j in expected])


def test_a_task_of_no_cycles_at_the_last_edge_is_the_next_windows():
    # The Identity's compute [32,32) of the test above, in slices [0,16), [16,32): the window is
    # half open, so only x's load counts: 32 B x (DDR 1 + bus 2 + SRAM write 4) = 224 pJ over
    # 32 ns = 7 mW in each
    from accelsim.energy import power_between
    from tests.sim.toy import GraphBuilder

    g = GraphBuilder()
    out = g.op("id", "Identity", [g.input("x", (1, 2, 4, 4))], "id.out", (1, 2, 4, 4))
    result = simulate_graph(g.build(out), _priced(), name="t")
    assert power_between(result, [0.0, 16.0, 32.0]) == close([7e-3, 7e-3])


@pytest.mark.unjudged("the judge asks for the output, which is the input, to be stored")
def test_a_run_of_no_cycles_draws_its_static_power_in_every_slice():
    # a graph whose output is its input: nothing to do, 0 cycles; 3 units x 1 mW of leakage
    from tests.sim.toy import GraphBuilder

    g = GraphBuilder()
    result = simulate_graph(g.build(g.input("x", (1, 4))), _priced(unit_leak="1 mW"), name="t")
    assert result.latency_cycles == 0
    assert power_over_time(result, 4) == close([3e-3] * 4)
