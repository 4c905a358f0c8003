"""Population parameters: a preset file validated into arrays the generators read (every value cited)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from model.codes import ALSO_REGISTERED, CATEGORIES, CHRONIC_CODES, DISEASE_CODE, LEVELS, MAJOR_CODES
from model.population.year import YearFigures, reference_consumption, year_figures, year_incomes
from model.scenario.node import Node

AGE_BANDS = ("0-14", "15-34", "35-59", "60-79", "80-94")
AGE_LIMITS = np.array([[0, 14], [15, 34], [35, 59], [60, 79], [80, 94]])
INCOME_GROUPS = ("ordinary", "registered_poor", "registered_exited", "dibao", "extreme_poor")
SHARE_TOLERANCE = Decimal("0.000001")


@dataclass(frozen=True)
class PopulationParams:
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


def _float(node: Node, low: float | None = 0, high: float | None = None) -> float:
    return float(node.number(Decimal(str(low)) if low is not None else None, Decimal(str(high)) if high is not None else None))


def _cited(node: Node) -> Node:
    return node.cited()[0]


def _keyed(node: Node, keys: tuple[str, ...], read, required: bool = True, default=None) -> list:
    """Values of a mapping in the order of `keys`; unknown keys refused, missing ones required or defaulted."""
    if not isinstance(node.value, dict):
        raise node.fail(f"a mapping with keys among: {', '.join(keys)}")
    for key, item in node.items():
        if key not in keys:
            raise item.fail(f"a key among: {', '.join(keys)}", found=repr(key))
    values = []
    for key in keys:
        if key in node.value:
            values.append(read(node.at(key, node.value[key])))
        elif required:
            raise node.fail(f"a value for {key!r}", found="none")
        else:
            values.append(default)
    return values


def _shares(node: Node, keys: tuple[str, ...], required: bool = False) -> np.ndarray:
    """Shares over `keys` adding up to 1 (keys left out are 0 unless required)."""
    values = _keyed(node, keys, lambda n: _float(n, 0, 1), required=required, default=0.0)
    if abs(sum(Decimal(str(v)) for v in values) - 1) > SHARE_TOLERANCE:
        raise node.fail("shares adding up to 1", found=f"a sum of {sum(values):.6g}")
    return np.array(values, dtype=np.float64)


def _lognormal(node: Node) -> tuple[float, float]:
    parts = node.mapping(("median", "sigma"), required=("median", "sigma"))
    return _float(parts["median"], 0), _float(parts["sigma"], 0, 5)


def _size_shares(node: Node) -> np.ndarray:
    rows = []
    for category in CATEGORIES:
        if category not in node.value:
            raise node.fail(f"size shares for every category ({', '.join(CATEGORIES)})", found=f"none for {category}")
        row_node = node.at(category, node.value[category])
        sizes = {}
        for size, share in row_node.items():
            if not size.isdigit() or not 1 <= int(size) <= 12:
                raise share.fail("a household size 1-12 as key", found=repr(size))
            sizes[int(size)] = share
        keys = tuple(str(s) for s in range(1, 13))
        shares = _shares(Node({str(k): v.value for k, v in sizes.items()}, row_node.path, row_node.origins), keys)
        rows.append(shares)
    return np.array(rows)


def parse(node: Node) -> PopulationParams:
    """Validate a population section (a preset merged into the scenario under `population`)."""
    from model.scenario.scheme import Name
    from model.scenario.types import validated

    parts = node.mapping(
        ("id", "name", "description", "base", "set", "year", "by_year", "county", "households", "persons", "illness", "costs"),
        required=("id", "name", "year", "by_year", "county", "households", "persons", "illness", "costs"),
    )
    county = parts["county"].mapping(
        ("townships", "villages_per_township", "village_to_township_km", "township_to_county_km", "residents",
         "bed_use_relative_to_residents"),
        required=("townships", "villages_per_township", "village_to_township_km", "township_to_county_km", "residents",
                  "bed_use_relative_to_residents"),
    )
    township_km = _cited(county["township_to_county_km"]).mapping(("low", "high"), required=("low", "high"))
    low, high = _float(township_km["low"]), _float(township_km["high"])
    if high < low:
        raise township_km["high"].fail(f"a number at least the low bound {low}")

    households = parts["households"].mapping(
        ("category_shares", "also_registered_share", "exited_share", "size_shares", "income_per_capita", "consumption_to_income"),
        required=("category_shares", "size_shares", "income_per_capita", "consumption_to_income"),
    )
    figures = year_figures(parts["year"], parts["by_year"])
    income, income_bounds = year_incomes(np.array(_keyed(_cited(households["income_per_capita"]), INCOME_GROUPS, _lognormal)), figures)
    consumption_ratio = np.array(_keyed(_cited(households["consumption_to_income"]), CATEGORIES, _lognormal))

    persons = parts["persons"].mapping(("age_band_shares", "male_share"), required=("age_band_shares", "male_share"))
    age_node = _cited(persons["age_band_shares"])

    illness = parts["illness"].mapping(
        ("chronic", "outpatient", "admissions", "major_diseases", "severity"),
        required=("chronic", "outpatient", "admissions", "major_diseases", "severity"),
    )
    chronic = illness["chronic"].mapping(
        ("poor_relative_risk", "prevalence_by_age", "certified_share", "visits_per_year", "cost_per_visit", "visit_level"),
        required=("poor_relative_risk", "prevalence_by_age", "certified_share", "visits_per_year", "cost_per_visit", "visit_level"),
    )
    prevalence = _keyed(_cited(chronic["prevalence_by_age"]), CHRONIC_CODES,
                        lambda n: _keyed(n, AGE_BANDS, lambda m: _float(m, 0, 1)))
    level_node = _cited(chronic["visit_level"])
    if "default" not in level_node.value:
        raise level_node.fail("a 'default' entry of level shares", found="none")
    default_levels = _shares(level_node.at("default", level_node.value["default"]), LEVELS)
    for key, _item in level_node.items():
        if key != "default" and key not in CHRONIC_CODES:
            raise _item.fail("a chronic code or 'default' as key", found=repr(key))
    chronic_levels = np.array([
        _shares(level_node.at(code, level_node.value[code]), LEVELS) if code in level_node.value else default_levels
        for code in CHRONIC_CODES
    ])

    outpatient = illness["outpatient"].mapping(
        ("visits_per_year", "poor_relative_risk", "level_shares"),
        required=("visits_per_year", "poor_relative_risk", "level_shares"),
    )
    admissions = illness["admissions"].mapping(
        ("share_admitted", "relative_risk_by_age", "relative_risk_per_chronic_condition", "repeat_admissions_mean",
         "chronic_cause_share"),
        required=("share_admitted", "relative_risk_by_age", "relative_risk_per_chronic_condition",
                  "repeat_admissions_mean", "chronic_cause_share"),
    )
    share_admitted = _keyed(_cited(admissions["share_admitted"]), ("poor", "ordinary"), lambda n: _float(n, 0, 0.95))
    major = illness["major_diseases"].mapping(
        ("source", "incidence_per_100k", "admissions_per_case", "cost_multiplier", "child_only"),
        required=("incidence_per_100k", "admissions_per_case", "cost_multiplier", "child_only"),
    )
    major_codes = tuple(key for key in _cited(major["incidence_per_100k"]).value)
    for code in major_codes:
        if code not in MAJOR_CODES:
            item = _cited(major["incidence_per_100k"]).at(code, None)
            raise item.fail(f"a major-disease code ({', '.join(MAJOR_CODES)})", found=repr(code))
    incidence = _keyed(_cited(major["incidence_per_100k"]), major_codes, lambda n: _float(n, 0, 100_000))
    per_case = _keyed(_cited(major["admissions_per_case"]), major_codes, lambda n: n.integer(1, 50))
    multiplier = _keyed(_cited(major["cost_multiplier"]), major_codes, lambda n: _float(n, 0, 100))
    child_only = _cited(major["child_only"]).choices(major_codes, "major-disease code")
    severity = illness["severity"].mapping(("treatable_below", "major_disease_floor"), required=("treatable_below", "major_disease_floor"))
    treatable = np.array(_keyed(_cited(severity["treatable_below"]), LEVELS, lambda n: _float(n, 0, 1)))
    if np.any(np.diff(treatable) < 0) or treatable[-1] != 1.0:
        raise _cited(severity["treatable_below"]).fail("limits rising with the level and 1 at the province")

    costs = parts["costs"].mapping(
        ("visit_mean", "admission_mean", "sigma", "out_of_list_share", "out_of_list_spread"),
        required=("visit_mean", "admission_mean", "sigma", "out_of_list_share", "out_of_list_spread"),
    )
    admission_mean = _keyed(_cited(costs["admission_mean"]), LEVELS[1:], lambda n: _float(n, 0))
    sigma = _keyed(_cited(costs["sigma"]), ("visit", "chronic_visit", "admission"), lambda n: _float(n, 0, 5))

    return PopulationParams(
        id=parts["id"].text(),
        name=validated(Name, parts["name"].value, node.origins, parts["name"].path).model_dump(),
        townships=_cited(county["townships"]).integer(1, 1000),
        villages_per_township=_cited(county["villages_per_township"]).integer(1, 1000),
        village_km=_lognormal(_cited(county["village_to_township_km"])),
        township_km=(low, high),
        bed_use_ratio=_float(_cited(county["bed_use_relative_to_residents"]), 0.01, 100),
        county_residents=_float(_cited(county["residents"]), 0, 1e8),
        category_shares=_shares(_cited(households["category_shares"]), CATEGORIES),
        also_registered_share=dict(zip(ALSO_REGISTERED, _keyed(_cited(households["also_registered_share"]), tuple(ALSO_REGISTERED),
                                                               lambda n: _float(n, 0, 1))))
        if "also_registered_share" in households else dict.fromkeys(ALSO_REGISTERED, 0.0),
        # a county that knows its own exited share (a county profile) sets it; else the national share of the year
        exited_share=(figures.exited_share if "exited_share" not in households or _cited(households["exited_share"]).value == "year"
                      else _float(_cited(households["exited_share"]), 0, 1)),
        size_shares=_size_shares(_cited(households["size_shares"])),
        income=income,
        income_bounds=income_bounds,
        consumption_ratio=consumption_ratio,
        age_shares=np.array(_keyed(age_node, CATEGORIES, lambda n: _shares(n, AGE_BANDS, required=True))),
        male_share=_float(_cited(persons["male_share"]), 0, 1),
        chronic_poor_rr=_float(_cited(chronic["poor_relative_risk"]), 0, 10),
        chronic_prevalence=np.array(prevalence),
        certified_share=np.array(_keyed(_cited(chronic["certified_share"]), CHRONIC_CODES, lambda n: _float(n, 0, 1))),
        chronic_visits=np.array(_keyed(_cited(chronic["visits_per_year"]), CHRONIC_CODES, lambda n: n.integer(0, 366))),
        chronic_cost=np.array(_keyed(_cited(chronic["cost_per_visit"]), CHRONIC_CODES, lambda n: _float(n, 0))),
        chronic_level_shares=chronic_levels,
        outpatient_visits=np.array(_keyed(_cited(outpatient["visits_per_year"]), AGE_BANDS, lambda n: _float(n, 0, 365))),
        outpatient_poor_rr=_float(_cited(outpatient["poor_relative_risk"]), 0, 10),
        outpatient_level_shares=_shares(_cited(outpatient["level_shares"]), LEVELS),
        admission_share={"poor": share_admitted[0], "ordinary": share_admitted[1]},
        admission_age_rr=np.array(_keyed(_cited(admissions["relative_risk_by_age"]), AGE_BANDS, lambda n: _float(n, 0, 100))),
        admission_chronic_rr=_float(_cited(admissions["relative_risk_per_chronic_condition"]), 0, 100),
        repeat_admissions_mean=_float(_cited(admissions["repeat_admissions_mean"]), 0, 20),
        chronic_cause_share=_float(_cited(admissions["chronic_cause_share"]), 0, 1),
        major_codes=major_codes,
        major_incidence=np.array(incidence) / 100_000,
        major_admissions=np.array(per_case, dtype=np.int64),
        major_cost_multiplier=np.array(multiplier),
        major_child_only=np.array([code in child_only for code in major_codes]),
        treatable_below=treatable,
        major_floor=_float(_cited(severity["major_disease_floor"]), 0, 1),
        visit_mean=np.array(_keyed(_cited(costs["visit_mean"]), LEVELS, lambda n: _float(n, 0))),
        admission_mean=np.array([0.0] + admission_mean),
        sigma_visit=sigma[0],
        sigma_chronic=sigma[1],
        sigma_admission=sigma[2],
        out_of_list_share=np.array(_keyed(_cited(costs["out_of_list_share"]), LEVELS, lambda n: _float(n, 0, 0.99))),
        out_of_list_spread=_float(_cited(costs["out_of_list_spread"]), 0.01, 10_000),
        year=figures,
        food_reference_consumption=reference_consumption(income, consumption_ratio),
    )


def validate(node: Node) -> None:
    parse(node)
