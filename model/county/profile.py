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


# The default county: a poverty county of ~39,000 poor persons (assumed: category sizes chosen to give about
# the household shares and exit share of scenarios/populations/poor_households.yaml).
FIELDS = (
    Field(("name",), "县名", "county name", "text", True, "示例县", "报告与简报中显示 / shown in the brief"),
    Field(("budget_year",), "预算年度", "budget year", "year", True, 2021, "测算的预算年度 / the year budgeted for"),
    Field(("scheme",), "保障方案", "scheme", "text", True, "sui_county",
          "已有方案编号（如 sui_county）或改革文件路径（相对本文件）/ a shipped scheme id or a reform file (relative to this file)"),
    Field(("persons", "registered_not_exited"), "建档立卡未脱贫人口", "registered poor, not exited", "count", True, 10500, "人 / persons"),
    Field(("persons", "registered_exited"), "建档立卡已脱贫人口", "registered poor, exited", "count", True, 19500, "人 / persons"),
    Field(("persons", "dibao"), "低保对象", "dibao recipients", "count", True, 9000, "人，含同时建档立卡者 / persons, including those also registered"),
    Field(("persons", "extreme_poor"), "特困供养人员", "extreme poor (tekun)", "count", True, 2000, "人，含同时建档立卡者 / persons, including those also registered"),
    Field(("persons", "dibao_also_registered"), "其中：低保且建档立卡", "of whom dibao and registered", "count", False, 2000, "人 / persons"),
    Field(("persons", "extreme_poor_also_registered"), "其中：特困且建档立卡", "of whom extreme poor and registered", "count", False, 200, "人 / persons"),
    Field(("townships",), "乡镇数", "townships", "count", True, 15, "个 / number"),
    Field(("residents",), "常住人口", "resident population", "count", False, None, "人；填写床位时必填 / persons; needed with beds"),
    Field(("beds", "township"), "乡镇卫生院床位", "township health centre beds", "count", False, None, "张，可不填 / beds, optional"),
    Field(("beds", "county"), "县级医院床位", "county hospital beds", "count", False, None, "张，可不填 / beds, optional"),
    Field(("last_year", "backstop"), "上年兜底保障实际支出", "last year's backstop outlay", "wan", False, None, "万元，可不填 / 10,000 yuan, optional"),
    Field(("last_year", "ma"), "上年医疗救助实际支出", "last year's medical assistance outlay", "wan", False, None, "万元，可不填 / 10,000 yuan, optional"),
    Field(("last_year", "supplementary"), "上年补充保险实际支出", "last year's supplementary insurance outlay", "wan", False, None, "万元，可不填 / 10,000 yuan, optional"),
    Field(("years",), "逐年测算年数", "years followed", "years", False, None,
          "年，可不填：从预算年度起逐年跟踪同一批家庭（脱贫、返贫、死亡与出生），1-30 / years, optional: the same "
          "households followed year by year from the budget year (exits, returns to poverty, deaths, births), 1-30"),
)
BY_KEY = {f.key: f for f in FIELDS}
BY_LABEL = {f.zh: f for f in FIELDS}
SHEET = "县域概况"
HEADER = ("项目 / item", "数值 / value", "说明 / note", "字段 / key")
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
