"""A county profile turned into a run: its person counts mapped onto the population preset, its beds onto the care
system, its scheme loaded, and the run made at the county's true size (results are for the county)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import numpy as np

from model import atomic
from model.codes import CATEGORIES
from model.county.profile import CountyProfile, counted_persons
from model.runner.plan import RunPlan, Variant
from model.runfolder import COUNTY_FILE

SIX = Decimal("0.000001")


@dataclass(frozen=True)
class CountyPlan:
    """A county profile read into a run: the plan, the persons simulated, and what the profile set (for county.json and
    the brief)."""

    plan: RunPlan
    persons: int
    derived: dict  # what the profile set, for county.json and the brief


def _cited(value: object, source: str) -> str:
    return json.dumps({"value": value, "source": source}, ensure_ascii=False)


def _shares(weights: dict[str, float]) -> dict[str, Decimal]:
    """Weights as decimal shares to 6 places adding up to exactly 1 (the largest takes the rounding)."""
    total = sum(weights.values())
    shares = {k: (Decimal(repr(w / total)).quantize(SIX, ROUND_HALF_EVEN) if total else Decimal(0)) for k, w in weights.items()}
    largest = max(shares, key=lambda k: shares[k])
    shares[largest] += Decimal(1) - sum(shares.values())
    return shares


def county_plan(profile: CountyProfile, replications: int, seed: int, engine: str = "auto",
                years: int | None = None) -> CountyPlan:
    """The run plan of a county: one scenario (the profile's scheme) with --set options for the county's people
    and beds; every set value cites the profile's file and field. `years` (else the profile's own) follows the
    same households that many years from the budget year (model/years)."""
    from model.population import population_params
    from model.scenario import load_scenario

    base = load_scenario(profile.scheme)  # a bad scheme is refused here, before anything is written
    params = population_params(base)
    counts = counted_persons(profile.persons)
    by_category = {
        "ordinary": 0,
        "registered_poor": counts["registered_not_exited"] + counts["registered_exited"],
        "dibao": counts["dibao"],
        "extreme_poor": counts["extreme_poor"],
    }
    sizes = np.arange(1, params.size_shares.shape[1] + 1)
    mean_size = {c: float(params.size_shares[i] @ sizes) for i, c in enumerate(CATEGORIES)}
    households = {c: by_category[c] / mean_size[c] for c in CATEGORIES}
    shares = _shares(households)
    registered = by_category["registered_poor"]
    exited = (Decimal(counts["registered_exited"]) / Decimal(registered)).quantize(SIX) if registered else Decimal(0)
    origin = f"county profile {profile.file.name}"
    sets = [
        "population.households.category_shares=" + _cited({k: float(v) for k, v in shares.items()},
            f"{origin}: persons by category ({', '.join(f'{k} {v:,}' for k, v in counts.items())}; a person on two "
            "lists counted once, as registered poor) divided by the preset's mean household size of each category"),
        "population.households.exited_share=" + _cited(float(exited), f"{origin}: registered exited / registered poor persons"),
        "population.county.townships=" + _cited(profile.townships, f"{origin}: townships"),
    ]
    for level, count in profile.beds.items():
        per_1000 = float((Decimal(count) * 1000 / Decimal(profile.residents)).quantize(SIX))
        sets.append(f"care.facilities.{level}.beds_per_1000=" + _cited(per_1000, f"{origin}: {count:,} {level} beds for "
                                                                                  f"{profile.residents:,} residents"))
    years = years if years is not None else profile.years
    if years is not None:  # the multi-year run starts in the budget year: its people and claim dates
        from model.population.year import year_sets

        sets += list(year_sets(profile.budget_year))
    persons = sum(by_category.values())
    label = Path(profile.scheme).stem if profile.scheme.endswith((".yaml", ".yml")) else profile.scheme
    plan = RunPlan(kind="run", variants=(Variant(label, profile.scheme, tuple(sets)),), persons=persons,
                   replications=replications, seed=seed, engine=engine, years=years)
    derived = {"profile": profile.as_dict(), "persons_simulated": persons, "persons_by_category": by_category,
               "household_shares": {k: float(v) for k, v in shares.items()}, "exited_share": float(exited),
               "mean_household_size": mean_size, "sets": sets, "years": years}
    return CountyPlan(plan, persons, derived)


def write_county_record(folder: Path, county: CountyPlan) -> None:
    """Write county.json (what the county profile set and derived) into a run folder.

    Parameters
    ----------
    folder : Path
        The run folder (or its staging folder).
    county : CountyPlan
        The read profile; its `derived` values are written.
    """
    from model.runfolder import dumps

    atomic.write_text(Path(folder) / COUNTY_FILE, dumps(county.derived))

