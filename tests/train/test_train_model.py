"""Architecture facts from the paper's Table 1, worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from accelsim.cli import main
from accelsim.errors import DataError
from accelsim.train.model import MobileNetSpec, count_params


def test_layer_table_matches_paper_table1():
    layers = MobileNetSpec().layers
    assert len(layers) == 27  # 1 full conv + 13 depthwise + 13 pointwise
    assert [s.kind for s in layers].count("dw") == 13
    assert [s.index for s in layers if s.stride == 2] == [4, 24]  # the two down-samplings
    assert (layers[3].in_size, layers[3].out_size) == (28, 14)
    assert (layers[23].in_size, layers[23].out_size) == (14, 7)
    assert [s.out_channels for s in layers if s.kind == "pw"] == [
        64,
        64,
        128,
        128,
        128,
        256,
        256,
        256,
        256,
        256,
        256,
        256,
        256,
    ]


def test_macs_match_hand_count():
    spec = MobileNetSpec()
    # layer 1: 28*28 outputs x 32 filters x 3*3*3 = 677,376
    assert spec.layers[0].macs == 677_376
    per_layer = [
        677_376,  # 1 conv 28*28*27*32
        225_792,
        1_605_632,  # 2 dw 28*28*9*32, 3 pw 28*28*32*64
        112_896,
        802_816,  # 4 dw/s2 14*14*9*64, 5 pw 14*14*64*64
        112_896,
        1_605_632,  # 6, 7 pw 14*14*64*128
        225_792,
        3_211_264,  # 8 dw 14*14*9*128, 9 pw 14*14*128*128
        225_792,
        3_211_264,  # 10, 11
        225_792,
        6_422_528,  # 12, 13 pw 14*14*128*256
        *([451_584, 12_845_056] * 5),  # 14-23: dw 14*14*9*256, pw 14*14*256*256
        112_896,
        3_211_264,  # 24 dw/s2 7*7*9*256, 25 pw 7*7*256*256
        112_896,
        3_211_264,  # 26, 27
    ]
    assert [s.macs for s in spec.layers] == per_layer
    assert spec.macs == sum(per_layer) + 256 * 10  # + fc


def test_width_multiplier_rounds_down_like_mobilenet():
    layers = MobileNetSpec(alpha=0.75).layers
    # int(32*.75)=24, int(64*.75)=48, int(128*.75)=96, int(256*.75)=192
    assert sorted({s.out_channels for s in layers}) == [24, 48, 96, 192]
    # alpha 0.3: int(9.6)=9, int(19.2)=19, int(38.4)=38, int(76.8)=76
    assert sorted({s.out_channels for s in MobileNetSpec(alpha=0.3).layers}) == [9, 19, 38, 76]


def test_resolution_multiplier_scales_the_input():
    spec = MobileNetSpec(rho=24 / 28)
    assert spec.input_size == 24
    assert spec.final_size == 6  # 24 -> 12 (layer 4) -> 6 (layer 24)


def test_parameter_count_by_hand_for_alpha_one():
    # conv1 27*32; dw 9*C; pw Cin*Cout; bn 2*C per layer; fc 256*10 + 10
    dw = 9 * (32 + 64 + 64 + 128 + 128 + 128 + 256 * 5 + 256 + 256)
    pw = 32 * 64 + 64 * 64 + 64 * 128 + 128 * 128 * 2 + 128 * 256 + 256 * 256 * 7
    bn_channels = 32 + (32 + 64) + (64 + 64) + (64 + 128) + (128 + 128) * 2 + (128 + 256)
    bn_channels += (256 + 256) * 7
    assert count_params(MobileNetSpec()) == 27 * 32 + dw + pw + 2 * bn_channels + 2570


@pytest.mark.parametrize("alpha", [0.0, -0.5, 1.01, 2.0])
def test_alpha_outside_unit_interval_is_a_one_line_data_error(alpha):
    with pytest.raises(
        DataError, match=rf"^--alpha {alpha}: out of range; expected 0 < alpha <= 1$"
    ):
        MobileNetSpec(alpha=alpha)


@pytest.mark.parametrize(
    ("name", "alpha"), [("mobilenet.onnx", 1.0), ("mobilenet_a075.onnx", 0.75)]
)
def test_inspect_gives_the_model_card_count_without_batchnorm_statistics(name, alpha, capsys):
    # inspect counts every weight tensor: the card's trainable count plus the running mean and
    # variance of every batch norm, 2 values per channel of each of the 27 layers
    path = Path(__file__).resolve().parents[2] / "workloads" / name
    if not path.exists():
        pytest.skip(f"workloads/{name} not built")
    assert main(["inspect", str(path), "--json"]) == 0
    totals = json.loads(capsys.readouterr().out)["totals"]
    spec = MobileNetSpec(alpha=alpha)
    assert totals["batchnorm_statistics"] == 2 * sum(s.out_channels for s in spec.layers)
    assert totals["params"] - totals["batchnorm_statistics"] == count_params(spec)
    assert main(["inspect", str(path)]) == 0
    footer = capsys.readouterr().out
    card = {1.0: "572,938", 0.75: "328,714"}[alpha]  # workloads/README.md
    assert f"({card} without them)" in " ".join(footer.split())
