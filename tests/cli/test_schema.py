"""`accelsim schema`: stdout and --output print the same schema, which validates the presets."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from accelsim.cli import main

EDGE1 = Path(__file__).resolve().parents[2] / "hardware" / "edge1.yaml"


def test_schema_to_stdout_validates_edge1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    out = capsys.readouterr().out
    assert out.startswith('{\n  "$schema": ')  # indent 2
    schema = json.loads(out)
    data = yaml.safe_load(EDGE1.read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)  # independent validator accepts the paper machine
    assert set(schema["required"]) <= set(data)
    del data["sram"]
    with pytest.raises(jsonschema.ValidationError, match="'sram' is a required property"):
        jsonschema.validate(data, schema)


def test_schema_output_file_equals_stdout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schema"]) == 0
    printed = capsys.readouterr().out
    target = tmp_path / "hardware.schema.json"
    assert main(["schema", "--output", str(target)]) == 0
    assert capsys.readouterr().out == ""
    assert target.read_text(encoding="utf-8") == printed
    assert [p.name for p in tmp_path.iterdir()] == ["hardware.schema.json"]  # no temp file left


def test_schema_output_to_missing_folder_fails_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "no" / "schema.json"
    assert main(["schema", "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert re.fullmatch(
        rf"accelsim: error: {re.escape(str(target))}: cannot write: folder "
        rf"{re.escape(str(target.parent))} does not exist\n",
        err,
    )
    assert not target.parent.exists()


def test_schema_as_a_process() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "accelsim", "schema"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["title"] == "accelsim hardware file"
    assert done.stderr == ""
