"""JSON Schemas of the scenario file kinds, generated from their models, for editors (scenarios/schema/).

`python -m model.schemas` writes them; a test checks the shipped files equal what the
models generate, so they never go stale.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

from model.care.params import CareFile
from model.outcomes.params import OutcomesFile
from model.population.params import PopulationFile
from model.scenario.resolve import scenarios_dir
from model.scenario.scheme import SchemeFile
from model.uncertainty.growth import GrowthFile
from model.uncertainty.spec import UncertaintyFile
from model.years.rules import YearsFile

SCHEMA_FOLDER = "schema"
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _scheme_as_written(schema: dict) -> dict:
    """The scheme model describes a file once resolved; a file as written may also name a `base` scheme
    (a reform: then only what it changes), `include` another scheme's layers or `copy` one layer."""
    layer = schema["$defs"]["LayerFile"]
    schema["$defs"]["Include"] = {
        "type": "object", "additionalProperties": False, "required": ["include", "source"],
        "description": "every layer of another scheme, narrowed by `when`",
        "properties": {"include": {"type": "string", "description": "a scheme id"},
                       "when": {"$ref": "#/$defs/When"}, "source": layer["properties"]["source"]},
    }
    copied = copy.deepcopy(layer["properties"])
    copied["copy"] = {"type": "object", "additionalProperties": False, "required": ["layer", "source"],
                      "properties": {"layer": {"type": "string", "description": "SCHEME.LAYER_ID"},
                                     "source": layer["properties"]["source"]}}
    schema["$defs"]["Copy"] = {
        "type": "object", "additionalProperties": False, "required": ["copy"], "properties": copied,
        "description": "one layer of another scheme, with the keys given here replacing its own",
    }
    entries = {"type": "array", "items": {"anyOf": [{"$ref": "#/$defs/LayerFile"}, {"$ref": "#/$defs/Include"},
                                                    {"$ref": "#/$defs/Copy"}]}}
    properties = schema["properties"]
    properties["layers"] = dict(entries, maxItems=properties["layers"].get("maxItems", 200))
    properties["add_layers"] = dict(entries, description="a reform's layers after its base scheme's")
    properties["base"] = {"type": "string", "description": "a reform's base scheme (an id or a file)"}
    properties["set"] = {"type": "object", "description": "dotted path (layers named by id): the new value",
                         "additionalProperties": {"type": "object", "required": ["value", "source"],
                                                  "properties": {"value": {}, "source": layer["properties"]["source"],
                                                                 "note": {}}, "additionalProperties": False}}
    schema["required"] = ["id"]
    return schema


def _preset_as_written(schema: dict) -> dict:
    """A population preset may name a `base` preset and `set` only what it changes (rural_county)."""
    source = {"type": "string", "minLength": 1, "description": "a published figure or 'assumed: why'"}
    properties = schema["properties"]
    properties["base"] = {"type": "string", "description": "the preset this one changes (an id or a file)"}
    properties["set"] = {"type": "object", "description": "dotted path: the new value",
                         "additionalProperties": {"type": "object", "required": ["value", "source"],
                                                  "properties": {"value": {}, "source": source, "note": {}},
                                                  "additionalProperties": False}}
    schema["required"] = ["id"]
    return schema


# kind -> (model, what a file of the kind is, how the file as written differs from the model)
KINDS = {
    "scheme": (SchemeFile, "A scheme, reform or reading file (scenarios/, scenarios/reforms/, scenarios/readings/)",
               _scheme_as_written),
    "care": (CareFile, "A care file (scenarios/care/): facilities, care-seeking, stays, cash flow, behaviour", None),
    "outcomes": (OutcomesFile, "An outcomes file (scenarios/outcomes/)", None),
    "years": (YearsFile, "A multi-year rules file (scenarios/years/): incomes, illness, poverty assessment, "
              "monitoring, demography and dated reforms", None),
    "uncertainty": (UncertaintyFile, "An uncertainty file (scenarios/uncertainty/): uncertain parameters, each a dotted "
                    "path with a cited distribution", None),
    "growth": (GrowthFile, "A growth file (scenarios/growth/): yearly growth of costs and use to a budget year", None),
    "population": (PopulationFile, "A population preset (scenarios/populations/): households, persons, illness, costs",
                   _preset_as_written),
}


def _inline_cited(schema: dict) -> dict:
    """Cited values written out where they are used: {value: <the value's schema>, source}, not as generic
    definitions named after pydantic's type parameters."""
    cited = {name for name in schema.get("$defs", {}) if "Cited" in name}

    def walk(node: object) -> object:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            name = ref.rsplit("/", 1)[-1]
            if name in cited:
                inlined = walk(copy.deepcopy(schema["$defs"][name]))
                inlined.pop("title", None)
                return {**inlined, **{k: walk(v) for k, v in node.items() if k != "$ref"}}
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    result = walk({key: value for key, value in schema.items() if key != "$defs"})
    result["$defs"] = {name: walk(value) for name, value in schema["$defs"].items() if name not in cited}
    return result


def schema_of(kind: str) -> dict:
    """The JSON Schema (draft 2020-12) of a scenario file kind."""
    model, title, as_written = KINDS[kind]
    schema = _inline_cited(model.model_json_schema(mode="validation"))
    if as_written is not None:
        schema = as_written(schema)
    return {"$schema": DIALECT, "$id": f"{kind}.schema.json", "title": title, **schema}


def schema_text(kind: str) -> str:
    """A kind's JSON Schema as shipped under scenarios/schema/: sorted keys, two-space indent, UTF-8 text.

    Parameters
    ----------
    kind : str
        One of KINDS.

    Returns
    -------
    str
    """
    return json.dumps(schema_of(kind), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def write_schemas(folder: Path) -> list[Path]:
    """Write every kind's JSON Schema into `folder` (KIND.schema.json).

    Parameters
    ----------
    folder : Path
        Created when missing.

    Returns
    -------
    list of Path
        The files written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in KINDS:
        path = folder / f"{kind}.schema.json"
        path.write_text(schema_text(kind), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_schemas(Path(sys.argv[1]) if len(sys.argv) > 1 else scenarios_dir() / SCHEMA_FOLDER):
        print(written_path)
