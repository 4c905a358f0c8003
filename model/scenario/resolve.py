"""Turning a scenario reference into one merged tree: reforms, included and copied layers, `set` overrides."""

from __future__ import annotations

import copy
import os
from pathlib import Path

from model.errors import InputError, describe_found
from model.scenario.messages import Origins, dotted
from model.scenario.scheme import MAX_LAYERS
from model.scenario.yamlio import parse_yaml_text, read_yaml

CITED_KEYS = ("value", "source", "note")


def scenarios_dir() -> Path:
    """The scenario library: $HPA_SCENARIOS, else the repository's scenarios/ folder."""
    override = os.environ.get("HPA_SCENARIOS")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[2] / "scenarios"


SCHEME_FOLDERS = ("", "reforms", "readings")
POPULATION_FOLDERS = ("populations",)
CARE_FOLDERS = ("care",)
OUTCOME_FOLDERS = ("outcomes",)


# Ids that spec versions renamed: a command or a run folder naming one is told the new id.
RENAMED = {"quanzhou_prefecture": "x_prefecture"}
RENAMED_WHY = {"quanzhou_prefecture": "seed 000's \"全州\" means \"the whole prefecture\"; the document calls itself X州"}


def known_scenarios(folders: tuple[str, ...] = SCHEME_FOLDERS) -> list[str]:
    """The scenario names shipped under scenarios/ (file stems), folder by folder, sorted.

    Parameters
    ----------
    folders : tuple of str
        Folders of scenarios/ looked in.

    Returns
    -------
    list of str
    """
    root = scenarios_dir()
    return [p.stem for folder in folders for p in sorted((root / folder).glob("*.yaml"))]


READINGS_FOLDER = "readings"


def readings_of(scheme_id: str) -> list[str]:
    """The readings users can choose for a scheme (scenarios/readings/, each a reform whose base is the scheme)."""
    found = []
    for path in sorted((scenarios_dir() / READINGS_FOLDER).glob("*.yaml")):
        raw = read_yaml(path)
        if isinstance(raw, dict) and raw.get("base") == scheme_id:
            found.append(path.stem)
    return found


def locate(reference: str, folders: tuple[str, ...] = SCHEME_FOLDERS) -> Path:
    """An id in the library (scenarios/ and its subfolders `folders`) or a path to a file."""
    as_path = Path(reference)
    if as_path.suffix in (".yaml", ".yml") or os.sep in reference or "/" in reference:
        if as_path.is_file() or as_path.is_fifo():
            return as_path
        if as_path.is_dir():
            raise InputError(f"{reference}: expected a scenario file, found a folder")
        if as_path.exists():
            raise InputError(f"{reference}: expected a scenario file, found a device or socket")
        raise InputError(f"{reference}: no such scenario file")
    root = scenarios_dir()
    for folder in folders:
        candidate = root / folder / f"{reference}.yaml"
        if candidate.is_file():
            return candidate
    if reference in RENAMED:
        raise InputError(
            f"scenario {reference!r} was renamed {RENAMED[reference]!r} in spec version 2 ({RENAMED_WHY[reference]}): "
            f"use {RENAMED[reference]}; a run folder made with the old id is re-run with the new one"
        )
    what = "scenario" if folders == SCHEME_FOLDERS else f"{folders[0].rstrip('s')} preset"
    raise InputError(
        f"{what} {reference!r}: not a file and not an id in {root / folders[0]} "
        f"(known: {', '.join(known_scenarios(folders))})"
    )


def is_cited(node: object) -> bool:
    """Whether a YAML node is a cited value: a mapping with `value` and `source` and no key beyond CITED_KEYS.

    Parameters
    ----------
    node : object
        A node of a scenario tree.

    Returns
    -------
    bool
    """
    return isinstance(node, dict) and "value" in node and "source" in node and set(node) <= set(CITED_KEYS)


def _layer_index(layers: list, layer_id: str) -> int | None:
    for index, layer in enumerate(layers):
        if isinstance(layer, dict) and layer.get("id") == layer_id:
            return index
    return None


def set_path(tree: dict, path_text: str, value: object, source: str, origin: str, origins: Origins) -> None:
    """Override the value at a dotted path (layers addressed by id); the path must exist.

    A cited value `{value, source}` gets the new value and the new source; a plain entry
    inside a cited value (one level of a by-level map, say) is replaced and the source of
    the cited value it sits in records the change.
    """
    keys = [key for key in path_text.split(".")]
    if not path_text or any(not key for key in keys):
        raise InputError(f"{origin}: {path_text!r}: expected a dotted path such as layers.LAYER_ID.coinsurance.rate")
    node: object = tree
    walked: list[str] = []
    nearest_cited: dict | None = None
    nearest_sourced: dict | None = None
    for position, key in enumerate(keys):
        last = position == len(keys) - 1
        if is_cited(node) and key not in CITED_KEYS:
            nearest_cited = node
            node = node["value"]
        if isinstance(node, dict) and "source" in node and not is_cited(node):
            nearest_sourced = node
        if isinstance(node, list):
            index = _layer_index(node, key)
            if index is None:
                ids = [item.get("id") for item in node if isinstance(item, dict) and "id" in item]
                raise InputError(
                    f"{origin}: {path_text}: no such path: {dotted(tuple(walked)) or 'the list'} has no entry "
                    f"{key!r} (it has: {', '.join(map(str, ids))})"
                )
            container, slot = node, index
        elif isinstance(node, dict):
            if key not in node and key.isdigit() and int(key) in node:  # YAML reads a year key as a number
                key = int(key)
            if key not in node:
                raise InputError(
                    f"{origin}: {path_text}: no such path: {dotted(tuple(walked))} has no key {key!r} "
                    f"(it has: {', '.join(map(str, node))})"
                )
            container, slot = node, key
        else:
            raise InputError(
                f"{origin}: {path_text}: no such path: {dotted(tuple(walked))} is a value "
                f"({describe_found(node)}), not a mapping"
            )
        walked.append(key)
        if last:
            target = container[slot]
            new_value = value["value"] if is_cited(value) else value
            new_source = value["source"] if is_cited(value) else source
            if is_cited(target):
                target["value"] = copy.deepcopy(new_value)
                target["source"] = new_source
            else:
                container[slot] = copy.deepcopy(new_value)
                annotated = nearest_cited if nearest_cited is not None else nearest_sourced
                if annotated is not None:
                    annotated["source"] = f"{annotated['source']}; {key} set by {new_source}"
            origins.mark(_origin_path(tree, keys), origin)
            return
        node = container[slot]


def _origin_path(tree: dict, keys: list[str]) -> tuple[str, ...]:
    # Paths in messages skip 'value' (the cited wrapper), as the validator's paths do.
    return tuple(key for key in keys if key != "value")


def _add_when(layer: dict, extra: dict, origin: str) -> None:
    """Narrow an included layer by extra filters (intersecting lists, agreeing flags)."""
    when = layer.setdefault("when", {})
    for key, wanted in extra.items():
        if key not in when:
            when[key] = copy.deepcopy(wanted)
        elif isinstance(wanted, bool) or isinstance(when[key], bool):
            if when[key] != wanted:
                raise InputError(f"{origin}: include.when.{key}: contradicts the included layer {layer.get('id')!r}")
        elif isinstance(wanted, list) and isinstance(when[key], list):
            when[key] = [item for item in when[key] if item in wanted]
        else:
            when[key] = copy.deepcopy(wanted)


MAX_FILES_READ = 100  # files one scenario may read through base, include and copy (each read counts)


class Resolver:
    """Loads scheme files and merges what they refer to, recording where each part came from.

    A file's `base`, `include` and `copy` are resolved with the same stack of files being read, so a
    cycle through any of them is named, and with one count of files read, so that files including
    each other many times over (without a cycle) cannot multiply the work without end."""

    def __init__(self, folders: tuple[str, ...] = SCHEME_FOLDERS, stack: list[Path] | None = None,
                 reads: list[int] | None = None) -> None:
        self._stack: list[Path] = [] if stack is None else stack
        self._reads = [0] if reads is None else reads
        self.folders = folders

    def _referred(self) -> "Resolver":
        """A resolver for a scheme this file refers to (by include or copy): same stack, same count."""
        return Resolver(SCHEME_FOLDERS, self._stack, self._reads)

    def resolve(self, reference: str, referrer: str | None = None) -> tuple[dict, Origins, Path]:
        """The merged tree of a scheme id or file; `referrer` (such as 'a.yaml: base') prefixes a message
        that the reference names no file."""
        try:
            path = locate(reference, self.folders)
        except InputError as exc:
            if referrer is None:
                raise
            raise InputError(f"{referrer}: {exc}") from None
        real = path.resolve()
        if real in self._stack:
            chain = " → ".join(p.name for p in self._stack + [real])
            raise InputError(f"{path}: refers back to itself ({chain})")
        self._reads[0] += 1
        if self._reads[0] > MAX_FILES_READ:
            chain = " → ".join(p.name for p in self._stack + [real])
            raise InputError(f"{self._stack[0] if self._stack else path}: expected at most {MAX_FILES_READ} scheme files "
                             f"read through base, include and copy, found more (at {chain})")
        self._stack.append(real)
        try:
            return self._resolve_file(path)
        finally:
            self._stack.pop()

    def _resolve_file(self, path: Path) -> tuple[dict, Origins, Path]:
        raw = read_yaml(path)
        origin = str(path)
        if not isinstance(raw, dict):
            raise InputError(f"{origin}: expected a mapping at the top level (id, name, layers, ...), found {describe_found(raw)}")
        if "base" in raw:
            base_ref = raw["base"]
            if not isinstance(base_ref, str):
                raise InputError(f"{origin}: base: expected a scheme id or file, found {describe_found(base_ref)}")
            tree, origins, _ = self.resolve(base_ref, f"{origin}: base")
            tree = copy.deepcopy(tree)
            tree["base"] = base_ref
            for key, value in raw.items():
                if key not in ("base", "set", "add_layers"):
                    tree[key] = copy.deepcopy(value)
                    origins.mark((key,), origin)
            if "add_layers" in raw:  # a reform that adds layers after the base scheme's (a charity layer, say)
                added = self._expand_layers(copy.deepcopy(raw["add_layers"]), origins, origin)
                if not isinstance(added, list):
                    raise InputError(f"{origin}: add_layers: expected a list of layers, found {describe_found(added)}")
                tree["layers"] = list(tree.get("layers", [])) + added
                for layer in added:
                    if isinstance(layer, dict):
                        origins.mark(("layers", str(layer.get("id"))), origin)
        else:
            tree = copy.deepcopy(raw)
            origins = Origins(origin)
            if "layers" in tree:
                tree["layers"] = self._expand_layers(tree["layers"], origins, origin)
        self._apply_sets(tree, raw.get("set"), origin, origins)
        return tree, origins, path

    def _expand_layers(self, layers: object, origins: Origins, origin: str) -> object:
        if not isinstance(layers, list):
            return layers  # the validator reports it
        expanded: list = []
        for position, item in enumerate(layers):
            if isinstance(item, dict) and "include" in item:
                expanded.extend(self._include(item, position, origins, origin))
            elif isinstance(item, dict) and "copy" in item:
                expanded.append(self._copy(item, position, origin))
            else:
                expanded.append(item)
            if len(expanded) > MAX_LAYERS:
                raise InputError(f"{origin}: layers: expected at most {MAX_LAYERS} layers (includes expanded), "
                                 f"found more by layers[{position}]")
        return expanded

    def _include(self, item: dict, position: int, origins: Origins, origin: str) -> list:
        where = f"{origin}: layers[{position}]"
        unknown = set(item) - {"include", "when", "source"}
        if unknown:
            raise InputError(f"{where}: unknown key {sorted(unknown)[0]!r} beside include (expected: include, when, source)")
        if not isinstance(item.get("source"), str) or not item["source"].strip():
            raise InputError(f"{where}.source: expected the source for including {item['include']!r}, found nothing")
        if not isinstance(item["include"], str):
            raise InputError(f"{where}.include: expected a scheme id, found {describe_found(item['include'])}")
        included, included_origins, _ = self._referred().resolve(item["include"], f"{where}.include")
        layers = copy.deepcopy(included.get("layers", []))
        extra = item.get("when") or {}
        if not isinstance(extra, dict):
            raise InputError(f"{where}.when: expected a mapping of filters, found {describe_found(extra)}")
        if not isinstance(layers, list) or not all(
                isinstance(layer, dict) and isinstance(layer.get("when", {}), dict) for layer in layers):
            raise InputError(f"{where}.include: expected a scheme whose layers are mappings (with `when` a mapping), "
                             f"found {describe_found(layers)} in {item['include']}")
        for layer in layers:
            _add_when(layer, extra, origin)
            layer_id = str(layer.get("id"))
            origins.mark(("layers", layer_id), included_origins.of(("layers", layer_id)))
        return layers

    def _copy(self, item: dict, position: int, origin: str) -> dict:
        where = f"{origin}: layers[{position}].copy"
        spec = item["copy"]
        if not isinstance(spec, dict) or set(spec) != {"layer", "source"} or not isinstance(spec.get("layer"), str):
            raise InputError(f"{where}: expected {{layer: SCHEME.LAYER_ID, source: \"why\"}}, found {describe_found(spec)}")
        scheme_ref, _, layer_id = spec["layer"].partition(".")
        if not layer_id:
            raise InputError(f"{where}.layer: expected SCHEME.LAYER_ID, found {spec['layer']!r}")
        other, _, _ = self._referred().resolve(scheme_ref, f"{where}.layer")
        index = _layer_index(other.get("layers", []), layer_id)
        if index is None:
            raise InputError(f"{where}.layer: scheme {scheme_ref!r} has no layer {layer_id!r}")
        layer = copy.deepcopy(other["layers"][index])
        for key, value in item.items():
            if key != "copy":
                layer[key] = copy.deepcopy(value)
        layer["source"] = f"{item.get('source', layer.get('source'))} (as {spec['layer']}: {spec['source']})"
        return layer

    def _apply_sets(self, tree: dict, sets: object, origin: str, origins: Origins) -> None:
        if sets is None:
            return
        if not isinstance(sets, dict):
            raise InputError(f"{origin}: set: expected a mapping of path: {{value, source}}, found {describe_found(sets)}")
        for path_text, entry in sets.items():
            if not is_cited(entry):
                raise InputError(
                    f"{origin}: set.{path_text}: expected {{value: ..., source: \"why\"}}, found {describe_found(entry)}"
                )
            set_path(tree, str(path_text), entry, entry["source"], origin, origins)


def parse_cli_set(option: str) -> tuple[str, object]:
    """'path=value' from the command line; the value is read as YAML (numbers exact, lists allowed)."""
    path, sep, text = option.partition("=")
    if not sep or not path.strip():
        raise InputError(f"--set {option!r}: expected path=value, such as layers.LAYER_ID.ceiling.amount=3000")
    value = parse_yaml_text(text, f"--set {path.strip()}") if text.strip() else None
    if value is None:
        raise InputError(f"--set {path.strip()}: expected a value after '=', found nothing")
    return path.strip(), value
