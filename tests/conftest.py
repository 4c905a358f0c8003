"""Shared test helpers: paths, loading claim text, settling with both engines."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from hypothesis import settings

# `make test` (and so CI) runs the same hypothesis examples every time, so a test never fails by
# chance on a clean clone; HYPOTHESIS_PROFILE=explore draws fresh examples to search further.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore")
# `make fuzz`: the input fuzz suite (tests/test_fuzz_inputs.py) with many more examples, freshly drawn.
settings.register_profile("fuzz", database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
SPEC_CASES = TESTS / "cases" / "spec"
SEED_SCHEMES = ("baseline", "x_prefecture", "maiji_district", "sui_county", "gansu_province_2016")


def write_scheme(tmp_path: Path, tree: dict) -> str:
    """Write an inline scheme (a dict) to a file the loader can read; returns its path."""
    path = tmp_path / f"{tree['id']}.yaml"
    path.write_text(yaml.safe_dump(tree, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return str(path)


@pytest.fixture
def claims_file(tmp_path):
    """Write claims CSV text to a file and return its path."""

    def make(text: str, name: str = "claims.csv") -> Path:
        path = tmp_path / name
        path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        return path

    return make
