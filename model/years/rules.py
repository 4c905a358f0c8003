"""The multi-year rules file (scenarios/years/*.yaml): income dynamics, illness's cost in income, poverty status
rules and dated scheme values, each read with its source and checked."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from model.errors import InputError
from model.population.demography import DemographyRules
from model.scenario.node import Node, Origins
from model.scenario.yamlio import read_yaml

RULES_DIR = Path(__file__).resolve().parents[2] / "scenarios" / "years"
EXITED_TILTS = ("keep", "monitored_only", "none")
TOP_KEYS = ("id", "name", "income", "illness", "poverty", "demography", "reforms")


@dataclass(frozen=True)
class YearsRules:
    """What moves households from one year to the next; dated tables hold a value from their year on."""

    id: str
    path: str
    growth: dict[int, float]  # permanent-income growth over the year before
    growth_registered: dict[int, float]  # that of registered households (still poor or exited)
    persistence: float  # AR(1) coefficient of the transitory part of log income
    shock_sigma: float  # its stationary standard deviation
    lost_work_working_age: float  # share of next year's income lost per working-age major patient
    lost_work_other: float
    lost_work_cap: float
    bills_paid_from_income: float  # share of its income a household pays bills from in the year
    debt_repaid_share: float  # at most this share of a year's income repays older debt
    exit_years: int  # consecutive assessed years above the line before a registered household exits
    exit_tasks: dict[int, float]  # rural poor population at year end (millions): the year's exit task
    monitor_income_ratio: float  # monitored when assessed income < ratio × line (0: off)
    monitor_oop_share: float  # or when out-of-pocket > share × income (0: off)
    register_new_poor: bool
    exited_tilts: dict[int, str]
    scheme_sets: dict[str, dict[int, str]] = field(default_factory=dict)  # dated --set values for every scenario
    demography: DemographyRules | None = None  # deaths and births between years

    def at(self, table: dict[int, object], year: int, what: str):
        """The value of a dated table in `year`: that of the latest year given at or before it."""
        years = [y for y in table if y <= year]
        if not years:
            raise InputError(f"{self.path}: {what}: expected a value for {year} or an earlier year, "
                             f"found years {', '.join(map(str, sorted(table)))}")
        return table[max(years)]

    def growth_in(self, year: int) -> float:
        return float(self.at(self.growth, year, "income.growth"))

    def growth_registered_in(self, year: int) -> float:
        return float(self.at(self.growth_registered, year, "income.growth_registered"))

    def exit_task_in(self, year: int) -> float:
        """The share of still-poor registered households the year's exit task takes out (0 without one)."""
        before, now = self.exit_tasks.get(year - 1), self.exit_tasks.get(year)
        if before is None or now is None or before <= 0:
            return 0.0
        return min(max(1 - now / before, 0.0), 1.0)

    def tilts_in(self, year: int) -> str:
        return str(self.at(self.exited_tilts, year, "reforms.exited_tilts"))

    def sets_in(self, year: int) -> tuple[str, ...]:
        """The dated scheme values of `year` as --set options."""
        return tuple(f"{path}={self.at(table, year, 'reforms.' + path)}" for path, table in self.scheme_sets.items())


def _year_table(node: Node, read) -> dict:
    value, _source = node.cited()
    if not isinstance(value.value, dict) or not value.value:
        raise value.fail("a mapping of years to values, such as {2021: keep, 2022: none}")
    table = {}
    for key, item in value.items():
        if not str(key).isdigit() or not 1990 <= int(key) <= 2100:
            raise item.fail("a year 1990-2100 as key", found=repr(key))
        table[int(key)] = read(item)
    return table


def _number(node: Node, low: float, high: float) -> float:
    from decimal import Decimal

    return float(node.number(Decimal(str(low)), Decimal(str(high))))


def _cited_number(node: Node, low: float, high: float) -> float:
    return _number(node.cited()[0], low, high)


def load_rules(reference: str | None = None) -> YearsRules:
    """The rules of `reference` (a file, or a name in scenarios/years/; None: default)."""
    path = Path(reference) if reference and (reference.endswith((".yaml", ".yml")) or "/" in reference) \
        else RULES_DIR / f"{reference or 'default'}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in RULES_DIR.glob("*.yaml")))
        raise InputError(f"--years-rules {reference}: no such rules file (expected a file, or one of: {known})")
    root = Node(read_yaml(path), (), Origins(str(path)))
    parts = root.mapping(TOP_KEYS, required=("income", "illness", "poverty", "demography", "reforms"))
    income_keys = ("growth", "growth_registered", "persistence", "shock_sigma")
    income = parts["income"].mapping(income_keys, required=income_keys)
    illness_keys = ("lost_work_working_age", "lost_work_other", "lost_work_cap", "bills_paid_from_income",
                    "debt_repaid_share_of_income")
    illness = parts["illness"].mapping(illness_keys, required=illness_keys)
    poverty_keys = ("exit_rule", "exit_tasks", "monitoring", "register_new_poor")
    if isinstance(parts["poverty"].value, dict) and "line" in parts["poverty"].value:
        # one line for the whole model: a second table here had drifted from the population's (3,340 against 4,000)
        raise parts["poverty"].at("line", parts["poverty"].value["line"]).fail(
            "no poverty line here (the line of every year is the population's by_year.poverty_line: "
            "set it with --set population.by_year.poverty_line=... or in a population preset)")
    poverty = parts["poverty"].mapping(poverty_keys, required=poverty_keys)
    exit_rule = poverty["exit_rule"].cited()[0].mapping(("income_above_line_years",), required=("income_above_line_years",))
    monitoring = poverty["monitoring"].cited()[0].mapping(("income_below_line_ratio", "oop_above_income_share"),
                                                          required=("income_below_line_ratio", "oop_above_income_share"))
    reforms = parts["reforms"]
    if not isinstance(reforms.value, dict) or "exited_tilts" not in reforms.value:
        raise reforms.fail("a mapping with exited_tilts and any dated scheme values (path: {value: {YEAR: value}, source})")
    scheme_sets = {}
    for key, item in reforms.items():
        if key != "exited_tilts":
            scheme_sets[key] = _year_table(item, lambda n: str(n.value) if not isinstance(n.value, (dict, list)) else
                                           (_ for _ in ()).throw(n.fail("a single value")))
    return YearsRules(
        id=str(root.value.get("id", path.stem)), path=str(path), demography=_demography(parts["demography"]),
        growth=_year_table(income["growth"], lambda n: _number(n, -0.5, 1.0)),
        growth_registered=_year_table(income["growth_registered"], lambda n: _number(n, -0.5, 1.0)),
        persistence=_cited_number(income["persistence"], 0, 0.99),
        shock_sigma=_cited_number(income["shock_sigma"], 0, 2),
        lost_work_working_age=_cited_number(illness["lost_work_working_age"], 0, 1),
        lost_work_other=_cited_number(illness["lost_work_other"], 0, 1),
        lost_work_cap=_cited_number(illness["lost_work_cap"], 0, 1),
        bills_paid_from_income=_cited_number(illness["bills_paid_from_income"], 0, 1),
        debt_repaid_share=_cited_number(illness["debt_repaid_share_of_income"], 0, 1),
        exit_years=exit_rule["income_above_line_years"].integer(1, 10),
        exit_tasks=_year_table(poverty["exit_tasks"], lambda n: _number(n, 0, 1e4)),
        monitor_income_ratio=_number(monitoring["income_below_line_ratio"], 0, 100),
        monitor_oop_share=_number(monitoring["oop_above_income_share"], 0, 100),
        register_new_poor=poverty["register_new_poor"].cited()[0].boolean(),
        exited_tilts=_year_table(reforms.at("exited_tilts", reforms.value["exited_tilts"]),
                                 lambda n: n.choice(EXITED_TILTS, "rule for exited households' claims")),
        scheme_sets=scheme_sets,
    )


def _demography(node: Node) -> DemographyRules:
    parts = node.mapping(("deaths", "births"), required=("deaths", "births"))
    death_keys = ("life_expectancy_at_birth", "infant_mortality_per_1000", "gompertz_slope", "male_relative_risk")
    deaths = parts["deaths"].mapping(death_keys, required=death_keys)
    birth_keys = ("crude_birth_rate_per_1000", "mother_ages", "male_share_at_birth")
    births = parts["births"].mapping(birth_keys, required=birth_keys)
    ages = births["mother_ages"].cited()[0].mapping(("low", "high"), required=("low", "high"))
    low, high = ages["low"].integer(10, 60), ages["high"].integer(10, 60)
    if high < low:
        raise ages["high"].fail(f"an age at least the low age {low}")
    return DemographyRules(
        life_expectancy=_year_table(deaths["life_expectancy_at_birth"], lambda n: _number(n, 20, 110)),
        infant_mortality=_year_table(deaths["infant_mortality_per_1000"], lambda n: _number(n, 0, 500)),
        gompertz_slope=_cited_number(deaths["gompertz_slope"], 0.01, 0.3),
        male_relative_risk=_cited_number(deaths["male_relative_risk"], 0.2, 5),
        birth_rate=_year_table(births["crude_birth_rate_per_1000"], lambda n: _number(n, 0, 100)),
        mother_ages=(low, high),
        male_share_at_birth=_cited_number(births["male_share_at_birth"], 0, 1),
    )


YEARS_PREFIX = "years."
VARIANT_KEYS = ("exited_tilts",)


def scheme_sets(sets, years: int | None) -> list[str]:
    """The --set options that go to the scheme: those not naming a multi-year rule (years.*), which need --years."""
    own = [s for s in sets if s.startswith(YEARS_PREFIX)]
    if own and years is None:
        raise InputError(f"--set {own[0]}: a multi-year rule (years.*) needs --years N")
    return [s for s in sets if not s.startswith(YEARS_PREFIX)]


def variant_rules(rules: YearsRules, sets) -> YearsRules:
    """The rules of one scenario of the run: `--set years.exited_tilts=VALUE` (or a sweep's --vary of it) fixes
    the exited households' rule for every year of that scenario."""
    for option in sets:
        if not option.startswith(YEARS_PREFIX):
            continue
        path, _, value = option.partition("=")
        key = path[len(YEARS_PREFIX):]
        if key not in VARIANT_KEYS:
            raise InputError(f"--set {option}: unknown multi-year rule {key!r} (expected one of: "
                             f"{', '.join(YEARS_PREFIX + k for k in VARIANT_KEYS)})")
        if value not in EXITED_TILTS:
            raise InputError(f"--set {option}: expected {path}= one of {', '.join(EXITED_TILTS)}, found {value!r}")
        rules = replace(rules, exited_tilts={1990: value})
    return rules
