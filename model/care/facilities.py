"""The county's facilities with beds: a township centre per township, county, prefecture and provincial hospitals."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.care.params import HOSPITAL_LEVELS, CareParams
from model.codes import LEVEL_CODE
from model.population.households import County, Population

TOWNSHIP = LEVEL_CODE["township"]


@dataclass(frozen=True)
class Facilities:
    """The county's wards, one entry a facility: name, level, beds, share of its level's admissions, and whether it
    admits beyond its beds."""

    name: tuple[str, ...]
    level: np.ndarray  # int8 [facility]
    beds: np.ndarray  # int64 [facility]
    share: np.ndarray  # float64 [facility]: share of its level's admissions (hospitals); township centres 0
    adds_beds: np.ndarray  # bool [facility]: admits beyond its beds rather than queue (provincial hospitals)
    first_of_level: np.ndarray  # [level] index of the level's first facility (township centres: by township)
    # resident-equivalents a facility serves beyond the simulated persons: their admissions occupy beds too
    background_residents: np.ndarray | None = None  # float64 [facility]
    simulated_residents: np.ndarray | None = None  # float64 [facility]

    def __len__(self) -> int:
        return len(self.name)

    def of_level(self, level: int) -> np.ndarray:
        return np.flatnonzero(self.level == level)


def build_facilities(params: CareParams, county: County, persons_by_township: np.ndarray, bed_use_ratio: float,
                     county_residents: float = 0.0) -> Facilities:
    """The county's real wards: the level's beds per 1,000 residents for the county's residents (or for the
    resident-equivalents the simulated persons stand for, when more), so a ward's size does not depend on how
    many persons are simulated; the residents not simulated occupy beds in the background."""
    names: list[str] = []
    levels: list[int] = []
    beds: list[int] = []
    shares: list[float] = []
    simulated: list[float] = []
    residents: list[float] = []
    first = np.zeros(5, dtype=np.int64)
    township_names = county.township_names or tuple(f"T{t + 1:02d}" for t in range(county.townships))
    first[TOWNSHIP] = 0
    simulated_by_township = persons_by_township * bed_use_ratio
    villages = np.bincount(county.village_township, minlength=county.townships)
    # the county's residents live in townships in proportion to their villages
    county_by_township = county_residents * villages / max(int(villages.sum()), 1)
    residents_by_township = np.maximum(county_by_township, simulated_by_township)
    for township in range(county.townships):
        names.append(f"{township_names[township]} township centre")
        levels.append(TOWNSHIP)
        beds.append(max(1, int(round(params.beds_per_1000[TOWNSHIP] * residents_by_township[township] / 1000))))
        shares.append(0.0)
        simulated.append(float(simulated_by_township[township]))
        residents.append(float(residents_by_township[township]))
    total_simulated = float(simulated_by_township.sum())
    total_residents = max(float(county_residents), total_simulated)
    for level_name in HOSPITAL_LEVELS:
        level = LEVEL_CODE[level_name]
        first[level] = len(names)
        hospital_names, hospital_shares = params.hospitals[level_name]
        for name, share in zip(hospital_names, hospital_shares):
            names.append(name)
            levels.append(level)
            beds.append(max(1, int(round(params.beds_per_1000[level] * total_residents / 1000 * share))))
            shares.append(float(share))
            simulated.append(total_simulated * float(share))
            residents.append(total_residents * float(share))
    level = np.array(levels, dtype=np.int8)
    adds_beds = level == LEVEL_CODE["province"]
    # Provincial hospitals add beds (加床) rather than turn a referral away: their beds never run out, so
    # nobody else's admissions need simulating there.
    background = np.where(adds_beds, 0.0, np.array(residents) - np.array(simulated))
    return Facilities(tuple(names), level, np.array(beds, dtype=np.int64), np.array(shares), adds_beds, first,
                      background, np.array(simulated))


def facilities_for(params: CareParams, population: Population, county: County, bed_use_ratio: float,
                   county_residents: float = 0.0) -> Facilities:
    """The county's wards for a simulated population (see build_facilities).

    Parameters
    ----------
    params : CareParams
        The care file (beds per 1,000 residents by level).
    population : Population
        The simulated persons, placed in townships.
    county : County
        The county drawn for them.
    bed_use_ratio : float
        The share of beds in use on an average day (dimensionless).
    county_residents : float
        Residents (persons) the county's wards serve; 0: as many as the persons simulated.

    Returns
    -------
    Facilities
    """
    persons_by_township = np.bincount(population.household_township[population.household], minlength=county.townships)
    return build_facilities(params, county, persons_by_township, bed_use_ratio, county_residents)
