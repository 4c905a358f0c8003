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
    name: tuple[str, ...]
    level: np.ndarray  # int8 [facility]
    beds: np.ndarray  # int64 [facility]
    share: np.ndarray  # float64 [facility]: share of its level's admissions (hospitals); township centres 0
    adds_beds: np.ndarray  # bool [facility]: admits beyond its beds rather than queue (provincial hospitals)
    first_of_level: np.ndarray  # [level] index of the level's first facility (township centres: by township)

    def __len__(self) -> int:
        return len(self.name)

    def of_level(self, level: int) -> np.ndarray:
        return np.flatnonzero(self.level == level)


def build_facilities(params: CareParams, county: County, persons_by_township: np.ndarray, bed_use_ratio: float) -> Facilities:
    """Beds: the level's beds per 1,000 residents, for the residents the simulated persons stand for."""
    names: list[str] = []
    levels: list[int] = []
    beds: list[int] = []
    shares: list[float] = []
    first = np.zeros(5, dtype=np.int64)
    township_names = county.township_names or tuple(f"T{t + 1:02d}" for t in range(county.townships))
    first[TOWNSHIP] = 0
    for township in range(county.townships):
        residents = persons_by_township[township] * bed_use_ratio
        names.append(f"{township_names[township]} township centre")
        levels.append(TOWNSHIP)
        beds.append(max(1, int(round(params.beds_per_1000[TOWNSHIP] * residents / 1000))))
        shares.append(0.0)
    residents = persons_by_township.sum() * bed_use_ratio
    for level_name in HOSPITAL_LEVELS:
        level = LEVEL_CODE[level_name]
        first[level] = len(names)
        hospital_names, hospital_shares = params.hospitals[level_name]
        for name, share in zip(hospital_names, hospital_shares):
            names.append(name)
            levels.append(level)
            beds.append(max(1, int(round(params.beds_per_1000[level] * residents / 1000 * share))))
            shares.append(float(share))
    level = np.array(levels, dtype=np.int8)
    # Provincial hospitals add beds (加床) rather than turn a referral away: their beds never run out.
    return Facilities(tuple(names), level, np.array(beds, dtype=np.int64), np.array(shares),
                      level == LEVEL_CODE["province"], first)


def facilities_for(params: CareParams, population: Population, county: County, bed_use_ratio: float) -> Facilities:
    persons_by_township = np.bincount(population.household_township[population.household], minlength=county.townships)
    return build_facilities(params, county, persons_by_township, bed_use_ratio)
