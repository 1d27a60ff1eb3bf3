"""`--hw TEXT`: a bare name is a bundled machine, anything that looks like a path is a path
(left for the loader to read or refuse), and an unknown bare name lists the bundled ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from accelsim.errors import ConfigError
from accelsim.presets import hardware_path, preset_names


def test_a_bare_name_is_a_preset_and_a_path_stays_a_path(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # no file named like a preset here
    assert hardware_path("edge1").name == "edge1.yaml" and hardware_path("edge1").is_file()
    # a suffix or a folder makes it a path, even where no such file exists (and even where a
    # preset of that stem does)
    for text in ("edge1.yaml", "nope.yaml", "some/edge1"):
        assert hardware_path(text) == Path(text)
    # an existing file of a preset's bare name wins over the preset
    (tmp_path / "edge1").write_text("name: mine\n")
    assert hardware_path("edge1") == Path("edge1")


def test_an_unknown_bare_name_lists_the_bundled_machines(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as caught:
        hardware_path("edge9")
    bundled = sorted(p.stem for p in (Path(__file__).parents[2] / "hardware").glob("*.yaml"))
    assert "edge1" in bundled and preset_names() == bundled
    assert str(caught.value) == (
        f"--hw edge9: no such file and no bundled machine of that name; bundled: "
        f"{', '.join(bundled)} (or give a path to a .yaml file)"
    )
