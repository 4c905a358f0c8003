"""`hpa validate`, protection section: catastrophic spending, impoverishment and the schemes' effect beside
published figures for China's rural and poor households, each marked a calibration or a validation target."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from pydantic import ValidationInfo

from model.care.params import care_params
from model.care.simulate import People, draw_people, provide_care
from model.codes import CATEGORY_CODE, LEVEL_CODE, SERVICE_CODE
from model.outcomes.metrics import OutcomeAccumulator, household_outcomes, quintile_edges
from model.outcomes.params import outcome_params
from model.outcomes.protection import PROTECTION_METRICS, subsistence_per_equivalent_adult
from model.population.year import ORDINARY
from model.rules.engine import settle_pools
from model.scenario import Scenario, known_scenarios, load_scenario
from model.scenario.resolve import scenarios_dir
from model.scenario.messages import Origins, refuse, refuse_as, validated
from model.scenario.types import Cited, Name, Section, Text, keyed, number, real, whole
from model.scenario.yamlio import read_yaml

INPATIENT, CHRONIC, OUTPATIENT = (SERVICE_CODE[name] for name in ("inpatient", "chronic_outpatient", "outpatient"))
CALIBRATION, VALIDATION = "calibration", "validation"

# The validation targets' published figures and their bands live in scenarios/validation/protection.yaml;
# each target id names how the model's figure is computed (protection_checks).
TARGETS_FILE = ("validation", "protection.yaml")
TARGET_IDS = ("che_ctp40_rural", "impoverishment_rural", "inpatient_oop_share_nonpoor", "inpatient_oop_share_poor",
              "inpatient_oop_share_cut", "che_10_cut")
POINTS_TARGETS = ("che_10_cut",)  # differences of two rates, in percentage points (unit "points"); the others are shares


Z95 = 1.959963984540054  # the standard normal's 97.5th percentile


def wilson_interval(share: float, n: int) -> tuple[float, float]:
    """The 95% Wilson score interval of a proportion `share` observed in a sample of `n`."""
    centre = (share + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 / (1 + Z95**2 / n) * (share * (1 - share) / n + Z95**2 / (4 * n**2)) ** 0.5
    return centre - half, centre + half


class Estimate(Section):
    """A published estimate (a share or a difference of shares), with its 95% interval where published, or the
    size of the sample a share was estimated on where the study gives that and no interval."""

    estimate: number(Decimal(-1), Decimal(1))
    low: real(-1, 1) = None
    high: real(-1, 1) = None
    sample_size: whole(1, 10**9) = None

    @classmethod
    def check(cls, data: dict, info: ValidationInfo) -> None:
        if ("low" in data) != ("high" in data):
            raise refuse_as("expected both 'low' and 'high' (a published interval), or neither")
        if "sample_size" in data and "low" in data:
            raise refuse_as("expected a published interval ('low', 'high') or a 'sample_size', not both")

    def interval(self) -> tuple[float, float]:
        """The published interval; else, for a share whose study gives its sample size, the 95% Wilson interval of
        that share in that sample; else the point widened by half a unit of its last published digit."""
        if self.low is not None:
            return self.low, self.high
        if self.sample_size is not None:
            return wilson_interval(float(self.estimate), self.sample_size)
        half_unit = Decimal(1).scaleb(self.estimate.as_tuple().exponent) / 2
        return float(self.estimate - half_unit), float(self.estimate + half_unit)


class Target(Section):
    """One validation target of the targets file: the quantity, what it is compared with, its band of published
    estimates and their context."""

    quantity: Name
    compared: Text
    band: list[Cited[Estimate]]
    context: list[Cited[Estimate]] = None

    @classmethod
    def check(cls, data: dict, info: ValidationInfo) -> None:
        if not isinstance(data["band"], list) or not data["band"]:
            raise refuse("at least one estimate that sets the band", at=("band",))

    def bounds(self) -> tuple[float, float]:
        """The hull of the band estimates' intervals."""
        intervals = [estimate.value.interval() for estimate in self.band]
        return min(low for low, _ in intervals), max(high for _, high in intervals)


class TargetsFile(Section):
    """The validation targets file (scenarios/validation/protection.yaml)."""

    id: Text
    name: Name
    band_rule: Text
    targets: keyed(TARGET_IDS, "validation target", Target)

    @classmethod
    def check(cls, data: dict, info: ValidationInfo) -> None:
        if isinstance(data["targets"], dict):
            for target in TARGET_IDS:
                if target not in data["targets"]:
                    raise refuse_as(f"missing key {target!r}", at=("targets",))


def protection_targets() -> TargetsFile:
    """The validation targets and their published figures, or InputError naming the file and field."""
    path = scenarios_dir().joinpath(*TARGETS_FILE)
    return validated(TargetsFile, read_yaml(path), Origins(str(path)))


def _validation_check(check_type, targets: TargetsFile, target_id: str, population: str, simulated: float,
                      by_scheme: dict[str, float] | None = None):
    """A validation target's check; `by_scheme` (a mean's parts) is printed beside it, so a reader sees the spread
    the mean hides."""
    target = targets.targets[target_id]
    low, high = target.bounds()
    context = "; ".join(f"{float(estimate.value.estimate):.4g}: {' '.join(estimate.source.split())}"
                        for estimate in target.context or ())
    detail = (f"compared: {' '.join(target.compared.split())}"
              + (" | by scheme: " + ", ".join(f"{name} {value:.4g}" for name, value in by_scheme.items()) if by_scheme else "")
              + (f" | context, no band: {context}" if context else ""))
    return check_type(f"{target.quantity.zh} / {target.quantity.en}", population, simulated,
                      float(target.band[0].value.estimate), low, high,
                      "; ".join(" ".join(estimate.source.split()) for estimate in target.band),
                      unit="points" if target_id in POINTS_TARGETS else "", role=VALIDATION, detail=detail,
                      target=target_id)


def poverty_schemes() -> list[str]:
    """The seed schemes in the library besides the baseline (reforms left out)."""
    return [name for name in known_scenarios(("",)) if name != "baseline"]


def protection_outcomes(scenario: Scenario, people: People, claims, settlement, stays, routes) -> dict[str, float]:
    """One replication's metrics of a settled population, subsistence from all its households."""
    population = people.population
    params = outcome_params(scenario)
    accumulator = OutcomeAccumulator(params, care_params(scenario), None,
                                     quintile_edges(population.household_income / 100 / population.household_size),
                                     subsistence=subsistence_per_equivalent_adult(population.household_consumption,
                                                                      population.household_food, population.household_size, params))
    accumulator.add(people, claims, settlement)
    return accumulator.finish(stays, routes).metrics


def inpatient_oop_share(claims, settlement, rows: np.ndarray) -> float:
    """The out-of-pocket share of inpatient costs among the claims `rows` selects.

    Parameters
    ----------
    claims : ClaimArrays
        The claims (totals in fen).
    settlement : Settlement
        Their settlement; the last column of `amounts` is out-of-pocket (fen).
    rows : numpy.ndarray
        bool, one a claim: the claims counted.

    Returns
    -------
    float
        Out-of-pocket ÷ total cost of the selected inpatient claims; NaN when there are none.
    """
    at = rows & (claims.service == INPATIENT)
    total = claims.total[at].sum()
    return float(settlement.amounts[at, -1].sum() / total) if total else float("nan")


# Where out-of-pocket comes from, by the care it paid for: each source's name and the claims it takes.
OOP_SOURCES = {
    "outpatient_primary": {"zh": "普通门诊（村、乡镇）", "en": "general visits, village and township"},
    "outpatient_county_up": {"zh": "普通门诊（县及以上）", "en": "general visits, county and above"},
    "chronic_outpatient": {"zh": "门诊慢特病", "en": "certified chronic visits"},
    "inpatient": {"zh": "住院", "en": "admissions"},
}
GENERAL_ONLY = {"zh": "仅普通门诊自付即超过收入10%的户占比", "en": "households whose OOP on general visits alone is > 10% of income"}


def oop_sources(scenario: Scenario, people: People, claims, settlement) -> dict[str, float]:
    """Where a population's out-of-pocket comes from under one scheme.

    Returns
    -------
    dict
        ``cost_SOURCE`` and ``oop_SOURCE`` for each of OOP_SOURCES: total cost and out-of-pocket, yuan a person a
        year; ``che_10_general_outpatient``: the share of households whose out-of-pocket on general visits alone
        exceeds 10% of their income (che_10's definition, on those claims only).
    """
    oop = settlement.amounts[:, -1]
    general = claims.service == OUTPATIENT
    primary = claims.level <= LEVEL_CODE["township"]
    rows = {"outpatient_primary": general & primary, "outpatient_county_up": general & ~primary,
            "chronic_outpatient": claims.service == CHRONIC, "inpatient": claims.service == INPATIENT}
    persons = max(people.population.n_persons, 1)
    found = {}
    for source, at in rows.items():
        found[f"cost_{source}"] = int(claims.total[at].sum()) / 100 / persons
        found[f"oop_{source}"] = int(oop[at].sum()) / 100 / persons
    general_oop = np.where(general, oop, 0)
    found["che_10_general_outpatient"] = float(household_outcomes(people, claims, general_oop, outcome_params(scenario))["che_10"].mean())
    return found


def settled_population(scenarios: dict[str, Scenario], scheme: str, persons: int, seed: int, replication: int = 0):
    """One population under every compared scheme: its people (drawn under `scheme`), their claims, each scheme's
    settlement, and every protection metric by scheme."""
    reference = scenarios[scheme]
    people = draw_people(reference, persons, seed, replication)
    care = provide_care(reference, people, multiplier=None)
    claims = care.claims.claims
    settled = {name: settle_pools(s.scheme, claims) for name, s in scenarios.items()}
    tables = {name: protection_outcomes(scenarios[name], people, claims, settled[name], care.stays, care.routes)
              for name in scenarios}
    return people, claims, settled, tables


def target_values(population: str, scheme: str, claims, settled: dict, tables: dict) -> dict[str, tuple[float, dict | None]]:
    """The validation targets one population gives: each target id's simulated figure and, for a mean over the
    seed schemes, its parts by scheme."""
    if population == "poor_households":
        poor_claims, schemes = claims.category != CATEGORY_CODE["ordinary"], poverty_schemes()
        baseline_share = inpatient_oop_share(claims, settled["baseline"], poor_claims)
        shares = {name: inpatient_oop_share(claims, settled[name], poor_claims) for name in schemes}
        scheme_share = float(np.mean(list(shares.values())))
        cuts = {name: tables["baseline"]["che_10"] - tables[name]["che_10"] for name in schemes}
        return {"inpatient_oop_share_poor": (scheme_share, shares),
                "inpatient_oop_share_cut": (1 - scheme_share / baseline_share,
                                            {name: 1 - share / baseline_share for name, share in shares.items()}),
                "che_10_cut": (float(np.mean(list(cuts.values()))), cuts)}
    non_poor = claims.category == CATEGORY_CODE["ordinary"]
    return {"che_ctp40_rural": (tables[scheme]["che_ctp40"], None),
            "impoverishment_rural": (tables[scheme]["impoverishment"], None),
            "inpatient_oop_share_nonpoor": (inpatient_oop_share(claims, settled["baseline"], non_poor), None)}


POPULATIONS = ("poor_households", "rural_county")


def compared_schemes(scheme: str) -> list[str]:
    """The schemes the protection section settles: `scheme` first, then the baseline and the seed schemes."""
    return [scheme] + [name for name in ["baseline"] + poverty_schemes() if name != scheme]


def protection_checks(scheme: str, persons: int, seed: int, sets: tuple[str, ...], check_type) -> tuple[list, dict]:
    """Checks (calibration and validation targets) and every protection metric, both scopes, by population and
    scheme."""
    checks, values = [], {}
    targets = protection_targets()
    tables: dict[str, dict[str, dict[str, float]]] = {}
    compared = compared_schemes(scheme)
    for population in POPULATIONS:
        scenarios = {name: load_scenario(name, list(sets), population=population) for name in compared}
        people, claims, settled, tables[population] = settled_population(scenarios, scheme, persons, seed)
        for name, found in tables[population].items():  # shown beside the metrics; the parameter draws need none
            found |= oop_sources(scenarios[name], people, claims, settled[name])
        values |= {target: (population, *found) for target, found in
                   target_values(population, scheme, claims, settled, tables[population]).items()}
        params = people.population_params
        households = people.population
        if population == "poor_households":
            registered = households.household_category == CATEGORY_CODE["registered_poor"]
            year = params.year
            checks.append(check_type(
                "建档立卡户脱贫比例 / registered-poor households out of poverty", population,
                float(households.household_exited[registered].mean()), year.exited_share, year.exited_share - 0.02,
                year.exited_share + 0.02, f"calibration: Rural poor population, end of {year.year} against end 2012 (NBS)",
                role=CALIBRATION))
        else:
            ordinary = households.household_category == CATEGORY_CODE["ordinary"]
            published = float(params.income[ORDINARY, 0] * np.exp(params.income[ORDINARY, 1] ** 2 / 2))
            checks.append(check_type(
                "农村居民人均可支配收入 / income a person, ordinary households", population,
                float(households.household_income[ordinary].sum() / 100 / households.household_size[ordinary].sum()),
                published, published * 0.95, published * 1.05,
                f"calibration: Rural per-capita disposable income, poverty-stricken areas ({params.year.year}, NBS)", "yuan",
                role=CALIBRATION))
            food_share = households.household_food[ordinary].sum() / max(households.household_consumption[ordinary].sum(), 1)
            checks.append(check_type(
                "农村居民恩格尔系数 / food share of consumption, ordinary households", population, float(food_share),
                params.year.engel_coefficient, params.year.engel_coefficient - 0.04, params.year.engel_coefficient + 0.04,
                "calibration: Engel coefficient, rural (NBS 2018, 30.1%)", role=CALIBRATION))
    for target, (population, simulated, by_scheme) in values.items():
        checks.append(_validation_check(check_type, targets, target, population, simulated, by_scheme))
    return checks, tables


def source_cells(by_scheme: dict[str, dict[str, float]]) -> dict[str, list[str]]:
    """Each of OOP_SOURCES' 'OOP / cost' (yuan a person a year, whole yuan) by scheme: the cells of the printed table
    and of the report's."""
    return {source: [f"{s[f'oop_{source}']:,.0f} / {s[f'cost_{source}']:,.0f}" for s in by_scheme.values()]
            for source in OOP_SOURCES}


def render_sources(tables: dict[str, dict[str, dict[str, float]]]) -> list[list[str]]:
    """Rows of where out-of-pocket comes from (OOP and cost, yuan a person a year) by population and scheme, for
    the printed table."""
    rows = [["source 来源 (OOP / cost, yuan a person a year 元/人/年)", "population"] + list(next(iter(tables.values())))]
    for population, by_scheme in tables.items():
        for source, cells in source_cells(by_scheme).items():
            rows.append([f"{OOP_SOURCES[source]['zh']} / {OOP_SOURCES[source]['en']}", population] + cells)
        rows.append([f"{GENERAL_ONLY['zh']} / {GENERAL_ONLY['en']}", population]
                    + [f"{s['che_10_general_outpatient']:.3f}" for s in by_scheme.values()])
    return rows


def render_protection(tables: dict[str, dict[str, dict[str, float]]]) -> list[list[str]]:
    """Rows of every protection metric (both scopes) by population and scheme, for the printed table."""
    from model.outcomes.protection import definition_text

    rows = [["metric 指标 (definition; scope 定义；口径)", "population"] + list(next(iter(tables.values())))]
    for population, by_scheme in tables.items():
        for metric in PROTECTION_METRICS:
            rows.append([f"{metric}: {definition_text(metric, 'zh')}", population]
                        + [f"{by_scheme[name][metric]:.3f}" for name in by_scheme])
    return rows
