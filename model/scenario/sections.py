"""The scheme file's sections beside its rules: targets, programmes, capitation, fixed_prices and
pay_after_treatment, one pydantic model each (keys as in the YAML), read by the module that uses them."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, PlainValidator, ValidationInfo, WithJsonSchema, field_validator, model_validator

from model.codes import CATEGORIES, DISEASE_CODE, DISEASES, LEVEL_CODE, LEVELS
from model.scenario.messages import refuse
from model.scenario.types import (
    MONEY_SCHEMA, Cited, Money, Name, Rate, Section, Source, Text, choice, choices, keyed, named_type, number, to_fen, whole, within,
)

# -- targets (the scheme's own promises, model/outcomes/targets.py) ----------------------------------------------

COVERED = ("poor", "registered")


class TargetsFile(Section):
    """`targets:` the reimbursement a scheme promises the poor, and its cap on their compliant out-of-pocket."""

    reimbursement: Cited[Rate] = None
    oop_compliant_max: Cited[Rate] = None
    covers: Cited[choice(COVERED, "group")] = None


# -- pay after treatment (先诊疗后付费, model/care/debts.py) -----------------------------------------------------


class PayAfterTreatmentFile(Section):
    """`pay_after_treatment:` whose admissions may defer their out-of-pocket, how much, repaid how, lost how much."""

    categories: Cited[choices(CATEGORIES, "category")]
    levels: Cited[choices(LEVELS, "level")]
    deferred_share: Cited[Rate]
    instalment_months: Cited[whole(1, 24)]
    default_share: Cited[Rate]
    note: Any = None


# -- capitation (按人头打包, model/finance/capitation.py) --------------------------------------------------------

COVERS = ("registered", "all")
BUNDLABLE = ("bmi", "cii", "ma", "backstop", "supplementary")  # public funds: not the hospital's own, nor charity


class CapitationFile(Section):
    """`capitation:` whom the budget covers, and what each bundled payer puts in a covered person a year."""

    covers: Cited[choice(COVERS, "group covered")]
    per_capita: Cited[keyed(BUNDLABLE, "bundled payer", Money)]
    note: Any = None

    @model_validator(mode="after")
    def _someone_bundled(self) -> "CapitationFile":
        if not self.per_capita.value:
            raise refuse("at least one bundled payer with its amount a person a year", found="none", at=("per_capita",))
        return self


# -- fixed prices (单病种收费标准, model/care/pricing.py) -------------------------------------------------------

DISEASE_CODES = tuple(code for code in DISEASES if code)


def _prices(value: object) -> dict[str, dict[str, int]]:
    if not isinstance(value, dict):
        raise refuse("a mapping")
    prices: dict[str, dict[str, int]] = {}
    for disease, by_level in value.items():
        disease = str(disease)
        if disease not in DISEASE_CODE or not disease:
            raise refuse("a disease code of spec §5 as key", found=repr(disease), at=(disease,))
        if not isinstance(by_level, dict):
            raise refuse("a mapping", at=(disease,))
        prices[disease] = {}
        for level, amount in by_level.items():
            level = str(level)
            if level not in LEVEL_CODE:
                raise refuse(f"a level ({', '.join(LEVELS)}) as key", found=repr(level), at=(disease, level))
            prices[disease][level] = within((disease, level), to_fen, amount)
    return prices


Prices = named_type("Prices", Annotated[dict[str, dict[str, int]], PlainValidator(_prices), WithJsonSchema({
    "type": "object", "propertyNames": {"enum": list(DISEASE_CODES)}, "description": "yuan by disease code and level",
    "additionalProperties": {"type": "object", "propertyNames": {"enum": list(LEVELS)},
                             "additionalProperties": MONEY_SCHEMA}})])


class FixedPricesFile(Section):
    """`fixed_prices:` whose special-treatment admissions are billed at a fixed price, by disease and level."""

    required_keys: ClassVar[tuple[str, ...]] = ("prices", "categories")
    # categories are read before the prices: a section wrong in both names its categories
    categories: Cited[choices(CATEGORIES, "category")]
    prices: Cited[Prices]
    note: Any = None

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        return ("prices", "categories", "note")


# -- programmes (costs that are not claims, model/programmes/ledger.py) ------------------------------------------

PROGRAMME_LEVELS = ("central", "province", "prefecture", "county", "bmi_fund", "public_health")
SPLIT_KEYS = PROGRAMME_LEVELS + ("premium_subsidy",)
BASES = ("persons", "registered_persons", "registered_persons_65_plus", "poor_persons", "villages", "townships", "county")
SCOPES = ("county", "province")
_COUNTY_SHARE_STATED = "programmes: county_share stated"  # in the validation context, for the items' scope

_count = number(Decimal(0)).__metadata__[0].func
_basis = choice(BASES, "basis of units").__metadata__[0].func
_year = whole(1900, 2200).__metadata__[0].func


def _units(value: object) -> str | dict[int, Decimal] | Decimal:
    """A basis counted in the simulated population or county, a number, or numbers by year."""
    if isinstance(value, str):
        return _basis(value)
    if isinstance(value, dict):
        by_year = {}
        for year, count in value.items():
            year = str(year)
            if not (year.isascii() and year.isdigit()) or not 1900 <= int(year) <= 2200:
                raise refuse("a year (such as 2016) as key", found=repr(year), at=(year,))
            by_year[int(year)] = within((year,), _count, count)
        return by_year
    return _count(value)


def _years(value: object) -> tuple[int, ...]:
    if not isinstance(value, list):
        raise refuse("a list")
    return tuple(within((f"[{position}]",), _year, element) for position, element in enumerate(value))


Units = named_type("Units", Annotated[str | dict[int, Decimal] | Decimal, PlainValidator(_units), WithJsonSchema({
    "anyOf": [{"enum": list(BASES)}, {"type": "number", "minimum": 0},
              {"type": "object", "propertyNames": {"pattern": "^[0-9]{4}$"},
               "additionalProperties": {"type": "number", "minimum": 0}}],
    "description": "a basis counted in the simulated population or county, a number, or numbers by year"})])
Years = named_type("Years", Annotated[tuple[int, ...], PlainValidator(_years), WithJsonSchema({
    "type": "array", "items": {"type": "integer", "minimum": 1900, "maximum": 2200}})])


def _a_list(value: object) -> object:
    if not isinstance(value, list):
        raise refuse("a list")
    return value


class ProgrammeItem(Section):
    """One programme: units a year × unit cost, who pays how much of a unit, in which years."""

    required_keys: ClassVar[tuple[str, ...]] = ("id", "name", "source", "units", "unit_cost", "paid_by")
    # Read in this order (where the cost comes from first; its id and name last), the keys listed as written.
    source: Source
    units: Cited[Units]
    scope: Cited[choice(SCOPES, "scope")] = None
    unit_cost: Cited[Money]
    paid_by: Cited[keyed(SPLIT_KEYS, "payer level", Money)]
    years: Cited[Years] = None
    id: Text
    name: Name
    note: Any = None

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        return ("id", "name", "source", "units", "scope", "unit_cost", "paid_by", "years", "note")

    @field_validator("scope")
    @classmethod
    def _scope_fits(cls, scope: Cited, info: ValidationInfo) -> Cited:
        if scope.value != "province":
            return scope
        if not (info.context or {}).get(_COUNTY_SHARE_STATED):
            raise refuse("a ledger with a county_share for a province-wide item", found="no county_share")
        units = info.data.get("units")
        if units is not None and isinstance(units.value, str):
            raise refuse("a fixed number of units for a province-wide item", found=f"the basis {units.value!r}")
        return scope

    @field_validator("paid_by")
    @classmethod
    def _adds_up(cls, paid_by: Cited, info: ValidationInfo) -> Cited:
        unit_cost = info.data.get("unit_cost")
        if unit_cost is None:  # refused already
            return paid_by
        total = sum(paid_by.value.values())
        if total != unit_cost.value:
            raise refuse(f"amounts adding up to the unit cost, {unit_cost.value / 100:.2f}", found=f"{total / 100:.2f}")
        units = info.data.get("units")
        if "premium_subsidy" in paid_by.value and (units is None or units.value != "registered_persons"):
            raise refuse("premium_subsidy only for an item whose units are registered_persons")
        return paid_by


class ProgrammesFile(Section):
    """`programmes:` the ledger of programme costs; `county_share` scales province-wide items to the county."""

    county_share: Cited[number(Decimal(0), Decimal(1))] = None
    items: Annotated[list[ProgrammeItem], BeforeValidator(_a_list)]
    note: Any = None

    @classmethod
    def check(cls, data: dict, info: ValidationInfo) -> None:
        if info.context is not None:
            info.context[_COUNTY_SHARE_STATED] = "county_share" in data

    @model_validator(mode="after")
    def _ids_once(self) -> "ProgrammesFile":
        seen: set[str] = set()
        for position, item in enumerate(self.items):
            if item.id in seen:
                raise refuse("a programme id used once", found=repr(item.id), at=("items", position))
            seen.add(item.id)
        return self
