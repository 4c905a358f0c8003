"""Background admissions: the county residents who are not simulated fill beds too, so that a ward has its real
size and the share of simulated patients who wait for a bed does not depend on how many persons are simulated."""

from __future__ import annotations

import numpy as np

from model.care.facilities import Facilities
from model.care.pathway import Routes
from model.codes import LEVEL_CODE

DAYS = 365
TOWNSHIP = LEVEL_CODE["township"]


def background_routes(facilities: Facilities, routes: Routes, seed: np.random.SeedSequence
                      ) -> tuple[Routes, np.ndarray, np.ndarray]:
    """Admissions of the residents not simulated, and their stay quantiles: at each facility, a Poisson number
    of them at the simulated persons' admission rate of its level per resident-equivalent, arriving uniformly
    over the year, treated where they arrive. Returns the routes, stay quantiles and hospital-choice draws."""
    empty = Routes(*(np.zeros(0, dtype=dtype) for dtype in (np.float64, np.int8, np.int8, np.int8, np.int64, bool, np.int64)))
    if facilities.background_residents is None or routes.level.size == 0:
        return empty, np.zeros(0), np.zeros(0)
    simulated = float(facilities.simulated_residents[facilities.level == TOWNSHIP].sum())
    if simulated <= 0:
        return empty, np.zeros(0), np.zeros(0)
    rng = np.random.default_rng(seed)
    per_resident = np.bincount(routes.level, minlength=len(LEVEL_CODE)) / simulated  # admissions a resident-equivalent
    expected = per_resident[facilities.level] * facilities.background_residents
    counts = rng.poisson(np.maximum(expected, 0.0))
    facility = np.repeat(np.arange(len(facilities)), counts)
    n = facility.shape[0]
    level = facilities.level[facility].astype(np.int8)
    township = np.where(level == TOWNSHIP, facility - facilities.first_of_level[TOWNSHIP], 0)
    arrival = rng.random(n) * DAYS
    los_z = rng.standard_normal(n)
    facility_u = rng.random(n)
    return Routes(arrival=arrival, needed_level=level, entry_level=level, level=level, facility=facility,
                  compliant=np.ones(n, dtype=bool), township=township.astype(np.int64)), los_z, facility_u


def with_background(routes: Routes, background: Routes) -> Routes:
    """Simulated admissions first, then the background ones."""
    return Routes(*(np.concatenate([getattr(routes, name), getattr(background, name)]) for name in Routes.__dataclass_fields__))
