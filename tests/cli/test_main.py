"""The `accelsim` entry point: help lists every subcommand, errors map to exit codes."""

from __future__ import annotations

import pytest

from accelsim.cli import SUBCOMMANDS, main


def test_help_lists_every_subcommand(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for name in ("run", "inspect", "schema", "paper", "sweep", "train"):
        assert name in SUBCOMMANDS and name in out


@pytest.mark.parametrize("name", ["run", "inspect", "schema", "paper", "sweep", "train"])
def test_every_subcommand_has_help(name, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([name, "--help"])
    assert exit_info.value.code == 0
    assert f"usage: accelsim {name}" in capsys.readouterr().out


def test_version(capsys):
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.startswith("accelsim 0.")
