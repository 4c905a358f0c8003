"""`hpa validate`: the default county simulated under a scheme, set beside published figures with their sources."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np

from model.care.simulate import county_internal_share, draw_people, provide_care
from model.codes import CATEGORY_CODE, LEVEL_CODE, SERVICE_CODE
from model.outcomes.validation import (POPULATIONS, compared_schemes, protection_checks, render_protection,
                                       render_sources, settled_population, target_values)
from model.scenario import load_scenario
from model.textwidth import table

INPATIENT, OUTPATIENT = SERVICE_CODE["inpatient"], SERVICE_CODE["outpatient"]


@dataclass(frozen=True)
class Check:
    """One `hpa validate` check: the quantity and population, simulated against published, the band it must fall in, and
    its unit and source."""

    quantity: str
    population: str
    simulated: float
    published: float
    low: float
    high: float
    source: str
    unit: str = ""
    role: str = "calibration"  # calibration: a target inputs were set from; validation: compared only, never tuned to
    target: str = ""  # a validation target's id in scenarios/validation/protection.yaml
    detail: str = ""  # a validation target's comparison with its source, and published figures that set no band
    # a validation target's 95% interval over the model's parameter draws (NaN: not drawn), their number and size
    model_interval: tuple[float, float] = (float("nan"), float("nan"))
    draws: int = 0
    draw_persons: int = 0

    @property
    def inside(self) -> bool:
        return self.low <= self.simulated <= self.high

    @property
    def overlaps(self) -> bool:
        """Whether the model's interval over its parameter draws meets the published band (False when not drawn)."""
        low, high = self.model_interval
        return low <= self.high and self.low <= high


def _mean(values: np.ndarray) -> float:
    """The mean, or NaN (which no band contains) when nothing was observed."""
    return float(values.mean()) if values.size else float("nan")


def _relative(quantity, population, simulated, published, tolerance, source, unit="") -> Check:
    return Check(quantity, population, simulated, published, published * (1 - tolerance), published * (1 + tolerance), source, unit)


def _absolute(quantity, population, simulated, published, low, high, source, unit="") -> Check:
    return Check(quantity, population, simulated, published, low, high, source, unit)


NHSS_2018 = "Liu X et al., Int J Equity Health 2023 (NHSS 2013 and 2018), calibration: Annual admission rate"
NHC_COMMUNIQUE = "NHC statistical communiqués 2016-18, calibration: Admissions per resident / Visits per resident"
REGISTERED_INCOME = ("poor_households.yaml by_year.registered_income_mean: 3,416 (2015) → 9,808 (2019), 农业农村部 at the "
                     "国新办 press conference of 2020-12-16 (央广网 2020-12-17); other years by the preset's stated rule; "
                     "band ±2%: Monte Carlo noise")
SPREAD_AGE = 50
SPREAD_SOURCE = ("Qin VM et al., BMC Health Serv Res 2020;20:372, doi 10.1186/s12913-020-05194-6, Table 3, WHO SAGE China "
                 "Wave 1, rural persons aged 50+: 63.3% with any outpatient visit in the past 12 months, 4.6 visits; "
                 "(1 + 4.6/k)^(-k) = 0.367 gives k = 0.395; band: 4.6 read as the mean over persons with a visit "
                 "(k = 0.54) and the share's 95% sampling interval at n = 6,800 rural respondents")


def implied_shape(mean: float, none: float) -> float:
    """The gamma shape k at which Poisson counts with a gamma(k, mean 1) factor on each person's rate have `mean` and
    the share `none` with no count: (1 + mean/k)^(-k) = none, solved on log k; NaN where no k gives it (no spread
    gives a share of exp(-mean) at most)."""
    from scipy.optimize import brentq  # here: only hpa validate solves for a shape

    if not (0 < none < 1) or mean <= 0 or none <= np.exp(-mean):
        return float("nan")
    def excess(log_k: float) -> float:  # the share with none, less `none`: falls as k rises, towards exp(-mean)
        return float(np.exp(-np.exp(log_k) * np.log1p(mean / np.exp(log_k)))) - none

    low, high = -12.0, 12.0  # log k
    return float(np.exp(high if excess(high) >= 0 else brentq(excess, low, high, xtol=1e-12)))


COSTS = "calibration: Township health centre (NHC 2020 communiqué); Secondary and Tertiary public hospitals (NHC Statistics Information Centre, 2019)"


def validate(scheme: str = "baseline", persons: int = 200_000, seed: int = 20161, sets: tuple[str, ...] = (),
             protection_tables: dict | None = None, draws: int = 0, draw_persons: int = 20_000) -> list[Check]:
    """Simulated figures beside published ones. `protection_tables`, when given, receives every protection metric
    (both scopes) by population and scheme; with `draws`, each validation target also gets the model's 95% interval
    over that many draws of the default uncertainty file's parameters, `draw_persons` persons a draw."""
    checks: list[Check] = []
    # The poor: the default population.
    poor_scenario = load_scenario(scheme, list(sets), population="poor_households")
    people = draw_people(poor_scenario, persons, seed)
    care = provide_care(poor_scenario, people)
    claims = care.claims.claims
    admitted = np.zeros(people.population.n_persons, dtype=bool)
    admitted[claims.person[claims.service == INPATIENT]] = True
    label = "poor_households"
    checks.append(_absolute("住院率(贫困人口) / share admitted in a year, poor", label, admitted.mean(), 0.208, 0.188, 0.228, NHSS_2018))
    # 建档立卡 households comprise ordinary poor, dibao and extreme-poor households: all poor categories here
    poor_households = people.population.household_category != CATEGORY_CODE["ordinary"]
    checks.append(_absolute("建档立卡户均人口 / poor household size", label,
                            people.population.household_size[poor_households].mean(), 3.04, 2.74, 3.34,
                            "calibration: Registered poor household size, 29.48 million households and 89.62 million "
                            "persons registered in 2014 (China.org.cn, 2021-01-12); band ±10%, assumed: households "
                            "split and shrink between 2014 and the year simulated", "persons"))

    # Registered persons' mean income: still-poor and exited households of the registered-poor category, person-weighted
    # (dibao and extreme-poor households also registered take their own categories' incomes and are left out).
    year = people.population_params.year
    if year.registered_income_mean is not None:
        registered = people.population.household_category == CATEGORY_CODE["registered_poor"]
        mean_income = people.population.household_income[registered].sum() / 100 / max(
            int(people.population.household_size[registered].sum()), 1)
        checks.append(_relative(f"建档立卡人均纯收入 / mean income of a registered-poor person, {year.year}", label,
                                float(mean_income), year.registered_income_mean, 0.02, REGISTERED_INCOME, "yuan"))

    # All rural residents: the rural_county preset, for figures published for residents at large.
    rural = load_scenario(scheme, list(sets), population="rural_county")
    people = draw_people(rural, persons, seed)
    care = provide_care(rural, people)
    claims = care.claims.claims
    population = people.population
    n = population.n_persons
    label = "rural_county"
    poor = population.poor
    admitted = np.zeros(n, dtype=bool)
    inpatient = claims.service == INPATIENT
    admitted[claims.person[inpatient]] = True
    checks.append(_absolute("住院率(非贫困) / share admitted in a year, non-poor", label, admitted[~poor].mean(), 0.131, 0.118, 0.144, NHSS_2018))
    checks.append(_absolute("住院率(贫困人口) / share admitted in a year, poor", label, admitted[poor].mean(), 0.208, 0.178, 0.238, NHSS_2018))
    checks.append(_absolute("人均住院次数 / admissions a resident a year", label, inpatient.sum() / n, 0.182, 0.150, 0.210,
                            NHC_COMMUNIQUE + " (16.5%-18.2%, repeat admissions counted)"))
    checks.append(_absolute("人均门诊次数 / outpatient visits a resident a year", label, (~inpatient).sum() / n, 6.0, 5.0, 7.0,
                            NHC_COMMUNIQUE + " (5.8-6.0)", "visits"))
    # How unevenly persons use outpatient care (calibration: population.illness.outpatient.person_spread): the gamma
    # shape k that a share with no visit z at mean m implies, (1 + m/k)^(-k) = z, for rural residents aged 50+, all
    # their outpatient visits counted; the survey's visits were fewer (4.6 a year), so the shape, not z, is compared.
    older = population.age >= SPREAD_AGE
    visits = np.bincount(claims.person[~inpatient], minlength=n)[older]
    checks.append(_absolute("门诊次数个体离散度(50岁以上) / spread of yearly outpatient visits between persons, age 50+ "
                            "(gamma shape implied by the share with none and the mean)", label,
                            implied_shape(float(visits.mean()), float((visits == 0).mean())), 0.395, 0.376, 0.564,
                            SPREAD_SOURCE, "shape"))
    adults = population.age >= 35
    checks.append(_absolute("高血压患病率(35岁以上) / hypertension, age 35+", label, people.illness.chronic[adults, 0].mean(), 0.412,
                            0.372, 0.452, "J Health Popul Nutr 2023;42:38, calibration: Hypertension prevalence, poverty counties"))
    checks.append(_absolute("县域内住院占比 / admissions within the county", label, county_internal_share(care.stays), 0.90, 0.90, 0.97,
                            "NHSS-6 report summary, calibration: Care received within the county > 90%"))
    township = claims.level == LEVEL_CODE["township"]
    checks.append(_absolute("基层住院占比 / township share of admissions", label, _mean((inpatient & township)[inpatient]),
                            0.161, 0.111, 0.211, "NHC 2020 communiqué, calibration: Primary institutions' share of admissions"))
    for level, published, tolerance in (("township", 2083, 0.10), ("county", 6385.6, 0.10), ("prefecture", 13539, 0.12)):
        at = inpatient & (claims.level == LEVEL_CODE[level])
        checks.append(_relative(f"次均住院费用 {level} / cost an admission, {level}", label, _mean(claims.total[at]) / 100,
                                published, tolerance, COSTS, "yuan"))
    general = claims.service == OUTPATIENT
    for level, published in (("township", 84.7), ("county", 221.9), ("prefecture", 332.7)):
        at = general & (claims.level == LEVEL_CODE[level])
        checks.append(_relative(f"次均门诊费用 {level} / cost a general outpatient visit, {level}", label,
                                _mean(claims.total[at]) / 100, published, 0.10, COSTS, "yuan"))
    los = care.claims.los_days
    checks.append(_relative("平均住院日 乡镇 / stay at a township centre", label, _mean(los[inpatient & township]), 6.6, 0.10,
                            "NHC 2020 communiqué, calibration: Township health centre stay ≈ 6.6 days", "days"))
    hospital = inpatient & (claims.level >= LEVEL_CODE["county"])
    checks.append(_relative("平均住院日 医院 / stay in a hospital", label, _mean(los[hospital]), 9.3, 0.12,
                            "NHC 2018 communiqué, calibration: All hospitals stay ≈ 9.3 days", "days"))
    protection, tables = protection_checks(scheme, persons, seed, sets, Check)
    if draws:
        intervals = model_intervals(compared_schemes(scheme), scheme, sets, draws, draw_persons, seed)
        protection = [replace(c, model_interval=intervals[c.target], draws=draws, draw_persons=draw_persons)
                      if c.target else c for c in protection]
    if protection_tables is not None:
        protection_tables.update(tables)
    return checks + protection


MODEL_INTERVAL = (0.025, 0.975)  # the model's 95% interval over its parameter draws


def model_intervals(compared: list[str], scheme: str, sets: tuple[str, ...], draws: int, persons: int, seed: int,
                    uncertainty: str = "default") -> dict[str, tuple[float, float]]:
    """Each validation target's 95% interval over `draws` draws of the uncertainty file's parameters (what the
    model does not know about the county: the draws `hpa run` makes, the same for every scheme), `persons`
    persons a draw and population, each draw with its own people.

    Returns
    -------
    dict
        target id → (2.5th, 97.5th percentile) of the simulated figure over the draws.
    """
    from model.runner.plan import RunPlan, Variant
    from model.runner.replicate import scenarios as plan_scenarios
    from model.uncertainty.runs import replication_scenarios

    values: dict[str, list[float]] = {}
    for population in POPULATIONS:
        plan = RunPlan("run", tuple(Variant(name, name, sets) for name in compared), persons, draws, seed,
                       population=population, uncertainty=uncertainty)
        base = plan_scenarios(plan)
        for draw in range(draws):
            drawn = dict(zip(compared, replication_scenarios(plan, draw, base)))
            _, claims, settled, tables = settled_population(drawn, scheme, persons, seed, replication=draw + 1)
            for target, (value, _) in target_values(population, scheme, claims, settled, tables).items():
                values.setdefault(target, []).append(value)
    return {target: tuple(float(q) for q in np.quantile(found, MODEL_INTERVAL)) for target, found in values.items()}


MODEL_COLUMNS = ["model 95% 模型区间", ""]
ROLES = {"calibration": "校准目标（用于设定输入） / calibration targets (inputs were set from them)",
         "validation": "验证目标（仅作比较，从未据此调参） / validation targets (compared only, never tuned to)"}


def passed(checks: list[Check]) -> bool:
    """Whether the calibration targets, which inputs were set from, are all inside their bands (hpa validate's exit
    status). Validation targets are compared only: a model tuned until they pass would no longer be validated by them."""
    return all(c.inside for c in checks if c.role == "calibration")


def render(checks: list[Check], scheme: str, persons: int, seed: int, protection_tables: dict | None = None) -> str:
    """`hpa validate`'s text: each check's simulated value against the published one and its band, role by role,
    with the protection tables when given.

    Parameters
    ----------
    checks : list of Check
    scheme : str
    persons : int
        Persons simulated for each population.
    seed : int
    protection_tables : dict or None
        The simulated financial-protection tables (household-years), printed after the checks.

    Returns
    -------
    str
    """
    parts = [f"hpa validate: {scheme}, {persons:,} persons for each population, seed {seed}"]
    for role, title in ROLES.items():
        mine = [c for c in checks if c.role == role]
        drawn = next((c for c in mine if c.draws), None)
        rows = [["quantity 指标", "population", "simulated 模拟", "published 公开", "band 区间", ""]
                + (MODEL_COLUMNS if drawn else []) + ["source 来源"]]
        for c in mine:
            fmt = "{:,.1f}" if c.unit in ("yuan",) else ("{:.2f}" if c.unit in ("days", "visits", "persons") else "{:.3f}")
            if role == "validation" and c.unit in ("", "points"):  # bands from a published figure's rounding are narrow
                fmt = "{:.4f}"
            model = [f"{fmt.format(c.model_interval[0])}–{fmt.format(c.model_interval[1])}",
                     "overlaps" if c.overlaps else "APART"] if drawn else []
            rows.append([c.quantity, c.population, fmt.format(c.simulated), fmt.format(c.published),
                         f"{fmt.format(c.low)}–{fmt.format(c.high)}", "inside" if c.inside else "OUTSIDE"] + model + [c.source])
        parts += [f"\n{title}", table(rows, right_aligned={2, 3, 4} | ({6} if drawn else set()))]
        if drawn:
            parts.append(f"model 95% 模型区间: the 2.5th-97.5th percentile of the simulated figure over {drawn.draws} draws of "
                         f"the parameters of scenarios/uncertainty/default.yaml (what the model does not know about the "
                         f"county, as hpa run draws it), {drawn.draw_persons:,} persons a draw and population, each draw "
                         "with its own people: 'overlaps' when it meets the published band. The band is the source's "
                         "alone, unchanged.")
        if role == "validation":
            from model.outcomes.validation import protection_targets

            parts.append(f"band rule 区间规则: {' '.join(protection_targets().band_rule.split())}")
            parts += [f"- {c.quantity}: {c.detail}" for c in checks if c.role == role and c.detail]
    if protection_tables:
        rows = render_protection(protection_tables)
        parts += ["\n财务保护（每户每年，模拟值） / financial protection (household-years, simulated)",
                  table(rows, right_aligned=set(range(2, len(rows[0]))))]
        rows = render_sources(protection_tables)
        parts += ["\n个人自付从哪里来（模拟值） / where out-of-pocket comes from (simulated)",
                  table(rows, right_aligned=set(range(2, len(rows[0]))))]
    parts.append(verdicts(checks))
    return "\n".join(parts)


def verdicts(checks: list[Check]) -> str:
    """`hpa validate`'s last line: how many figures of each list are inside their bands (and, when drawn, how many
    validation targets' model intervals meet theirs)."""
    counts = {role: (sum(c.inside for c in checks if c.role == role), sum(c.role == role for c in checks)) for role in ROLES}
    validation = [c for c in checks if c.role == "validation"]
    covered = (f"; {sum(c.overlaps for c in validation)} of {len(validation)} with the model's 95% interval over its "
               "parameter draws meeting the band" if any(c.draws for c in validation) else "")
    return (f"{counts['calibration'][0]} of {counts['calibration'][1]} calibration figures inside their bands; "
            f"validation targets: {counts['validation'][0]} of {counts['validation'][1]} inside the bands of their "
            f"sources{covered} (compared only, never tuned to: they do not set the exit status).")


def validation_record(checks: list[Check], scheme: str, persons: int, seed: int, year: int,
                      protection_tables: dict) -> dict:
    """What `hpa validate --into` writes beside a run's files (validation.json), for `hpa report`: the settings, every
    check with its verdicts, the band rule and every protection metric by population and scheme."""
    from model.outcomes.validation import protection_targets

    return {"created_by": "hpa validate", "scheme": scheme, "persons": persons, "seed": seed, "year": year,
            "calibration_passed": passed(checks), "band_rule": " ".join(protection_targets().band_rule.split()),
            "checks": [asdict(c) | {"inside": c.inside, "overlaps": c.overlaps if c.draws else None} for c in checks],
            "protection": protection_tables}


def _run_year(folder, year: int | None) -> int | None:
    """The year to validate for the run folder `folder`: its people's year; --year, if given, must be that year.
    Refused before anything is simulated: a folder that is not a finished run, or whose validation files hpa did
    not write (they would be replaced)."""
    from model.errors import InputError
    from model.runfolder import VALIDATION, VALIDATION_TEXT, load_run, read_validation

    run = load_run(folder)
    ours = (read_validation(folder) or {}).get("created_by") == "hpa validate"
    for name in (VALIDATION, VALIDATION_TEXT):
        if (folder / name).exists() and not ours:
            raise InputError(f"{folder / name}: not written by hpa validate; move it away first (hpa replaces only "
                             "the validation files it wrote)")
    years = run.manifest.get("years")
    people = years.get("people") if isinstance(years, dict) else None  # runs made before it was recorded have none
    if year is not None and people is not None and year != people:
        raise InputError(f"--year {year}: {folder} describes the people of {people}; validate that year (leave out "
                         "--year) or run again with --year")
    return people if year is None else year


def validate_command(args) -> int:
    """`hpa validate [SCENARIO]`: print the checks; exit status 1 if a calibration figure is outside its band
    (validation targets are compared and reported, never a gate: a gate on them would invite tuning to them).
    With --into RUN, the checks are also written into that run folder (validation.json, validation.txt), where
    `hpa report` shows them."""
    from model.population.command import scenario_sets

    if args.into is not None:
        args.year = _run_year(args.into, args.year)
    sets = scenario_sets(args)
    tables: dict = {}
    checks = validate(args.scenario, args.persons, args.seed, sets, tables, args.draws, args.draw_persons)
    text = render(checks, args.scenario, args.persons, args.seed, tables)
    if args.into is None:
        print(text)
        return 0 if passed(checks) else 1
    from model import atomic
    from model.population import population_params
    from model.report.texts import bilingual, entries
    from model.runfolder import VALIDATION, VALIDATION_TEXT, dumps

    year = args.year  # the run's; a run that did not record it simulated the population's own year
    if year is None:
        year = population_params(load_scenario(args.scenario, list(sets), population="poor_households")).year.year
    atomic.write_text(args.into / VALIDATION, dumps(validation_record(checks, args.scenario, args.persons, args.seed,
                                                                      year, tables)))
    atomic.write_text(args.into / VALIDATION_TEXT, text + "\n")
    # the whole table is in validation.txt (and the report): the terminal gets the verdicts and where they went
    print(verdicts(checks))
    print(f"{bilingual(entries('terminal')['validation'])} → {args.into / VALIDATION_TEXT}, {VALIDATION}")
    return 0 if passed(checks) else 1
