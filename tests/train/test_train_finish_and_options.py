"""The shipped model's measurements against onnxruntime run here, and `accelsim train`'s options
read in process: each flag lands in the field it names, defaults where none is given, the
resume checks, the log lines, and the configuration's one-line errors."""

from __future__ import annotations

import argparse
import io

import numpy as np
import onnx
import pytest
from rich.console import Console

from accelsim.cli import train as cli_train
from accelsim.errors import DataError
from accelsim.train.finish import export_trained
from accelsim.train.loop import TrainConfig, new_state, train
from tests.train.conftest import synthetic_cifar

TINY = {"alpha": 0.125, "rho": 8 / 28, "warmup_epochs": 0.5, "lr": 0.05}


def _reference_inputs(images: np.ndarray, mean, std) -> np.ndarray:
    """NCHW float32: centre crop [2, 30) of the 32x32 images, nearest resample to 8x8 (rows
    and columns (i + 0.5) * 28 / 8 = 1, 5, 8, 12, 15, 19, 22, 26 of the crop), normalised."""
    crop = images[:, 2:30, 2:30, :].astype(np.float64) / 255.0
    picks = ((np.arange(8) + 0.5) * 28 / 8).astype(int)
    small = (crop[:, picks][:, :, picks] - np.array(mean)) / np.array(std)
    return np.ascontiguousarray(small.transpose(0, 3, 1, 2), np.float32)


def test_the_exported_models_test_metrics_are_onnxruntimes_on_the_scored_images(tmp_path):
    import onnxruntime as ort

    data = synthetic_cifar(8, 6)  # 12 test images: labels 0 x 6 then 1 x 6
    config = TrainConfig(epochs=1, batch_size=8, limit_test=5, seed=2, **TINY)
    state = train(new_state(config, data, np, command="train it"), data, np)
    state.total_epochs = 3  # as if stopped early: the model says the epochs it was trained
    path = tmp_path / "m.onnx"
    result = export_trained(state, data, path, fold_bn=True, export_command="export it",
                            device="cuda")  # fmt: skip
    # the 5 test images `--limit-test 5` scores: a seeded sample, sorted
    scored = np.sort(np.random.default_rng(2).permutation(12)[:5])
    inputs = _reference_inputs(data.test_images[scored], state.mean, state.std)
    labels = data.test_labels[scored]
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    probs = np.concatenate([session.run(["probs"], {"input": x[None]})[0] for x in inputs])
    loss = float(-np.log(probs[np.arange(5), labels].astype(np.float64)).mean())
    accuracy = float((probs.argmax(axis=1) == labels).mean())
    assert result.test_images == 5
    assert result.test_loss == pytest.approx(loss, rel=1e-4)
    assert result.test_accuracy == accuracy
    assert 0 <= result.max_logit_difference <= 1e-4
    props = {p.key: p.value for p in onnx.load(path).metadata_props}
    assert props["test_loss"] == f"{loss:.4f}" and props["test_accuracy"] == f"{accuracy:.4f}"
    assert props["epochs"] == "1" and props["seed"] == "2"
    assert props["dataset"] == "CIFAR-10, synthetic; test metrics on 5 test images"
    assert props["training_data"] == "synthetic" and props["export_device"] == "cuda"
    assert (props["command"], props["export_command"]) == ("train it", "export it")
    assert props["class_names"] == "red,blue"
    assert not [n for n in onnx.load(path).graph.node if n.op_type == "BatchNormalization"]


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli_train.register(parser.add_subparsers(), "train")
    return parser.parse_args(["train", *argv])


def test_every_option_lands_in_the_field_it_names():
    config = cli_train._config(_args(
        "--alpha", "0.5", "--rho", "0.75", "--epochs", "7", "--batch-size", "32", "--lr", "0.3",
        "--schedule", "step", "--warmup-epochs", "1.5", "--label-smoothing", "0.2", "--seed",
        "9", "--time-budget", "100", "--limit-train", "1000", "--limit-test", "200",
        "--optimizer", "rmsprop", "--momentum", "0.8", "--no-nesterov", "--weight-decay", "0.01",
    ))  # fmt: skip
    assert (config.alpha, config.rho, config.epochs, config.batch_size) == (0.5, 0.75, 7, 32)
    assert (config.lr, config.schedule, config.warmup_epochs) == (0.3, "step", 1.5)
    assert (config.label_smoothing, config.seed, config.time_budget_s) == (0.2, 9, 100.0)
    assert (config.limit_train, config.limit_test) == (1000, 200)
    o = config.optim
    assert (o.name, o.momentum, o.nesterov, o.weight_decay) == ("rmsprop", 0.8, False, 0.01)


def test_defaults_are_the_papers_run():
    # alpha 1, rho 1, 60 epochs, batch 128, SGD with Nesterov momentum 0.9, lr 0.1 cosine after
    # 2 warm-up epochs, weight decay 5e-4, label smoothing 0.1, seed 0, no budget or limits
    config = cli_train._config(_args())
    assert config == TrainConfig()
    assert (config.alpha, config.rho, config.epochs, config.batch_size) == (1.0, 1.0, 60, 128)
    assert (config.lr, config.schedule, config.warmup_epochs) == (0.1, "cosine", 2.0)
    assert (config.label_smoothing, config.seed, config.time_budget_s) == (0.1, 0, None)
    o = config.optim
    assert (o.name, o.momentum, o.nesterov, o.weight_decay) == ("sgd", 0.9, True, 5e-4)
    assert cli_train._value(_args("--epochs", "0"), "epochs") == 0  # 0 is a value, not unset


def test_the_cache_folder_follows_xdg_when_absolute(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cli_train.default_cache_dir() == tmp_path / "accelsim" / "train"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # the spec ignores a relative one
    assert cli_train.default_cache_dir() == tmp_path / "home" / ".cache" / "accelsim" / "train"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cli_train.default_cache_dir() == tmp_path / "home" / ".cache" / "accelsim" / "train"


def test_an_untrained_export_is_the_seeded_initial_network(tmp_path):
    from onnx import numpy_helper

    from accelsim.train.model import MobileNetSpec, init_params

    path = tmp_path / "u.onnx"
    args = _args("--epochs", "0", "--alpha", "0.25", "--rho", "0.5", "--seed", "4",
                 "--onnx", str(path))  # fmt: skip
    assert cli_train._export_untrained(args, "accelsim train x") == 0
    model = onnx.load(path)
    props = {p.key: p.value for p in model.metadata_props}
    assert (props["width_multiplier"], props["resolution_multiplier"]) == ("0.25", "0.5")
    assert (props["input_size"], props["epochs"], props["seed"]) == ("14", "0", "4")
    assert props["test_accuracy"] == props["test_loss"] == "untrained"
    assert props["command"] == "accelsim train x"
    # seed 4's first conv, in ONNX layout (out, in, kh, kw) from channels-last (kh, kw, in, out)
    params, _ = init_params(MobileNetSpec(0.25, 0.5), 4)
    weights = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    np.testing.assert_array_equal(
        weights["conv1.weight"], params["conv1.weight"].transpose(3, 2, 0, 1)
    )
    assert "bn1.mean" in weights  # not folded without --fold-bn


def _console() -> Console:
    return Console(file=io.StringIO(), width=200, color_system=None, log_path=False,
                   log_time=False)  # fmt: skip


def test_the_epoch_log_line_shows_each_metric_in_its_place():
    console = _console()
    reporter = cli_train._RichReporter(console, bar=False)
    reporter.start_epoch(3, 10, 5)
    reporter.step(2, 64, 1.0, 0.5)  # no bar: nothing to move
    reporter.end_epoch({
        "epoch": 3, "lr": 0.01234, "train_loss": 1.5, "train_accuracy": 0.25, "val_loss": 2.0,
        "val_accuracy": 0.125, "train_images_per_s": 1234.4, "epoch_time_s": 12.34,
    })  # fmt: skip
    reporter.epochs_settled(4, "why")
    lines = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
    assert [line.rstrip() for line in lines] == [
        "epoch 3: lr 0.0123  train loss 1.5000 acc 0.2500  val loss 2.0000 acc 0.1250  1234 "
        "img/s  12.3 s",
        "epochs settled: 4; why",
    ]


def test_a_bar_reports_images_per_second_of_the_epochs_elapsed_time():
    console = _console()
    reporter = cli_train._RichReporter(console, bar=True)
    reporter.start_epoch(2, 5, 8)
    progress = reporter.progress
    task = progress.tasks[0]
    assert (task.total, task.fields["loss"], task.fields["acc"]) == (8, 0.0, 0.0)
    before = task.elapsed
    reporter.step(4, 64, 0.75, 0.5)
    after = task.elapsed
    assert (task.completed, task.fields["loss"], task.fields["acc"]) == (4, 0.75, 0.5)
    # 64 images over the time elapsed when the step was drawn, read between the two
    rate = task.fields["rate"]
    assert rate * before <= 64 <= rate * after  # (no division: `before` may read 0)
    fields = ("epoch", "lr", "train_loss", "train_accuracy", "val_loss", "val_accuracy",
              "train_images_per_s", "epoch_time_s")  # fmt: skip
    reporter.end_epoch(dict.fromkeys(fields, 1.0))
    assert reporter.progress is None and not progress.live.is_started
    assert "epoch 2/5" in console.file.getvalue()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--resume", "--data", "d"], r"^--resume: needs --checkpoint PATH to resume from$"),
        (["--epochs", "3"], r"^--data: required to train; give a CIFAR-10 folder"),
        # resuming with no epochs to add still needs the data (the export is scored on it)
        (["--resume", "--checkpoint", "ck.npz", "--epochs", "0", "--onnx", "o.onnx"],
         r"^--data: required to train"),
    ],
)
def test_missing_companions_are_named(argv, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError, match=message):
        cli_train.run(_args(*argv))


def test_an_existing_checkpoint_is_continued_never_started_over(tmp_path):
    checkpoint = tmp_path / "ck.npz"
    checkpoint.write_bytes(b"x")
    with pytest.raises(DataError, match=r"^--checkpoint .*ck\.npz: exists; add --resume"):
        cli_train._check_outputs(_args("--checkpoint", str(checkpoint)))
    cli_train._check_outputs(_args("--checkpoint", str(checkpoint), "--resume"))  # accepted
    assert checkpoint.read_bytes() == b"x"


def test_a_resume_keeps_the_checkpoints_width_and_resolution(tmp_path, monkeypatch):
    data = synthetic_cifar(8, 2)
    config = TrainConfig(epochs=1, batch_size=8, **TINY)
    checkpoint = tmp_path / "ck.npz"
    train(new_state(config, data, np, command="first"), data, np, checkpoint=checkpoint)
    monkeypatch.setattr("accelsim.train.data.load_cifar10", lambda *a, **k: data)
    ran = []
    monkeypatch.setattr("accelsim.train.loop.train", lambda state, *a, **k: ran.append(state))
    (tmp_path / "data").mkdir()  # (loaded by the stand-in above)
    base = ["--resume", "--checkpoint", str(checkpoint), "--data", str(tmp_path / "data"),
            "--no-progress"]  # fmt: skip
    with pytest.raises(DataError, match=r"^--alpha 0\.25: differs from the checkpoint's 0\.125$"):
        cli_train.run(_args(*base, "--alpha", "0.25"))
    with pytest.raises(DataError, match=r"^--rho 1\.0: differs from the checkpoint's 0\.2857"):
        cli_train.run(_args(*base, "--rho", "1"))
    assert cli_train.run(_args(*base, "--alpha", "0.125", "--epochs", "3")) == 0
    (state,) = ran
    assert (state.epochs_done, state.total_epochs) == (1, 3)
    assert state.command.startswith("first; then accelsim ")  # more epochs: both commands
    ran.clear()
    assert cli_train.run(_args(*base)) == 0  # nothing more to train: the command stays
    assert ran[0].command == "first"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"epochs": -1}, r"^--epochs -1: must be >= 0$"),
        ({"batch_size": 1}, r"^--batch-size 1: must be >= 2 \(batch norm\)$"),
        ({"label_smoothing": 1.0}, r"^--label-smoothing 1\.0: expected 0 <= s < 1$"),
        ({"label_smoothing": -0.1}, r"^--label-smoothing -0\.1: expected 0 <= s < 1$"),
        ({"time_budget_s": 0.0}, r"^--time-budget 0\.0: must be > 0 seconds$"),
    ],
)
def test_a_configuration_out_of_range_is_one_line(fields, message):
    with pytest.raises(DataError, match=message):
        TrainConfig(**fields)


def test_configuration_limits_themselves_are_accepted():
    # 0 epochs, a batch of 2, no smoothing, the smallest positive budget
    TrainConfig(epochs=0, batch_size=2, label_smoothing=0.0, time_budget_s=1e-9)


def test_a_batch_larger_than_the_training_images_is_refused(tiny_data):
    config = TrainConfig(epochs=1, batch_size=16, limit_train=15, **TINY)
    state = new_state(config, tiny_data, np, command="t")
    with pytest.raises(DataError, match=r"^--batch-size 16: larger than the 15 training images$"):
        train(state, tiny_data, np)
    config = TrainConfig(epochs=1, batch_size=16, limit_train=16, **TINY)
    assert train(new_state(config, tiny_data, np, command="t"), tiny_data, np).epochs_done == 1


class _Exported(Exception):
    """Raised by the export stand-in: the run got as far as exporting."""


def test_the_run_keeps_30_s_of_its_budget_for_an_export_and_none_without(tmp_path, monkeypatch):
    data = synthetic_cifar(8, 2)
    monkeypatch.setattr("accelsim.train.data.load_cifar10", lambda *a, **k: data)
    reserves = []
    monkeypatch.setattr("accelsim.train.loop.train",
                        lambda state, *a, **k: reserves.append(k["reserve_s"]))  # fmt: skip

    def exported(*a, **k):
        raise _Exported

    monkeypatch.setattr("accelsim.train.finish.export_trained", exported)
    (tmp_path / "data").mkdir()  # (loaded by the stand-in above)
    base = ["--data", str(tmp_path / "data"), "--no-progress", "--time-budget", "100"]
    assert cli_train.run(_args(*base)) == 0
    with pytest.raises(_Exported):
        cli_train.run(_args(*base, "--onnx", str(tmp_path / "m.onnx")))
    assert reserves == [0.0, 30.0]


def test_zero_epochs_without_data_exports_the_untrained_network(tmp_path, monkeypatch):
    path = tmp_path / "u.onnx"
    argv = ["--epochs", "0", "--alpha", "0.25", "--rho", "0.5", "--onnx", str(path)]
    monkeypatch.setattr("sys.argv", ["accelsim", "train", *argv])
    assert cli_train.run(_args(*argv)) == 0  # no --data needed
    props = {p.key: p.value for p in onnx.load(path).metadata_props}
    assert (props["epochs"], props["test_accuracy"]) == ("0", "untrained")
    assert props["command"] == f"accelsim train {' '.join(argv)}"
