"""Population parameters: a preset file validated into arrays the generators read (every value cited)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

import numpy as np
from pydantic import PlainValidator, ValidationInfo, WithJsonSchema

from model.codes import ALSO_REGISTERED, CATEGORIES, CHRONIC_CODES, DISEASE_CODE, LEVELS, MAJOR_CODES
from model.errors import describe_found
from model.population.year import ByYear, SimulatedYear, found_within, YearFigures, reference_consumption, year_incomes
from model.scenario.messages import Origins, refuse, refuse_as, validated
from model.scenario.types import Cited, Name, Section, Text, in_order, named_type, pick, real, whole, within

AGE_BANDS = ("0-14", "15-34", "35-59", "60-79", "80-94")
AGE_LIMITS = np.array([[0, 14], [15, 34], [35, 59], [60, 79], [80, 94]])
INCOME_GROUPS = ("ordinary", "registered_poor", "registered_exited", "dibao", "extreme_poor")
SHARE_TOLERANCE = Decimal("0.000001")


@dataclass(frozen=True)
class PopulationParams:
    """A population file read for the simulation: county shape (km), household and person shares, illness rates, costs
    (fen) and the year's figures."""

    id: str
    name: dict[str, str]
    townships: int
    villages_per_township: int
    village_km: tuple[float, float]  # lognormal median, sigma
    township_km: tuple[float, float]  # uniform low, high
    bed_use_ratio: float  # the simulated persons' use of care relative to the county's residents
    county_residents: float  # the county's residents, whose beds the simulated persons share
    category_shares: np.ndarray  # [category]: each household's primary category
    also_registered_share: dict[str, float]  # of dibao and extreme-poor households, the share also registered poor
    exited_share: float  # of registered-poor households, in the simulated year
    size_shares: np.ndarray  # [category, size - 1]
    income: np.ndarray  # [income group, (median, sigma)], yuan a person a year, in the simulated year
    income_bounds: np.ndarray  # [income group, (low, high)] yuan a person a year: still poor below the line, exited above
    consumption_ratio: np.ndarray  # [category, (median, sigma)]
    age_shares: np.ndarray  # [category, age band]
    male_share: float
    chronic_poor_rr: float
    chronic_prevalence: np.ndarray  # [condition, age band], conditions in CHRONIC_CODES order
    certified_share: np.ndarray  # [condition]
    chronic_visits: np.ndarray  # [condition]
    chronic_cost: np.ndarray  # [condition] yuan a visit
    chronic_level_shares: np.ndarray  # [condition, level]
    outpatient_visits: np.ndarray  # [age band]
    outpatient_poor_rr: float
    outpatient_level_shares: np.ndarray  # [level]
    outpatient_person_spread: float | None  # gamma shape of a person's factor on their general visit rate; None: none
    admission_share: dict[str, float]  # poor, ordinary
    admission_age_rr: np.ndarray  # [age band]
    admission_chronic_rr: float
    repeat_admissions_mean: float
    chronic_cause_share: float
    major_codes: tuple[str, ...]
    major_incidence: np.ndarray  # per person a year
    major_admissions: np.ndarray
    major_cost_multiplier: np.ndarray
    major_child_only: np.ndarray  # bool
    treatable_below: np.ndarray  # [level]
    major_floor: float
    visit_mean: np.ndarray  # [level] yuan
    admission_mean: np.ndarray  # [level] yuan (village unused)
    sigma_visit: float
    sigma_chronic: float
    sigma_admission: float
    out_of_list_share: np.ndarray  # [level]
    out_of_list_spread: float
    year: YearFigures
    food_reference_consumption: float  # yuan a person a year at which the food share is the Engel coefficient

    @property
    def major_disease_codes(self) -> np.ndarray:
        return np.array([DISEASE_CODE[code] for code in self.major_codes], dtype=np.int16)


Share = real(0, 1)


def shares(keys: tuple[str, ...], required: bool = False):
    """Shares over `keys` adding up to 1, in the order of `keys` (keys left out are 0 unless required)."""
    read = in_order(keys, Share, required=required, default=0.0).__metadata__[0].func

    def check(value: object) -> np.ndarray:
        values = read(value)
        if abs(sum(Decimal(str(v)) for v in values) - 1) > SHARE_TOLERANCE:
            raise refuse("shares adding up to 1", found=f"a sum of {sum(values):.6g}")
        return np.array(values, dtype=np.float64)

    schema = {"type": "object", "propertyNames": {"enum": list(keys)},
              "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1},
              "description": "shares adding up to 1" + ("" if required else " (a key left out is 0)")}
    if required:
        schema["required"] = list(keys)
    return Annotated[np.ndarray, PlainValidator(check), WithJsonSchema(schema)]


def fields(keys: tuple[str, ...], *items: Any):
    """A small mapping with every one of `keys` (such as a lognormal's median and sigma), as a tuple of values."""
    reads = [item.__metadata__[0].func for item in items]

    def check(value: object) -> tuple:
        if not isinstance(value, dict):
            raise refuse(f"a mapping with keys among: {', '.join(keys)}")
        for key in value:
            if key not in keys:
                raise refuse_as(f"unknown key {str(key)!r} (expected one of: {', '.join(keys)})", at=(str(key),))
        for key in keys:
            if key not in value:
                raise refuse_as(f"missing key {key!r}")
        return tuple(within((key,), read, value[key]) for key, read in zip(keys, reads))

    return Annotated[tuple, PlainValidator(check), WithJsonSchema({
        "type": "object", "additionalProperties": False, "required": list(keys),
        "properties": {key: item.__metadata__[-1].json_schema for key, item in zip(keys, items)}})]


Lognormal = named_type("Lognormal", fields(("median", "sigma"), real(0), real(0, 5)))


def _township_km(value: object) -> tuple[float, float]:
    low, high = fields(("low", "high"), real(0), real(0)).__metadata__[0].func(value)
    if high < low:
        raise refuse(f"a number at least the low bound {low}", at=("high",))
    return low, high


TownshipKm = Annotated[tuple, PlainValidator(_township_km), WithJsonSchema({
    "type": "object", "additionalProperties": False, "required": ["low", "high"],
    "properties": {"low": {"type": "number", "minimum": 0}, "high": {"type": "number", "minimum": 0}},
    "description": "uniform between low and high km"})]


def _size_shares(value: object) -> np.ndarray:
    """[category, size - 1]: for every category, shares of household sizes 1-12 adding up to 1."""
    if not isinstance(value, dict):
        raise refuse(f"size shares for every category ({', '.join(CATEGORIES)})", found=describe_found(value))
    for key in value:
        if key not in CATEGORIES:
            raise refuse(f"a category ({', '.join(CATEGORIES)}) as key", found=repr(str(key)), at=(str(key),))
    by_size = shares(tuple(str(size) for size in range(1, 13))).__metadata__[0].func
    rows = []
    for category in CATEGORIES:
        if category not in value:
            raise refuse(f"size shares for every category ({', '.join(CATEGORIES)})", found=f"none for {category}")
        row = value[category]
        if not isinstance(row, dict):
            raise refuse("a mapping", at=(category,))
        for size in row:
            if not str(size).isdigit() or not 1 <= int(size) <= 12:
                raise refuse("a household size 1-12 as key", found=repr(str(size)), at=(category, str(size)))
        by_text = {str(size): share for size, share in row.items()}
        for size in sorted(by_text, key=int):
            found_within((category, size), Share.__metadata__[0].func, by_text[size])
        rows.append(within((category,), by_size, by_text))
    return np.array(rows)


SizeShares = Annotated[np.ndarray, PlainValidator(_size_shares), WithJsonSchema({
    "type": "object", "additionalProperties": False, "required": list(CATEGORIES),
    "properties": {category: {"type": "object", "propertyNames": {"pattern": "^([1-9]|1[0-2])$"},
                              "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1}}
                   for category in CATEGORIES},
    "description": "category: {household size 1-12: share}, shares adding up to 1"})]


def _exited_share(value: object) -> float | None:
    return None if value == "year" else Share.__metadata__[0].func(value)


ExitedShare = Annotated[float | None, PlainValidator(_exited_share), WithJsonSchema({
    "anyOf": [{"const": "year"}, {"type": "number", "minimum": 0, "maximum": 1}],
    "description": "'year': the national share of the simulated year; a number fixes it"})]


def _chronic_levels(value: object) -> np.ndarray:
    """[condition, level]: level shares for each chronic condition, `default` for those not named."""
    if not isinstance(value, dict) or "default" not in value:
        raise refuse("a 'default' entry of level shares", found="none" if isinstance(value, (dict, str)) else None)
    level_shares = shares(LEVELS).__metadata__[0].func
    default = within(("default",), level_shares, value["default"])
    for key in value:
        if key != "default" and key not in CHRONIC_CODES:
            raise refuse("a chronic code or 'default' as key", found=repr(str(key)), at=(str(key),))
    return np.array([within((code,), level_shares, value[code]) if code in value else default for code in CHRONIC_CODES])


ChronicLevels = Annotated[np.ndarray, PlainValidator(_chronic_levels), WithJsonSchema({
    "type": "object", "required": ["default"], "propertyNames": {"enum": ["default", *CHRONIC_CODES]},
    "additionalProperties": shares(LEVELS).__metadata__[-1].json_schema,
    "description": "where certified chronic visits happen: level shares, `default` for conditions not named"})]


def _treatable(value: object) -> np.ndarray:
    limits = np.array(in_order(LEVELS, Share).__metadata__[0].func(value))
    if np.any(np.diff(limits) < 0) or limits[-1] != 1.0:
        raise refuse("limits rising with the level and 1 at the province")
    return limits


Treatable = Annotated[np.ndarray, PlainValidator(_treatable), WithJsonSchema({
    "type": "object", "additionalProperties": False, "required": list(LEVELS),
    "properties": {level: {"type": "number", "minimum": 0, "maximum": 1} for level in LEVELS},
    "description": "severity limits rising with the level, 1 at the province"})]


# The major-disease tables are keyed by the codes the incidence table names (read first, kept in the context).
def _major_incidence(value: object, info: ValidationInfo) -> dict[str, float]:
    if not isinstance(value, dict):
        raise refuse(f"a mapping of major-disease codes ({', '.join(MAJOR_CODES)}) to new cases per 100,000 a year")
    for code in value:
        if code not in MAJOR_CODES:
            raise refuse(f"a major-disease code ({', '.join(MAJOR_CODES)})", found=repr(code), at=(str(code),))
    if info.context is not None:
        info.context["major_codes"] = tuple(value)
    read = in_order(tuple(value), real(0, 100_000)).__metadata__[0].func
    return dict(zip(value, read(value)))


def _by_major_code(item: Any):
    def check(value: object, info: ValidationInfo) -> list:
        return in_order((info.context or {}).get("major_codes", ()), item).__metadata__[0].func(value)

    return Annotated[list, PlainValidator(check), WithJsonSchema({
        "type": "object", "propertyNames": {"enum": list(MAJOR_CODES)}, "additionalProperties": item.__metadata__[-1].json_schema,
        "description": "a value for each code of incidence_per_100k"})]


def _child_only(value: object, info: ValidationInfo) -> tuple[str, ...]:
    return pick(value, (info.context or {}).get("major_codes", ()), "major-disease code", {})


MajorIncidence = Annotated[dict, PlainValidator(_major_incidence), WithJsonSchema({
    "type": "object", "propertyNames": {"enum": list(MAJOR_CODES)},
    "additionalProperties": {"type": "number", "minimum": 0, "maximum": 100_000}})]
ChildOnly = Annotated[tuple, PlainValidator(_child_only), WithJsonSchema({
    "type": "array", "items": {"enum": list(MAJOR_CODES)}, "description": "codes of incidence_per_100k"})]
ByAge = in_order(AGE_BANDS, real(0, 100))


class County(Section):
    """A population file's `county`: townships, villages a township, distances (km) and residents (persons)."""

    townships: Cited[whole(1, 1000)]
    villages_per_township: Cited[whole(1, 1000)]
    village_to_township_km: Cited[Lognormal]
    township_to_county_km: Cited[TownshipKm]
    residents: Cited[real(0, 1e8)]
    bed_use_relative_to_residents: Cited[real(0.01, 100)]


class Households(Section):
    """A population file's `households`: category shares, who is also registered or has exited poverty, household sizes
    and income a person (yuan, lognormal)."""

    category_shares: Cited[shares(CATEGORIES)]
    also_registered_share: Cited[in_order(tuple(ALSO_REGISTERED), Share)] = None
    exited_share: Cited[ExitedShare] = None
    size_shares: Cited[SizeShares]
    income_per_capita: Cited[in_order(INCOME_GROUPS, Lognormal)]
    consumption_to_income: Cited[in_order(CATEGORIES, Lognormal)]


class Persons(Section):
    """A population file's `persons`: age-band shares by category and the male share."""

    age_band_shares: Cited[in_order(CATEGORIES, shares(AGE_BANDS, required=True))]
    male_share: Cited[Share]


class Chronic(Section):
    """A population file's `illness.chronic`: prevalence by age, the poor's relative risk, certified shares, visits a
    year and cost a visit (yuan)."""

    poor_relative_risk: Cited[real(0, 10)]
    prevalence_by_age: Cited[in_order(CHRONIC_CODES, in_order(AGE_BANDS, Share))]
    certified_share: Cited[in_order(CHRONIC_CODES, Share)]
    visits_per_year: Cited[in_order(CHRONIC_CODES, whole(0, 366))]
    cost_per_visit: Cited[in_order(CHRONIC_CODES, real(0))]
    visit_level: Cited[ChronicLevels]


class Outpatient(Section):
    """A population file's `illness.outpatient`: visits a year by age, the poor's relative risk, the shares by level and
    how unevenly persons use general outpatient care (the shape of a gamma factor of mean 1 on each person's rate;
    absent: every person of an age band and group has the same rate)."""

    visits_per_year: Cited[in_order(AGE_BANDS, real(0, 365))]
    poor_relative_risk: Cited[real(0, 10)]
    level_shares: Cited[shares(LEVELS)]
    person_spread: Cited[real(0.01, 10_000)] = None


class Admissions(Section):
    """A population file's `illness.admissions`: share admitted (poor, ordinary), relative risks by age and chronic
    condition, repeat admissions and the chronic-caused share."""

    share_admitted: Cited[in_order(("poor", "ordinary"), real(0, 0.95))]
    relative_risk_by_age: Cited[ByAge]
    relative_risk_per_chronic_condition: Cited[real(0, 100)]
    repeat_admissions_mean: Cited[real(0, 20)]
    chronic_cause_share: Cited[Share]


class MajorDiseases(Section):
    """A population file's `illness.major_diseases`: incidence per 100,000, admissions a case, cost multipliers and the
    children-only diseases."""

    source: Any = None
    incidence_per_100k: Cited[MajorIncidence]
    admissions_per_case: Cited[_by_major_code(whole(1, 50))]
    cost_multiplier: Cited[_by_major_code(real(0, 100))]
    child_only: Cited[ChildOnly]


class Severity(Section):
    """A population file's `illness.severity`: the severity each level treats and the floor of a major disease's
    severity."""

    treatable_below: Cited[Treatable]
    major_disease_floor: Cited[Share]


class Illness(Section):
    """A population file's `illness`: chronic conditions, outpatient visits, admissions, major diseases and severity."""

    chronic: Chronic
    outpatient: Outpatient
    admissions: Admissions
    major_diseases: MajorDiseases
    severity: Severity


class Costs(Section):
    """A population file's `costs`: mean cost of a visit and an admission by level (yuan), their lognormal spreads, and
    the out-of-list share and spread."""

    visit_mean: Cited[in_order(LEVELS, real(0))]
    admission_mean: Cited[in_order(LEVELS[1:], real(0))]
    sigma: Cited[in_order(("visit", "chronic_visit", "admission"), real(0, 5))]
    out_of_list_share: Cited[in_order(LEVELS, real(0, 0.99))]
    out_of_list_spread: Cited[real(0.01, 10_000)]


class PopulationFile(Section):
    """A population preset (scenarios/populations/): a county's households, persons, illness and costs."""

    id: Text
    name: Name
    description: Any = None
    base: Any = None
    set: Any = None
    year: Cited[SimulatedYear]
    by_year: ByYear
    county: County
    households: Households
    persons: Persons
    illness: Illness
    costs: Costs

    def to_params(self) -> PopulationParams:
        figures = self.by_year.figures(self.year.value)
        households, illness, county = self.households, self.illness, self.county
        income, income_bounds = year_incomes(np.array(households.income_per_capita.value), figures)
        consumption_ratio = np.array(households.consumption_to_income.value)
        chronic, outpatient, admissions = illness.chronic, illness.outpatient, illness.admissions
        major, costs = illness.major_diseases, self.costs
        major_codes = tuple(major.incidence_per_100k.value)
        share_admitted = admissions.share_admitted.value
        sigma = costs.sigma.value
        exited_share = households.exited_share.value if households.exited_share is not None else None
        also_registered = households.also_registered_share
        return PopulationParams(
            id=self.id,
            name=self.name.model_dump(),
            townships=county.townships.value,
            villages_per_township=county.villages_per_township.value,
            village_km=county.village_to_township_km.value,
            township_km=county.township_to_county_km.value,
            bed_use_ratio=county.bed_use_relative_to_residents.value,
            county_residents=county.residents.value,
            category_shares=households.category_shares.value,
            also_registered_share=dict(zip(ALSO_REGISTERED, also_registered.value)) if also_registered is not None
            else dict.fromkeys(ALSO_REGISTERED, 0.0),
            # a county that knows its own exited share (a county profile) sets it; else the national share of the year
            exited_share=figures.exited_share if exited_share is None else exited_share,
            size_shares=households.size_shares.value,
            income=income,
            income_bounds=income_bounds,
            consumption_ratio=consumption_ratio,
            age_shares=np.array(self.persons.age_band_shares.value),
            male_share=self.persons.male_share.value,
            chronic_poor_rr=chronic.poor_relative_risk.value,
            chronic_prevalence=np.array(chronic.prevalence_by_age.value),
            certified_share=np.array(chronic.certified_share.value),
            chronic_visits=np.array(chronic.visits_per_year.value),
            chronic_cost=np.array(chronic.cost_per_visit.value),
            chronic_level_shares=chronic.visit_level.value,
            outpatient_visits=np.array(outpatient.visits_per_year.value),
            outpatient_poor_rr=outpatient.poor_relative_risk.value,
            outpatient_level_shares=outpatient.level_shares.value,
            outpatient_person_spread=outpatient.person_spread.value if outpatient.person_spread is not None else None,
            admission_share={"poor": share_admitted[0], "ordinary": share_admitted[1]},
            admission_age_rr=np.array(admissions.relative_risk_by_age.value),
            admission_chronic_rr=admissions.relative_risk_per_chronic_condition.value,
            repeat_admissions_mean=admissions.repeat_admissions_mean.value,
            chronic_cause_share=admissions.chronic_cause_share.value,
            major_codes=major_codes,
            major_incidence=np.array(list(major.incidence_per_100k.value.values())) / 100_000,
            major_admissions=np.array(major.admissions_per_case.value, dtype=np.int64),
            major_cost_multiplier=np.array(major.cost_multiplier.value),
            major_child_only=np.array([code in major.child_only.value for code in major_codes]),
            treatable_below=illness.severity.treatable_below.value,
            major_floor=illness.severity.major_disease_floor.value,
            visit_mean=np.array(costs.visit_mean.value),
            admission_mean=np.array([0.0] + costs.admission_mean.value),
            sigma_visit=sigma[0],
            sigma_chronic=sigma[1],
            sigma_admission=sigma[2],
            out_of_list_share=np.array(costs.out_of_list_share.value),
            out_of_list_spread=costs.out_of_list_spread.value,
            year=figures,
            food_reference_consumption=reference_consumption(income, consumption_ratio),
        )


def parse_population(section: object, origins: Origins, path: tuple[str, ...] = ("population",)) -> PopulationParams:
    """The population parameters of a scenario's `population` section (a preset merged into the scenario),
    or InputError naming file and field."""
    return validated(PopulationFile, section, origins, path).to_params()
