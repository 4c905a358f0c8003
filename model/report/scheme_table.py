"""The scheme parameters behind a run, reloaded from its manifest: every cited value with its source.

Layers come in settlement order; a scheme file that has changed since the run is flagged."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from model.codes import CATEGORY_NAMES, LEVEL_NAMES, SERVICE_NAMES
from model.errors import InputError
from model.report.texts import words
from model.runfolder import RunFolder

RULE_SECTIONS = ("payer_caps", "special_treatment", "financing")
SHARED_SECTIONS = ("population", "care", "outcomes")
LAYER_FRAME = ("id", "name", "payer", "source", "when")  # what a layer row shows by itself, not as parameters
WHEN_NAMES = {"categories": CATEGORY_NAMES, "services": SERVICE_NAMES, "levels": LEVEL_NAMES}


@dataclass(frozen=True)
class CitedValue:
    """One value of a scheme's parameters table: where it sits (section, layer, dotted path), the value as written and
    its source."""

    section: str  # layers, payer_caps, special_treatment, financing, population, care or outcomes
    group: str  # the layer id within layers; '' elsewhere
    path: str  # dotted, inside the group (or section)
    value: str
    source: str  # '' for a structural setting that carries no citation (such as a top-up's base)

    @property
    def key(self) -> tuple[str, str, str]:
        return self.section, self.group, self.path


@dataclass
class Layer:
    """A layer of a scheme as the parameters table shows it: its position in settlement order, id, name, payer, filter
    and cited values."""

    position: int  # 1 = settled first
    id: str
    name: dict
    payer: str
    when: dict
    source: str
    values: list[CitedValue]


@dataclass
class SchemeParameters:
    """A run's scheme as the parameters table shows it: its label, file, --set overrides, name, document, layers and
    cited values."""

    label: str
    file: str
    sets: list[str]
    name: dict = field(default_factory=dict)
    document: dict = field(default_factory=dict)
    in_force: dict = field(default_factory=dict)
    layers: list[Layer] = field(default_factory=list)
    rules: list[CitedValue] = field(default_factory=list)
    shared: list[CitedValue] = field(default_factory=list)
    error: str | None = None
    hash_changed: bool = False

    def values(self) -> dict[tuple[str, str, str], CitedValue]:
        everything = [v for layer in self.layers for v in layer.values] + self.rules + self.shared
        return {v.key: v for v in everything}


def show(value: object) -> str:
    """A value as a reader would write it: decimals as written, mappings as 'key value; ...', no limit as '—'."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {show(item)}" for key, item in value.items())
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(item, (list, tuple)) for item in value):
            return "; ".join("[" + ", ".join(show(part) for part in item) + "]" for item in value)
        return ", ".join(show(item) for item in value)
    return str(value)


def show_when(when: dict, lang: str) -> str:
    """A layer's filters in words: the codes named in the report's language."""
    keys = words("labels", lang)["when_keys"]
    separator = words("page", lang)["list_separator"]
    parts = []
    for key, value in (when or {}).items():
        names = WHEN_NAMES.get(key)
        if names and isinstance(value, (list, tuple)):
            text = separator.join(names.get(str(v), {}).get(lang, str(v)) for v in value)
        else:
            text = show(value)
        parts.append(f"{keys.get(key, key)}: {text}")
    return "; ".join(parts)


def cited_values(node: object, section: str, group: str = "", path: tuple[str, ...] = ()) -> list[CitedValue]:
    """Every {value, source} under `node` (and structural leaves, with no source), in file order."""
    if isinstance(node, dict) and "value" in node and "source" in node:
        return [CitedValue(section, group, ".".join(path), show(node["value"]), str(node["source"]))]
    if isinstance(node, dict):
        found = []
        for key, item in node.items():
            if key in ("id", "name", "description", "source") and not path:
                continue
            if key == "source" and isinstance(item, str):  # a source for the whole group of values around it
                found.append(CitedValue(section, group, ".".join(path), "", item))
                continue
            found += cited_values(item, section, group, path + (str(key),))
        return found
    if path:
        return [CitedValue(section, group, ".".join(path), show(node), "")]
    return []


def _layers(tree: dict) -> list[Layer]:
    layers = []
    for position, layer in enumerate(tree.get("layers") or [], start=1):
        body = {key: value for key, value in layer.items() if key not in LAYER_FRAME}
        layers.append(Layer(position, str(layer.get("id", position)), dict(layer.get("name") or {}),
                            str(layer.get("payer", "")), dict(layer.get("when") or {}), str(layer.get("source", "")),
                            cited_values(body, "layers", str(layer.get("id", position)))))
    return layers


def _reload(entry: dict, population: str | None):
    from model.scenario import load_scenario

    sets = tuple(entry.get("sets") or ())
    file = entry.get("file") or ""
    references = [file] if file and Path(file).is_file() else []
    if entry.get("reference"):
        references.append(str(entry["reference"]))
    if not references:
        raise InputError(f"{file or entry.get('label')}: the scheme file is no longer there")
    error: Exception | None = None
    for reference in references:
        try:
            return load_scenario(reference, sets, population=population)
        except InputError as exc:
            error = exc
    raise error  # type: ignore[misc]


def scheme_parameters(run: RunFolder) -> list[SchemeParameters]:
    """Each scenario of the run reloaded as the manifest names it (file, --set options, population preset)."""
    population = run.manifest.get("population")
    found = []
    for label in run.labels:
        entry = run.entry(label)
        parameters = SchemeParameters(label, str(entry.get("file", "")), list(entry.get("sets") or []),
                                      name=dict(entry.get("name") or {}))
        try:
            scenario = _reload(entry, population)
        except (InputError, OSError) as exc:
            parameters.error = str(exc)
            found.append(parameters)
            continue
        tree = scenario.tree
        parameters.hash_changed = bool(entry.get("content_hash")) and entry["content_hash"] != scenario.content_hash
        parameters.document = dict(tree.get("document") or {})
        parameters.in_force = dict(tree.get("in_force") or {})
        parameters.layers = _layers(tree)
        parameters.rules = [v for section in RULE_SECTIONS if section in tree
                            for v in cited_values(tree[section], section)]
        parameters.shared = [v for section in SHARED_SECTIONS if section in tree
                             for v in cited_values(tree[section], section)]
        found.append(parameters)
    return found


def differences(scheme: SchemeParameters, other: SchemeParameters) -> list[CitedValue]:
    """The values of `scheme` that `other` does not have or has otherwise (layers, rules and shared sections)."""
    theirs = other.values()
    return [value for key, value in scheme.values().items()
            if key not in theirs or (theirs[key].value, theirs[key].source) != (value.value, value.source)]
