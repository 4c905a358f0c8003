"""Programme costs that are not claims: a scheme file's `programmes:` ledger, units × unit cost × who pays, by year.

Each item counts its units in a year: a basis counted in the simulated population and county
(`registered_persons`, `villages`, ...), a fixed number, or a number by year; province-wide items
(`scope: province`) are scaled to the county by the ledger's stated `county_share`. Who pays is
given in yuan a unit by level (central, province, prefecture, county, bmi_fund, public_health);
`premium_subsidy` splits a part as the scheme's premium subsidy (spec §6.6: province 40% or 60%
by poverty exit, the rest prefecture : county), which is how XZ (十) funds the family-doctor fee's
individual share. Money stays in integer fen, each level's amount rounded half up once.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from model.money import RATE_SCALE
from model.scenario.financing import Financing
from model.scenario.sections import BASES, PROGRAMME_LEVELS, SCOPES, SPLIT_KEYS, ProgrammeItem, ProgrammesFile
from model.scenario.messages import Origins, validated

__all__ = ["BASES", "LEVELS", "LEVEL_LABELS", "SCOPES", "SPLIT_KEYS", "Item", "Ledger", "in_force_years",
           "item_costs", "ledger_of", "ledger_table", "parse_programmes", "programme_metrics"]

LEVELS = PROGRAMME_LEVELS
LEVEL_LABELS = {
    "central": "中央 / central", "province": "省级 / province", "prefecture": "市州 / prefecture",
    "county": "县级 / county", "bmi_fund": "医保基金 / BMI fund", "public_health": "公卫经费 / public-health funds",
}


@dataclass(frozen=True)
class Item:
    """One programme: units a year (a basis, a number, or numbers by year) × unit cost, paid by level."""

    id: str
    name: dict[str, str]
    basis: str | None  # counted in the simulated population or county; None: a fixed number
    units: Decimal | None  # a fixed number of units in each year of `years`
    units_by_year: dict[int, Decimal] | None
    scope: str  # 'county', or 'province' (scaled by the ledger's county share)
    unit_cost: int  # fen
    paid_by: dict[str, int]  # fen a unit by level (SPLIT_KEYS), adding up to unit_cost
    years: tuple[int, ...] | None  # None: every year the scheme is in force

    def units_in(self, year: int, counts: dict[str, int], county_share: Decimal) -> Decimal:
        if self.units_by_year is not None:
            units = self.units_by_year.get(year, Decimal(0))
        elif self.years is not None and year not in self.years:
            return Decimal(0)
        elif self.basis is not None:
            units = Decimal(counts[self.basis])
        else:
            units = self.units
        return units * county_share if self.scope == "province" else units


@dataclass(frozen=True)
class Ledger:
    """A scheme's programme costs: the county's share of province-wide items, the items (yuan a year) and the years the
    scheme is in force."""

    county_share: Decimal  # of province-wide items, 0 when none is stated
    items: tuple[Item, ...]
    years: tuple[int, ...]  # the years the scheme is in force


def _item(found: ProgrammeItem) -> Item:
    units = found.units.value
    return Item(
        id=found.id,
        name={"zh": found.name.zh, "en": found.name.en},
        basis=units if isinstance(units, str) else None,
        units=units if isinstance(units, Decimal) else None,
        units_by_year=units if isinstance(units, dict) else None,
        scope=found.scope.value if found.scope is not None else "county",
        unit_cost=found.unit_cost.value,
        paid_by=dict(found.paid_by.value),
        years=found.years.value if found.years is not None else None,
    )


def parse_programmes(section: object, origins: Origins, years: tuple[int, ...] = (),
                     path: tuple[str, ...] = ("programmes",)) -> Ledger:
    """The ledger of a scheme's `programmes` section over the scheme's `years` in force, or InputError naming
    file and field."""
    found = validated(ProgrammesFile, section, origins, path)
    share = found.county_share.value if found.county_share is not None else Decimal(0)
    return Ledger(county_share=share, items=tuple(_item(item) for item in found.items), years=years)


def in_force_years(tree: dict) -> tuple[int, ...]:
    """The calendar years of the scheme's `in_force` period (validated elsewhere)."""
    period = tree.get("in_force") or {}
    first = int(str(period.get("from", "2019"))[:4])
    last = int(str(period.get("to", period.get("from", "2019")))[:4])
    return tuple(range(first, last + 1))


def ledger_of(scenario) -> Ledger | None:
    """The scenario's ledger, or None when its scheme file has no `programmes:` section."""
    if "programmes" not in scenario.tree:
        return None
    return parse_programmes(scenario.tree["programmes"], scenario.origins, in_force_years(scenario.tree))


def _fen(amount: Decimal) -> int:
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def item_costs(item: Item, year: int, counts: dict[str, int], county_share: Decimal,
               financing: Financing | None) -> dict[str, int]:
    """Fen by level (LEVELS) that `item` costs in `year`. `counts`: every basis of BASES, and
    `registered_exited` (registered persons whose household has exited poverty) for premium_subsidy."""
    units = item.units_in(year, counts, county_share)
    cost = {level: 0 for level in LEVELS}
    for key, per_unit in item.paid_by.items():
        if key != "premium_subsidy":
            cost[key] += _fen(units * per_unit)
            continue
        # as the premium subsidy: province 40% of exited and 60% of not-exited registered persons, the rest 2 : 8
        province_share = {"exited": 0, "not_exited": 0} if financing is None else financing.province_share
        remainder = {"prefecture": 0, "county": RATE_SCALE} if financing is None else financing.remainder_split
        exited = Decimal(counts["registered_exited"]) if units else Decimal(0)
        not_exited = units - exited
        amount = units * per_unit
        province = (exited * province_share["exited"] + not_exited * province_share["not_exited"]) * per_unit / RATE_SCALE
        prefecture = (amount - province) * remainder["prefecture"] / RATE_SCALE
        cost["province"] += _fen(province)
        cost["prefecture"] += _fen(prefecture)
        cost["county"] += _fen(amount) - _fen(province) - _fen(prefecture)
    return cost


def ledger_table(ledger: Ledger, counts: dict[str, int], financing: Financing | None) -> list[dict]:
    """Rows (year, item, level costs in fen, units) for every year the scheme is in force."""
    rows = []
    for year in ledger.years:
        for item in ledger.items:
            cost = item_costs(item, year, counts, ledger.county_share, financing)
            rows.append({"year": year, "item": item.id, "units": item.units_in(year, counts, ledger.county_share), **cost})
    return rows


def programme_metrics(ledger: Ledger | None, counts: dict[str, int], financing: Financing | None) -> dict[str, float]:
    """summary.json's programme costs, yuan a year averaged over the years in force: `programme_cost`,
    `programme_cost_<level>`, `programme_<item>`, and `programme_cost_<year>` for each year in force."""
    if ledger is None or not ledger.items:
        return {}
    rows = ledger_table(ledger, counts, financing)
    years = max(len(ledger.years), 1)
    metrics = {"programme_cost": sum(row[level] for row in rows for level in LEVELS) / 100 / years}
    for level in LEVELS:
        metrics[f"programme_cost_{level}"] = sum(row[level] for row in rows) / 100 / years
    for item in ledger.items:
        metrics[f"programme_{item.id}"] = sum(row[level] for row in rows if row["item"] == item.id for level in LEVELS) / 100 / years
    for year in ledger.years:
        metrics[f"programme_cost_{year}"] = sum(row[level] for row in rows if row["year"] == year for level in LEVELS) / 100
    return metrics
