"""A county profile (县域概况): what a finance officer knows about the county, read from YAML or the .xlsx template.

One table of fields (`FIELDS`) drives the YAML keys, the template's rows and every message, so the two forms
of the profile cannot drift apart.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from model.errors import InputError, describe_found
from model.report.texts import bilingual, entries


@dataclass(frozen=True)
class Field:
    """One thing the officer fills in: its YAML path, its labels, what it holds and whether it must be there."""

    path: tuple[str, ...]
    zh: str
    en: str
    kind: str  # text, year, count, wan (万元, a decimal ≥ 0)
    required: bool
    default: object  # the default county's value (None: left blank)
    note: str = ""

    @property
    def key(self) -> str:
        return ".".join(self.path)


# The profile's words (texts.yaml, group county_profile): each field's label and note, the sheet's name and header.
TEXTS = entries("county_profile")


def _joined(entry: dict[str, str]) -> str:
    """A note as the templates print it, 'Chinese / English' (after a full-width bracket, no space before the
    slash: the template has always printed it so)."""
    return f"{entry['zh']}/ {entry['en']}" if entry["zh"].endswith("）") else bilingual(entry)


def _field(path: tuple[str, ...], kind: str, required: bool, default: object) -> Field:
    """The field at `path` with its label and note from the catalogue."""
    texts = TEXTS["fields"][".".join(path)]
    return Field(path, texts["label"]["zh"], texts["label"]["en"], kind, required, default, _joined(texts["note"]))


# The default county: a poverty county of ~39,000 poor persons (assumed: category sizes chosen to give about
# the household shares and exit share of scenarios/populations/poor_households.yaml).
FIELDS = (
    _field(("name",), "text", True, TEXTS["default_name"]["zh"]),
    _field(("budget_year",), "year", True, 2021),
    _field(("scheme",), "text", True, "sui_county"),
    _field(("persons", "registered_not_exited"), "count", True, 10500),
    _field(("persons", "registered_exited"), "count", True, 19500),
    _field(("persons", "dibao"), "count", True, 9000),
    _field(("persons", "extreme_poor"), "count", True, 2000),
    _field(("persons", "dibao_also_registered"), "count", False, 2000),
    _field(("persons", "extreme_poor_also_registered"), "count", False, 200),
    _field(("townships",), "count", True, 15),
    _field(("residents",), "count", False, None),
    _field(("beds", "township"), "count", False, None),
    _field(("beds", "county"), "count", False, None),
    _field(("last_year", "backstop"), "wan", False, None),
    _field(("last_year", "ma"), "wan", False, None),
    _field(("last_year", "supplementary"), "wan", False, None),
    _field(("years",), "years", False, None),
)
BY_KEY = {f.key: f for f in FIELDS}
BY_LABEL = {f.zh: f for f in FIELDS}
SHEET = TEXTS["sheet"]["zh"]
HEADER = tuple(bilingual(entry) for entry in TEXTS["header"].values())
EXPECTED = {
    "text": "some text",
    "year": "a year such as 2021",
    "count": "a whole number ≥ 0",
    "wan": "an amount in 万元 (10,000 yuan) ≥ 0",
    "years": "a number of years from 1 to 30",
}
MAX_YEARS = 30  # as hpa run --years


@dataclass
class CountyProfile:
    """A validated profile. Persons are counts of people; `last_year` amounts are yuan."""

    file: Path
    name: str
    budget_year: int
    scheme: str  # a scheme id, or a file path resolved against the profile's folder
    persons: dict[str, int]
    townships: int
    residents: int | None = None
    beds: dict[str, int] = field(default_factory=dict)
    years: int | None = None  # follow the households this many years from the budget year (None: one year)
    last_year: dict[str, float] = field(default_factory=dict)  # yuan by payer
    where: dict[str, str] = field(default_factory=dict)  # field key → 'row N' or the YAML key, for messages

    def as_dict(self) -> dict:
        return {"file": str(self.file), "name": self.name, "budget_year": self.budget_year, "scheme": self.scheme,
                "persons": dict(self.persons), "townships": self.townships, "residents": self.residents,
                "beds": dict(self.beds), "last_year_yuan": dict(self.last_year), "years": self.years}


def _fail(file: Path, where: str, spec: Field, expected: str, found: object) -> InputError:
    return InputError(f"{file}: {where} ({spec.zh} / {spec.en}): expected {expected}, found {describe_found(found)}")


def _convert(file: Path, where: str, spec: Field, raw: object) -> object:
    """A cell or YAML value as the field's kind; None when blank."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if spec.kind == "text":
        if isinstance(raw, (dict, list)):
            raise _fail(file, where, spec, EXPECTED["text"], raw)
        return str(raw).strip()
    text = str(raw).strip().replace(",", "").replace("，", "") if not isinstance(raw, bool) else "bad"
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _fail(file, where, spec, EXPECTED[spec.kind], raw) from None
    if not number.is_finite() or number < 0:
        raise _fail(file, where, spec, EXPECTED[spec.kind], raw)
    if spec.kind == "wan":
        return float(number) * 10_000
    if number != number.to_integral_value():
        raise _fail(file, where, spec, EXPECTED[spec.kind], raw)
    value = int(number)
    if spec.kind == "year" and not 2000 <= value <= 2100:
        raise _fail(file, where, spec, "a year between 2000 and 2100", raw)
    if spec.kind == "years" and not 1 <= value <= MAX_YEARS:
        raise _fail(file, where, spec, EXPECTED["years"], raw)
    return value


def _from_yaml(file: Path, data: bytes) -> tuple[dict[str, object], dict[str, str]]:
    from model.scenario.yamlio import parse_yaml_text

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{file}: expected a UTF-8 YAML file, found bytes that are not UTF-8") from None
    tree = parse_yaml_text(text, str(file))
    if not isinstance(tree, dict):
        raise InputError(f"{file}: expected a mapping of county fields (name, budget_year, scheme, persons, ...), "
                         f"found {describe_found(tree)}")
    values: dict[str, object] = {}
    where: dict[str, str] = {}
    known_tops = {f.path[0] for f in FIELDS}

    def walk(node: dict, prefix: tuple[str, ...]) -> None:
        for key, value in node.items():
            path = prefix + (str(key),)
            dotted = ".".join(path)
            if dotted in BY_KEY:
                values[dotted] = value
                where[dotted] = f"field {dotted}"
            elif isinstance(value, dict) and any(f.path[:len(path)] == path for f in FIELDS):
                walk(value, path)
            elif value is None and any(f.path[:len(path)] == path for f in FIELDS):
                continue  # a group left empty: all its fields blank
            else:
                choices = sorted(known_tops) if not prefix else [f.path[-1] for f in FIELDS if f.path[:-1] == prefix]
                raise InputError(f"{file}: field {dotted}: expected one of {', '.join(choices)}, found {key!r}")

    walk(tree, ())
    return values, where


def _from_xlsx(file: Path, data: bytes) -> tuple[dict[str, object], dict[str, str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise InputError(f"{file}: expected an Excel workbook (.xlsx), found a file openpyxl cannot open ({type(exc).__name__})") from None
    sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
    values: dict[str, object] = {}
    where: dict[str, str] = {}
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = list(row) + [None] * 4
        label, value, key = cells[0], cells[1], cells[3]
        if number == 1 or (label is None and key is None):
            continue
        key_text = str(key).strip() if key is not None else ""
        spec = BY_KEY.get(key_text) or BY_LABEL.get(str(label or "").strip())
        if spec is None:
            raise InputError(f"{file}: sheet {sheet.title}, row {number}: expected a field of the template "
                             f"(column D one of {', '.join(BY_KEY)}), found {describe_found(key_text or label)}")
        values[spec.key] = value
        where[spec.key] = f"sheet {sheet.title}, row {number}"
    return values, where


def load_profile(path: Path | str) -> CountyProfile:
    """Read and check a county profile (.yaml/.yml or .xlsx); one InputError naming file, row or field on a fault."""
    file = Path(path)
    if not file.is_file():
        raise InputError(f"{file}: expected a county profile file (.yaml or .xlsx), found no such file")
    data = file.read_bytes()
    if file.suffix.lower() == ".xlsx":
        raw, where = _from_xlsx(file, data)
    elif file.suffix.lower() in (".yaml", ".yml"):
        raw, where = _from_yaml(file, data)
    else:
        raise InputError(f"{file}: expected a county profile ending .yaml, .yml or .xlsx, found {file.suffix or 'no suffix'!r}")
    values: dict[str, object] = {}
    for spec in FIELDS:
        place = where.get(spec.key, f"field {spec.key}")
        value = _convert(file, place, spec, raw.get(spec.key))
        if value is None and spec.required:
            raise _fail(file, place, spec, EXPECTED[spec.kind], None)
        values[spec.key] = value
    persons = {f.path[1]: int(values[f.key] or 0) for f in FIELDS if f.path[0] == "persons"}
    for overlap, total in (("dibao_also_registered", "dibao"), ("extreme_poor_also_registered", "extreme_poor")):
        if persons[overlap] > persons[total]:
            spec = BY_KEY[f"persons.{overlap}"]
            raise _fail(file, where.get(spec.key, f"field {spec.key}"), spec, f"at most {BY_KEY['persons.' + total].zh} ({persons[total]:,})", persons[overlap])
        if persons[overlap] > persons["registered_not_exited"] + persons["registered_exited"]:
            spec = BY_KEY[f"persons.{overlap}"]
            raise _fail(file, where.get(spec.key, f"field {spec.key}"), spec, "at most the registered poor (not exited + exited)", persons[overlap])
    if sum(counted_persons(persons).values()) == 0:
        spec = BY_KEY["persons.registered_not_exited"]
        raise _fail(file, where.get(spec.key, f"field {spec.key}"), spec, "some poor persons in the county (all categories are 0)", 0)
    if values["townships"] == 0:
        spec = BY_KEY["townships"]
        raise _fail(file, where.get(spec.key, "field townships"), spec, "at least 1 township", 0)
    beds = {f.path[1]: int(values[f.key]) for f in FIELDS if f.path[0] == "beds" and values[f.key] is not None}
    if beds and not values["residents"]:
        spec = BY_KEY["residents"]
        raise _fail(file, where.get(spec.key, "field residents"), spec, "the resident population when beds are given", values["residents"])
    scheme = str(values["scheme"])
    if scheme.endswith((".yaml", ".yml")) and not Path(scheme).is_absolute():
        scheme = str((file.parent / scheme).resolve())
    return CountyProfile(
        file=file, name=str(values["name"]), budget_year=int(values["budget_year"]), scheme=scheme, persons=persons,
        townships=int(values["townships"]), residents=values["residents"], beds=beds, years=values["years"],
        last_year={f.path[1]: float(values[f.key]) for f in FIELDS if f.path[0] == "last_year" and values[f.key] is not None},
        where=where,
    )


def counted_persons(persons: dict[str, int]) -> dict[str, int]:
    """Persons by the model's one category per household. A person on two lists is counted once, as registered
    poor (assumed: the model gives each household one category; the registered poor's exit state and backstop
    matter most to the budget)."""
    return {
        "registered_not_exited": persons["registered_not_exited"],
        "registered_exited": persons["registered_exited"],
        "dibao": persons["dibao"] - persons["dibao_also_registered"],
        "extreme_poor": persons["extreme_poor"] - persons["extreme_poor_also_registered"],
    }
