"""The tests' own copies of ../shared (spec cases, seeds) equal the originals wherever ../shared is present."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT, SPEC_CASES, TESTS

SHARED = ROOT.parent / "shared"
COPIES = [(SPEC_CASES, SHARED / "spec" / "cases"), (TESTS / "data" / "seeds", SHARED / "seeds")]


@pytest.mark.parametrize("copy,original", COPIES, ids=["spec_cases", "seeds"])
def test_copies_equal_shared(copy: Path, original: Path) -> None:
    if not original.is_dir():
        pytest.skip(f"{original} is not here (a clone without ../shared): the copies stand alone")
    ours = {p.name: p.read_bytes() for p in copy.iterdir() if p.is_file()}
    theirs = {p.name: p.read_bytes() for p in original.iterdir() if p.is_file()}
    assert sorted(ours) == sorted(theirs)
    assert [name for name in ours if ours[name] != theirs[name]] == []
