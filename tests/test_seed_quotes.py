"""Sources quote the seed: every 「…」 fragment in a scenario file's sources occurs in its seed, word for word."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, TESTS

SEEDS = TESTS / "data" / "seeds"
# The abbreviations of spec's opening: which seed file each names.
SEED_OF = {"XZ": "000", "MJ": "001", "QJ": "002", "GS": "003", "SX": "004"}
SCENARIO_FILES = sorted((ROOT / "scenarios").rglob("*.yaml"))
QUOTED = re.compile(r"「([^」]*)」")
CITES = re.compile(r"\b(XZ|MJ|QJ|GS|SX)\b")


def _seed_text(number: str) -> str:
    (path,) = SEEDS.glob(f"{number}_*.txt")
    return path.read_text(encoding="utf-8")


def _sources(tree: object, path: tuple[str, ...] = ()):
    """(where, text) of every `source` string in a YAML tree."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            if key == "source" and isinstance(value, str):
                yield ".".join(path), value
            else:
                yield from _sources(value, path + (str(key),))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from _sources(value, path + (f"[{index}]",))


def _quotations(path: Path):
    """(where, seed number, fragment) of every quoted fragment, a quotation cut at each '…'."""
    tree = yaml.safe_load(path.read_text(encoding="utf-8"))
    file_seed = str(tree.get("document", {}).get("seed", "")) if isinstance(tree, dict) else ""
    for where, text in _sources(tree):
        for quotation in QUOTED.finditer(text):
            named = CITES.findall(text[: quotation.start()])  # the seed named last before the quotation
            seed = SEED_OF[named[-1]] if named else file_seed
            for fragment in quotation.group(1).split("…"):
                if fragment:
                    yield where, seed, fragment


QUOTATIONS = [(path, *quotation) for path in SCENARIO_FILES for quotation in _quotations(path)]


def test_scheme_files_quote_their_seeds() -> None:
    assert len(QUOTATIONS) >= 60
    assert {seed for _, _, seed, _ in QUOTATIONS} >= {"000", "001", "003", "004"}


@pytest.mark.parametrize("path,where,seed,fragment", QUOTATIONS,
                         ids=[f"{p.stem}:{w}:{i}" for i, (p, w, _, _) in enumerate(QUOTATIONS)])
def test_every_quoted_fragment_occurs_in_its_seed(path: Path, where: str, seed: str, fragment: str) -> None:
    assert seed in SEED_OF.values(), f"{path.name} {where}: a quotation with no seed named"
    assert fragment in _seed_text(seed), f"{path.name} {where}: 「{fragment}」 is not in seed {seed}"


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=[p.stem for p in SCENARIO_FILES])
def test_a_source_citing_a_seed_clause_quotes_it_or_says_paraphrase(path: Path) -> None:
    """A source that opens with a seed's abbreviation cites a clause: its own words, or a paraphrase marked."""
    tree = yaml.safe_load(path.read_text(encoding="utf-8"))
    bare = [(where, text) for where, text in _sources(tree)
            if re.match(r"(XZ|MJ|QJ|GS|SX)\b", text) and "「" not in text and "paraphrase" not in text]
    assert bare == []


def test_a_misquotation_is_caught() -> None:
    assert "政策外住院费用报销比例提高5个百分点" not in _seed_text("003")  # the seed says 政策内…
    assert "政策内住院费用报销比例提高5个百分点" in _seed_text("003")
