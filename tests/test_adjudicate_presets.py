"""What `hpa adjudicate` validates of a scenario: the scheme, and a grafted preset only where a --set changes it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import ROOT
from model.errors import InputError
from model.scenario import load_scenario


@pytest.fixture
def broken_population(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the scenario library whose default population preset has an exited share of 7."""
    library = tmp_path / "library"
    shutil.copytree(ROOT / "scenarios", library, ignore=shutil.ignore_patterns("*.json"))
    preset = library / "populations" / "poor_households.yaml"
    text = preset.read_text(encoding="utf-8")
    assert "    value: year\n" in text
    preset.write_text(text.replace("    value: year\n", "    value: 7\n", 1), encoding="utf-8")
    monkeypatch.setenv("HPA_SCENARIOS", str(library))
    return preset


def test_settling_does_not_validate_a_preset_it_never_reads(broken_population: Path) -> None:
    with pytest.raises(InputError, match=r"poor_households\.yaml.*exited_share.*found 7"):
        load_scenario("sui_county")
    assert load_scenario("sui_county", sections=()).scheme.id == "sui_county"


def test_a_preset_changed_by_set_is_validated_all_the_same() -> None:
    with pytest.raises(InputError, match=r"^command line --set: population\.households\.exited_share: "
                                         r"expected a number in \[0, 1\], found 7$"):
        load_scenario("sui_county", ["population.households.exited_share=7"], sections=())
    with pytest.raises(InputError, match=r"care\.nonexistent: no such path"):
        load_scenario("sui_county", ["care.nonexistent=7"], sections=())
