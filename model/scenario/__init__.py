"""Scenario files: load a scheme by id or path, apply reforms and --set overrides, validate every value."""

from __future__ import annotations

import hashlib
import importlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from collections.abc import Collection
from pathlib import Path

from model.errors import InputError
from model.scenario.resolve import (
    CARE_FOLDERS,
    OUTCOME_FOLDERS,
    POPULATION_FOLDERS,
    Resolver,
    known_scenarios,
    parse_cli_set,
    scenarios_dir,
    set_path,
)
from model.scenario.layers import Scheme
from model.scenario.scheme import SchemeFile
from model.scenario.messages import Origins, validated

__all__ = ["Scenario", "load_scenario", "known_scenarios", "scenarios_dir", "validate_sections", "validate_scheme"]


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: the scheme the engine settles with, and the merged tree it came from."""

    id: str
    name: dict[str, str]
    scheme: Scheme
    tree: dict
    path: Path
    sets: tuple[str, ...] = field(default=())
    origins: Origins | None = field(default=None, compare=False, repr=False)
    file: SchemeFile | None = field(default=None, compare=False, repr=False)  # the typed file, sources kept

    @property
    def content_hash(self) -> str:
        """sha256 of the merged tree (values and sources): two runs with equal hashes used equal rules."""
        canonical = json.dumps(self.tree, sort_keys=True, ensure_ascii=False, default=_json_default)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def label(self, lang: str = "en") -> str:
        return self.name.get(lang) or self.id


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def validate_scheme(tree: dict, origins: Origins) -> SchemeFile:
    """The resolved scheme tree validated against the scheme file's schema (header, rules, financing)."""
    return validated(SchemeFile, tree, origins, context={}, layers_by_id=True)


# The presets grafted into every scenario, each validated by the module that uses it (imported when needed,
# so that those modules may themselves import this package); the scheme's own sections (targets, programmes,
# capitation, fixed_prices, pay_after_treatment, financing) are validated with its rules (validate_scheme).
SECTION_READERS = {
    "population": "model.population:population_params",
    "care": "model.care.params:care_params",
    "outcomes": "model.outcomes.params:outcome_params",
}
DEFAULT_POPULATION = "poor_households"
DEFAULT_CARE = "default"
DEFAULT_OUTCOMES = "default"


@dataclass(frozen=True)
class _Sections:
    """What the section readers read of a scenario: its merged tree and where each part came from."""

    tree: dict
    origins: Origins


def validate_sections(tree: object, origins: Origins, sections: Collection[str] | None = None) -> None:
    """Validate the grafted presets of a merged scenario `tree` (population, care, outcomes), or raise
    InputError naming file and field.

    Parameters
    ----------
    tree : object
        The merged scenario tree.
    origins : Origins
        Where each part of the tree came from (the file named in a message).
    sections : collection of str, optional
        The presets to validate (keys of SECTION_READERS); all of them when None.
    """
    for key, reader in SECTION_READERS.items():
        if sections is not None and key not in sections:
            continue
        if isinstance(tree, dict) and key in tree:
            module_name, function = reader.split(":")
            getattr(importlib.import_module(module_name), function)(_Sections(tree, origins))


def _graft(tree: dict, origins: Origins, key: str, folders: tuple[str, ...], reference: str) -> None:
    """Put a preset (population, ...) under `key` of the scenario tree, keeping where each part came from."""
    section, section_origins, _ = Resolver(folders).resolve(reference)
    tree[key] = section
    origins.by_prefix[(key,)] = section_origins.default
    for prefix, label in section_origins.by_prefix.items():
        origins.by_prefix[(key,) + prefix] = label


def load_scenario(reference: str, sets: tuple[str, ...] | list[str] = (), population: str | None = None,
                  overrides: tuple[tuple[str, object, str], ...] = (),
                  sections: Collection[str] | None = None) -> Scenario:
    """Load a scheme id, scheme file or reform file with a population preset (default poor_households),
    apply `overrides` ((path, value, source): a replication's parameter draw), then `--set path=value`
    options (so what a user sets wins), and validate it all.

    A population preset given as the reference itself means: the baseline scheme with that population.
    `sections` names the grafted presets to validate besides the scheme (all of them when None): a command
    that only settles claims (hpa adjudicate) passes () and skips validating presets it never reads, so a
    preset it does not use cannot stop it; a preset an override or --set changes is validated all the same,
    so such a value is refused as before.
    """
    if population is None and reference in known_scenarios(POPULATION_FOLDERS):
        reference, population = "baseline", reference
    tree, origins, path = Resolver().resolve(reference)
    _graft(tree, origins, "population", POPULATION_FOLDERS, population or DEFAULT_POPULATION)
    _graft(tree, origins, "care", CARE_FOLDERS, DEFAULT_CARE)
    _graft(tree, origins, "outcomes", OUTCOME_FOLDERS, DEFAULT_OUTCOMES)
    changed: set[str] = set()  # the top-level keys an override or --set reaches
    for override_path, value, source in overrides:
        set_path(tree, override_path, value, source, "parameter uncertainty draw", origins)
        changed.add(override_path.split(".", 1)[0])
    for option in sets:
        set_path_text, value = parse_cli_set(option)
        origin = "command line --set"
        set_path(tree, set_path_text, value, f"command line: --set {option}", origin, origins)
        changed.add(set_path_text.split(".", 1)[0])
    if "id" not in tree:
        raise InputError(f"{path}: missing key 'id' (the scheme id)")
    scheme_file = validate_scheme(tree, origins)
    validate_sections(tree, origins, None if sections is None else set(sections) | changed)
    return Scenario(
        id=str(tree["id"]),
        name={"zh": scheme_file.name.zh, "en": scheme_file.name.en},
        scheme=scheme_file.to_scheme(str(tree["id"])),
        tree=tree,
        path=path,
        sets=tuple(sets),
        origins=origins,
        file=scheme_file,
    )
