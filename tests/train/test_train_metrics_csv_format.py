"""The per-epoch metrics CSV: its header in field order and each value to 6 significant digits
(session 11, issue 19: a 4-digit spelling passed every test)."""

from __future__ import annotations

from accelsim.train.metrics import read_metrics_csv, write_metrics_csv

ROW = {
    "epoch": 3, "lr": 0.0123456789, "train_loss": 1.23456789, "train_accuracy": 0.5,
    "val_loss": 2.0, "val_accuracy": 0.987654321, "epoch_time_s": 12345678.0,
    "train_images_per_s": 1234.5678,
}  # fmt: skip


def test_each_value_is_written_to_six_significant_digits_in_field_order(tmp_path):
    path = tmp_path / "deep" / "m.csv"  # folders are made for it
    write_metrics_csv(path, [ROW, {**ROW, "epoch": 4}])
    assert path.read_text().splitlines() == [
        "epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy,epoch_time_s,train_images_per_s",
        "3,0.0123457,1.23457,0.5,2,0.987654,1.23457e+07,1234.57",
        "4,0.0123457,1.23457,0.5,2,0.987654,1.23457e+07,1234.57",
    ]
    back = read_metrics_csv(path)
    assert [row["epoch"] for row in back] == [3.0, 4.0]
    assert back[0]["val_accuracy"] == 0.987654


def test_no_epoch_writes_the_header_alone(tmp_path):
    path = tmp_path / "m.csv"
    write_metrics_csv(path, [])
    assert path.read_text() == (
        "epoch,lr,train_loss,train_accuracy,val_loss,val_accuracy,epoch_time_s,train_images_per_s\n"
    )
    assert read_metrics_csv(path) == []
