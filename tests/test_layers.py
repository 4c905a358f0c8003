"""Imports go one way: no module of model/ imports a later stage (read with ast, nothing imported).

STAGES is the one place the order is written down; README's Layout section draws the same stages. A unit is a
package (model/rules/) or a top-level module (model/money.py); units of one stage may import each other. Every
import counts, at module level or inside a function (a lazy import is still a dependency). KNOWN_VIOLATIONS lists
today's backward imports, each with the move of issue 12 that removes it: the test fails if a new one appears, and
also if a listed one has gone (so the list only shrinks: delete the entry when its move is merged).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

MODEL = Path(__file__).resolve().parents[1] / "model"

# Data flows down this list: a scenario file is validated, claims are settled under its scheme, a population is drawn,
# its care produces claims, outcomes are measured, replications are run and stored, reports read the run folder,
# and the commands and front ends drive all of it.
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("foundation", ("__init__", "errors", "money", "codes", "arrays", "textwidth", "seeds", "tables", "inputfile",
                    "outputs", "atomic", "arrowtext", "catalogue")),
    ("scenario", ("scenario",)),
    ("rules", ("rules",)),  # the claims contract and the settlement engine: care settles its claims with it
    ("population", ("population",)),
    ("care", ("care",)),
    ("outcomes", ("finance", "programmes", "outcomes")),
    ("runner", ("runner", "runfolder", "uncertainty", "years")),  # a run draws its parameters and follows its years
    ("report", ("report", "brief")),
    ("commands", ("drivers", "county", "web", "validation", "cli", "cli_args", "schemas", "__main__")),
)

# (importing file, imported unit): backward imports that a move of issue 12 removes. Delete an entry once merged.
KNOWN_VIOLATIONS: dict[tuple[str, str], str] = {}

STAGE_OF = {unit: index for index, (_, units) in enumerate(STAGES) for unit in units}


def unit_of(path: Path) -> str:
    parts = path.relative_to(MODEL).parts
    return parts[0] if len(parts) > 1 else path.stem


def imported_units(path: Path) -> set[str]:
    """The model units a file imports, at any depth of its code (absolute and relative imports)."""
    package = path.relative_to(MODEL.parent).with_suffix("").parts
    if path.name == "__init__.py":
        package = package[:-1] + ("__init__",)
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[:-node.level])
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # `from model import rules` names a unit in the imported names
            modules = [module] + [f"{module}.{alias.name}" for alias in node.names]
        else:
            continue
        for module in modules:
            parts = module.split(".")
            if parts[0] == "model" and len(parts) > 1 and parts[1] in STAGE_OF:
                found.add(parts[1])
    return found


def backward_imports() -> dict[tuple[str, str], str]:
    """(file, imported unit) → 'stage ← later stage' for every import of a later stage."""
    found = {}
    for path in sorted(MODEL.rglob("*.py")):
        unit = unit_of(path)
        for imported in imported_units(path):
            if imported != unit and STAGE_OF[imported] > STAGE_OF[unit]:
                name = str(path.relative_to(MODEL.parent))
                found[(name, imported)] = f"{STAGES[STAGE_OF[unit]][0]} imports {STAGES[STAGE_OF[imported]][0]}"
    return found


def test_every_unit_has_a_stage() -> None:
    units = {unit_of(path) for path in MODEL.rglob("*.py")}
    assert units - set(STAGE_OF) == set(), "place each new package or module in STAGES (tests/test_layers.py)"
    assert len(STAGE_OF) == sum(len(units) for _, units in STAGES), "a unit is in two stages"


def test_no_module_imports_a_later_stage() -> None:
    new = {key: why for key, why in backward_imports().items() if key not in KNOWN_VIOLATIONS}
    assert new == {}, "imports of a later stage (data flows one way; see STAGES):\n" + "\n".join(
        f"  {file} imports model.{unit}: {why}" for (file, unit), why in sorted(new.items()))


def test_known_violations_are_still_there() -> None:
    """A move that removed its backward import deletes its entry, so the allow-list only shrinks."""
    gone = sorted(set(KNOWN_VIOLATIONS) - set(backward_imports()))
    assert gone == [], f"these backward imports are gone: delete them from KNOWN_VIOLATIONS: {gone}"


@pytest.mark.parametrize("source, expected", [
    ("from model.report import figures\n", {"report"}),
    ("def f():\n    from model.runner.plan import RunPlan\n", {"runner"}),
    ("import model.care.simulate as s\n", {"care"}),
    ("from model import rules, money\n", {"rules", "money"}),
    ("from ..report.figures import x\n", {"report"}),
    ("from . import claims\n", {"rules"}),
    ("import numpy\nfrom modelx import y\n", set()),
])
def test_imports_are_found(tmp_path: Path, monkeypatch, source: str, expected: set[str]) -> None:
    """The checker itself sees absolute, relative, lazy and `from model import unit` imports."""
    root = tmp_path / "model"
    (root / "rules").mkdir(parents=True)
    path = root / "rules" / "x.py"
    path.write_text(source, encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "MODEL", root)
    assert imported_units(path) == expected


def test_readme_layout_draws_the_stages_in_order() -> None:
    """README's Layout section names every stage, in STAGES' order, and every package and module in its stage."""
    readme = (MODEL.parent / "README.md").read_text(encoding="utf-8")
    layout = readme.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    drawing = layout.split("```", 2)[1]
    stage_lines = [line.split()[0] for line in drawing.splitlines() if line[:1] == " " and line.split()
                   and line.split()[0] in {name for name, _ in STAGES}]
    assert stage_lines == [name for name, _ in STAGES]
    blocks = {}
    current = None
    for line in drawing.splitlines():
        words = line.split()
        if words and line[:1] == " " and words[0] in {name for name, _ in STAGES}:
            current = words[0]
        if current:
            blocks[current] = blocks.get(current, "") + line + "\n"
    for name, units in STAGES:
        for unit in units:
            if unit in ("__init__", "__main__"):
                continue
            shown = f"model/{unit}/" if (MODEL / unit).is_dir() else f"{unit}.py"
            assert shown in blocks[name], f"README Layout: {shown} belongs to the {name} stage"
