"""The multi-year rules file (scenarios/years/*.yaml): income dynamics, illness's cost in income, poverty status
rules and dated scheme values, each read with its source and checked."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainValidator, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from model.errors import InputError, describe_found
from model.population.demography import DemographyRules
from model.scenario.messages import Origins, refuse, validated
from model.scenario.types import Boolean, Cited, Section, choice, named_type, real, whole
from model.scenario.yamlio import read_yaml

RULES_DIR = Path(__file__).resolve().parents[2] / "scenarios" / "years"
EXITED_TILTS = ("keep", "monitored_only", "none")
ASSESSED_INCOME = ("income", "income_less_bills")


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
    lost_work_years: int  # years a serious illness keeps costing that share (the year after it and later ones)
    chronic_lost_work: float  # share of a working-age member's earned income a chronic condition costs
    earned_share_of_income: float  # wages and business income as a share of a household's income
    prior_illness_years: int  # years before the run whose serious illness is drawn for the first year's households
    bills_paid_from_income: float  # share of its income a household pays bills from in the year
    debt_repaid_share: float  # at most this share of a year's income repays older debt
    exit_years: int  # consecutive assessed years above the line before a registered household exits
    exit_tasks: dict[int, float]  # rural poor population at year end (millions): the year's exit task
    monitor_income_ratio: float  # monitored when assessed income < ratio × line (0: off)
    monitor_oop_share: float  # or when out-of-pocket > share × income (0: off)
    register_new_poor: bool
    assessed_less_bills: bool  # the assessment deducts the year's bills paid from income (income_less_bills)
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

    def clears_in(self, year: int) -> bool:
        """Whether the published poor population at the end of `year` is zero (none left under the line)."""
        before, now = self.exit_tasks.get(year - 1), self.exit_tasks.get(year)
        return before is not None and now is not None and before > 0 and now == 0

    def tilts_in(self, year: int) -> str:
        return str(self.at(self.exited_tilts, year, "reforms.exited_tilts"))

    def sets_in(self, year: int) -> tuple[str, ...]:
        """The dated scheme values of `year` as --set options."""
        return tuple(f"{path}={self.at(table, year, 'reforms.' + path)}" for path, table in self.scheme_sets.items())


# -- the file's model: field names are its YAML keys ------------------------------------------------------


def dated(item: Any, name: str):
    """A dated table `{YEAR: value}` (years 1990-2100, at least one), each value read as `item`."""
    read = item.__metadata__[0].func

    def check(value: object) -> dict[int, Any]:
        if not isinstance(value, dict) or not value:
            raise refuse("a mapping of years to values, such as {2021: keep, 2022: none}")
        table = {}
        for key, element in value.items():
            if not str(key).isdigit() or not 1990 <= int(key) <= 2100:
                raise refuse("a year 1990-2100 as key", found=repr(str(key)), at=(str(key),))
            try:
                table[int(key)] = read(element)
            except PydanticCustomError as exc:  # located at the year; the found value shown (YAML keys are ints)
                context = dict(exc.context or {})
                context["found"] = context.get("found") or describe_found(element)
                context["at"] = (str(key),) + tuple(context.get("at") or ())
                raise PydanticCustomError(exc.type, exc.message_template, context) from None
        return table

    return named_type(name, Annotated[dict, PlainValidator(check), WithJsonSchema({
        "type": "object", "minProperties": 1, "propertyNames": {"pattern": "^[0-9]{4}$"},
        "additionalProperties": item.__metadata__[-1].json_schema,
        "description": "year: value, held from that year until the next year given"})])


def _single(value: object) -> str:
    if isinstance(value, (dict, list)):
        raise refuse("a single value")
    return str(value)


Single = Annotated[str, PlainValidator(_single), WithJsonSchema({"type": ["string", "number", "boolean"]})]
Growth = dated(real(-0.5, 1.0), "DatedGrowth")
Tilts = dated(choice(EXITED_TILTS, "rule for exited households' claims"), "DatedExitedTilts")
Share = real(0, 1)


class Income(Section):
    """A years file's `income`: yearly growth (all, registered), persistence and the spread of income shocks."""

    growth: Cited[Growth]
    growth_registered: Cited[Growth]
    persistence: Cited[real(0, 0.99)]
    shock_sigma: Cited[real(0, 2)]


class Illness(Section):
    """A years file's `illness`: work lost to illness (shares, years) and the share of bills paid from income."""

    lost_work_working_age: Cited[Share]
    lost_work_other: Cited[Share]
    lost_work_cap: Cited[Share]
    lost_work_years: Cited[whole(1, 30)]
    chronic_lost_work: Cited[Share]
    earned_share_of_income: Cited[Share]
    prior_illness_years: Cited[whole(0, 30)]
    bills_paid_from_income: Cited[Share]
    debt_repaid_share_of_income: Cited[Share]


class ExitRule(Section):
    """When a household exits poverty: years with income above the line."""

    income_above_line_years: whole(1, 10)


class Monitoring(Section):
    """Who is monitored for returning to poverty: income below a multiple of the line, or out-of-pocket above a share of
    income."""

    income_below_line_ratio: real(0, 100)
    oop_above_income_share: real(0, 100)


class Poverty(Section):
    """A years file's `poverty`: the exit rule and tasks by year, monitoring, how income is assessed and whether new
    poor are registered."""

    exit_rule: Cited[ExitRule]
    exit_tasks: Cited[dated(real(0, 1e4), "DatedExitTasks")]
    monitoring: Cited[Monitoring]
    assessed_income: Cited[choice(ASSESSED_INCOME, "reading of income")]
    register_new_poor: Cited[Boolean]

    @classmethod
    def precheck(cls, data: object) -> None:
        # one line for the whole model: a second table here had drifted from the population's (3,340 against 4,000)
        if isinstance(data, dict) and "line" in data:
            raise refuse("no poverty line here (the line of every year is the population's by_year.poverty_line: "
                         "set it with --set population.by_year.poverty_line=... or in a population preset)", at=("line",))


class Deaths(Section):
    """A years file's `demography.deaths`: life expectancy and infant mortality by year (per 1,000), the Gompertz slope
    and men's relative risk."""

    life_expectancy_at_birth: Cited[dated(real(20, 110), "DatedLifeExpectancy")]
    infant_mortality_per_1000: Cited[dated(real(0, 500), "DatedInfantMortality")]
    gompertz_slope: Cited[real(0.01, 0.3)]
    male_relative_risk: Cited[real(0.2, 5)]


class MotherAges(Section):
    """The ages (years) between which women give birth."""

    low: whole(10, 60)
    high: whole(10, 60)

    @model_validator(mode="after")
    def _ordered(self) -> "MotherAges":
        if self.high < self.low:
            raise refuse(f"an age at least the low age {self.low}", at=("high",))
        return self


class Births(Section):
    """A years file's `demography.births`: the crude birth rate by year (per 1,000), mothers' ages and the male share at
    birth."""

    crude_birth_rate_per_1000: Cited[dated(real(0, 100), "DatedBirthRate")]
    mother_ages: Cited[MotherAges]
    male_share_at_birth: Cited[Share]


class Demography(Section):
    """A years file's `demography`: deaths and births."""

    deaths: Deaths
    births: Births

    def to_rules(self) -> DemographyRules:
        deaths, births = self.deaths, self.births
        ages = births.mother_ages.value
        return DemographyRules(
            life_expectancy=deaths.life_expectancy_at_birth.value,
            infant_mortality=deaths.infant_mortality_per_1000.value,
            gompertz_slope=deaths.gompertz_slope.value,
            male_relative_risk=deaths.male_relative_risk.value,
            birth_rate=births.crude_birth_rate_per_1000.value,
            mother_ages=(ages.low, ages.high),
            male_share_at_birth=births.male_share_at_birth.value,
        )


class Reforms(BaseModel):
    """Dated scheme rules: `exited_tilts`, and any scheme value by its --set path (`bmi.deductible: {value:
    {YEAR: value}, source}`), for every scenario of a run."""

    model_config = ConfigDict(extra="allow", frozen=True)
    exited_tilts: Cited[Tilts]
    __pydantic_extra__: dict[str, Cited[dated(Single, "DatedSchemeValue")]]

    @model_validator(mode="before")
    @classmethod
    def _tilts_first(cls, data: object) -> object:
        if not isinstance(data, dict) or "exited_tilts" not in data:
            raise refuse("a mapping with exited_tilts and any dated scheme values (path: {value: {YEAR: value}, source})")
        return data


class YearsFile(Section):
    """A multi-year rules file (scenarios/years/): income dynamics, illness's cost in income, poverty status,
    deaths and births, dated scheme rules."""

    id: Any = None
    name: Any = None
    income: Income
    illness: Illness
    poverty: Poverty
    demography: Demography
    reforms: Reforms

    def to_rules(self, path: Path, data: dict) -> YearsRules:
        income, illness, poverty = self.income, self.illness, self.poverty
        monitoring = poverty.monitoring.value
        return YearsRules(
            id=str(data.get("id", path.stem)), path=str(path), demography=self.demography.to_rules(),
            growth=income.growth.value,
            growth_registered=income.growth_registered.value,
            persistence=income.persistence.value,
            shock_sigma=income.shock_sigma.value,
            lost_work_working_age=illness.lost_work_working_age.value,
            lost_work_other=illness.lost_work_other.value,
            lost_work_cap=illness.lost_work_cap.value,
            lost_work_years=illness.lost_work_years.value,
            chronic_lost_work=illness.chronic_lost_work.value,
            earned_share_of_income=illness.earned_share_of_income.value,
            prior_illness_years=illness.prior_illness_years.value,
            bills_paid_from_income=illness.bills_paid_from_income.value,
            debt_repaid_share=illness.debt_repaid_share_of_income.value,
            exit_years=poverty.exit_rule.value.income_above_line_years,
            exit_tasks=poverty.exit_tasks.value,
            monitor_income_ratio=monitoring.income_below_line_ratio,
            monitor_oop_share=monitoring.oop_above_income_share,
            register_new_poor=poverty.register_new_poor.value,
            assessed_less_bills=poverty.assessed_income.value == "income_less_bills",
            exited_tilts=self.reforms.exited_tilts.value,
            scheme_sets={key: cited.value for key, cited in (self.reforms.model_extra or {}).items()},
        )


def load_rules(reference: str | None = None) -> YearsRules:
    """The rules of `reference` (a file, or a name in scenarios/years/; None: default)."""
    path = Path(reference) if reference and (reference.endswith((".yaml", ".yml")) or "/" in reference) \
        else RULES_DIR / f"{reference or 'default'}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in RULES_DIR.glob("*.yaml")))
        raise InputError(f"--years-rules {reference}: no such rules file (expected a file, or one of: {known})")
    data = read_yaml(path)
    return validated(YearsFile, data, Origins(str(path))).to_rules(path, data)


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
