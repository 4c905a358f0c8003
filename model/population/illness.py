"""A year of illness: chronic conditions and their visits, acute visits, admission propensities and major diseases.

Admissions are drawn as propensities with their random numbers fixed per person and per slot,
so that the care stage can realize them under any demand multiplier (behaviour) and every scheme
sees the same people falling ill on the same days (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.arrays import take_rows
from model.seeds import child_seed

from model.codes import CHRONIC_CODES, DISEASE_CODE, SERVICE_CODE
from model.population.costs import lognormal_factor, out_of_list_amount
from model.population.households import Population
from model.population.params import PopulationParams

DAYS = 365
CHRONIC_DISEASE = np.array([DISEASE_CODE[code] for code in CHRONIC_CODES], dtype=np.int16)
MAX_ADMISSION_PROBABILITY = 0.95
MAJOR_COURSE_SPACING_DAYS = 30
# A child of a chunk's illness seed that no year's draws use: each person's draw for their outpatient spread, made once
# for the run, so that a person who uses much care one year uses much the next (and nothing else shifts).
SPREAD_STREAM = 5


@dataclass
class Visits:
    """Outpatient and chronic-outpatient visits, with their level and costs (fen)."""

    person: np.ndarray  # int64
    day: np.ndarray  # int64 day of the year, 0-364
    service: np.ndarray  # int8
    level: np.ndarray  # int8
    disease: np.ndarray  # int16
    total: np.ndarray  # int64 fen
    eligible: np.ndarray  # int64 fen

    def __len__(self) -> int:
        return int(self.person.shape[0])


@dataclass
class Admissions:
    """Admission episodes waiting for the care pathway: who, when, why, how severe, and their random draws."""

    person: np.ndarray  # int64
    day: np.ndarray  # int64 day of the year
    disease: np.ndarray  # int16
    major: np.ndarray  # bool: a special-treatment or major-list disease
    severity: np.ndarray  # float64 in [0, 1): a level treats severities below its limit
    cost_multiplier: np.ndarray  # float64
    cost_z: np.ndarray  # float64 standard normal: the episode's cost quantile, at any level
    list_factor: np.ndarray  # float64 gamma(mean 1): the episode's out-of-list factor, at any level
    los_z: np.ndarray  # float64 standard normal: length-of-stay quantile
    choice_u: np.ndarray  # float64 uniform: the patient's care-seeking draw
    facility_u: np.ndarray  # float64 uniform: which hospital of a level
    timing_u: np.ndarray  # float64 uniform: time of day of arrival

    def __len__(self) -> int:
        return int(self.person.shape[0])

    def take(self, rows: np.ndarray) -> "Admissions":
        return take_rows(self, rows)

    @staticmethod
    def concatenate(parts: list["Admissions"]) -> "Admissions":
        return Admissions(**{name: np.concatenate([getattr(p, name) for p in parts]) for name in Admissions.__dataclass_fields__})


@dataclass
class Illness:
    """The persons' illness in a year: chronic conditions (and which are certified), visits, and each person's chance
    and draws of admission."""

    chronic: np.ndarray  # bool [person, condition]
    certified: np.ndarray  # bool [person, condition]
    visits: Visits
    general_probability: np.ndarray  # float64 [person]: chance of at least one general admission
    general_u: np.ndarray  # float64 [person]: admitted when below the (scaled) probability
    general_slots: Admissions  # one entry per potential general admission, grouped by person
    general_slot_start: np.ndarray  # int64 [person + 1]: a person's slots
    major_admissions: Admissions  # admissions for major diseases (diagnosed this year)

    def admissions(self, multiplier: np.ndarray | None = None) -> Admissions:
        """The year's admissions, general ones scaled by a per-person demand multiplier (1: as drawn)."""
        probability = self.general_probability
        if multiplier is not None:
            probability = np.minimum(MAX_ADMISSION_PROBABILITY, probability * multiplier)
        admitted = self.general_u < probability
        slots = np.repeat(admitted, np.diff(self.general_slot_start))
        return Admissions.concatenate([self.general_slots.take(np.flatnonzero(slots)), self.major_admissions])


def _levels(shares: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A level per row of shares ([n, level]) or per draw of one share vector."""
    cumulative = np.cumsum(shares, axis=-1)
    cumulative[..., -1] = 1.0
    if shares.ndim == 1:
        return np.searchsorted(cumulative, rng.random(), side="right")
    return (rng.random(shares.shape[0])[:, None] >= cumulative).sum(axis=1)


def _chronic_visits(params: PopulationParams, certified: np.ndarray, rng: np.random.Generator) -> dict:
    person, condition = np.nonzero(certified)  # row-major: grouped by person
    counts = params.chronic_visits[condition]
    offset = rng.random(person.shape[0])
    level = _levels(params.chronic_level_shares[condition], rng)
    visit_person = np.repeat(person, counts)
    visit_condition = np.repeat(condition, counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    number = np.arange(visit_person.shape[0]) - first
    day = np.floor((number + np.repeat(offset, counts)) * DAYS / np.repeat(counts, counts)).astype(np.int64)
    visit_level = np.repeat(level, counts)
    mean = params.chronic_cost[visit_condition]
    total = np.round(mean * lognormal_factor(params.sigma_chronic, rng.standard_normal(visit_person.shape[0])) * 100)
    total = total.astype(np.int64)
    factor = rng.gamma(params.out_of_list_spread, 1 / params.out_of_list_spread, visit_person.shape[0])
    eligible = total - out_of_list_amount(params, visit_level, total, factor)
    return dict(person=visit_person, day=day, service=np.full(visit_person.shape[0], SERVICE_CODE["chronic_outpatient"], np.int8),
                level=visit_level.astype(np.int8), disease=CHRONIC_DISEASE[visit_condition], total=total, eligible=eligible)


def person_spread_factors(seed: np.random.SeedSequence, n: int, shape: float | None) -> np.ndarray | None:
    """Each of a chunk's `n` persons' factor on their general outpatient visit rate: gamma with mean 1 and `shape`
    (variance 1/shape), from the chunk's illness `seed` (the same stream every year; model/population/demography.py
    carries the factors when persons die or are born); None (no spread) when the preset sets no shape."""
    if shape is None:
        return None
    return np.random.default_rng(child_seed(seed, SPREAD_STREAM)).standard_gamma(shape, n) / shape


def _acute_visits(params: PopulationParams, population: Population, band: np.ndarray, rng: np.random.Generator,
                  factor: np.ndarray | None = None) -> dict:
    rate = params.outpatient_visits[band] * np.where(population.poor, params.outpatient_poor_rr, 1.0)
    if factor is not None:
        # over-dispersed between persons: a minority make most visits, many make none in a year
        rate = rate * factor
    counts = rng.poisson(rate)
    person = np.repeat(np.arange(population.n_persons), counts)
    n = person.shape[0]
    level = _levels(np.broadcast_to(params.outpatient_level_shares, (n, params.outpatient_level_shares.shape[0])), rng) if n else np.zeros(0, np.int64)
    total = np.round(params.visit_mean[level] * lognormal_factor(params.sigma_visit, rng.standard_normal(n)) * 100).astype(np.int64)
    list_factor = rng.gamma(params.out_of_list_spread, 1 / params.out_of_list_spread, n)
    eligible = total - out_of_list_amount(params, level, total, list_factor)
    return dict(person=person, day=rng.integers(0, DAYS, n), service=np.full(n, SERVICE_CODE["outpatient"], np.int8),
                level=level.astype(np.int8), disease=np.zeros(n, np.int16), total=total, eligible=eligible)


VISIT_DTYPES = {"person": np.int64, "day": np.int64, "service": np.int8, "level": np.int8, "disease": np.int16,
                "total": np.int64, "eligible": np.int64}


def _merge_visits(*parts: dict) -> Visits:
    # Left unsorted: the care stage orders every claim of a person together, once.
    return Visits(**{name: np.concatenate([part[name] for part in parts]) for name in parts[0]})


def _major_probabilities(params: PopulationParams, age: np.ndarray) -> np.ndarray:
    """[person, major disease] chance of diagnosis this year; child-only diseases for ages 0-14."""
    probability = np.broadcast_to(params.major_incidence, (age.shape[0], params.major_incidence.shape[0])).copy()
    probability[:, params.major_child_only] *= (age < 15)[:, None]
    return probability


def solve_intercept(relative: np.ndarray, other: np.ndarray, target: float) -> float:
    """b such that mean(1 − (1 − min(0.95, b·relative))(1 − other)) = target (bisection)."""
    def share(b: float) -> float:
        return float(np.mean(1 - (1 - np.minimum(MAX_ADMISSION_PROBABILITY, b * relative)) * (1 - other)))

    if relative.size == 0 or share(0.0) >= target:
        return 0.0
    low, high = 0.0, MAX_ADMISSION_PROBABILITY / max(float(relative.min()), 1e-12)
    if share(high) <= target:
        return high
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if share(middle) < target else (low, middle)
    return (low + high) / 2


def _slots(n: int, person: np.ndarray, severity_floor: np.ndarray | float, rng: np.random.Generator) -> dict:
    return dict(
        person=person,
        severity=severity_floor + (1 - severity_floor) * rng.random(n),
        cost_z=rng.standard_normal(n),
        los_z=rng.standard_normal(n),
        choice_u=rng.random(n),
        facility_u=rng.random(n),
        timing_u=rng.random(n),
    )


def draw_illness(params: PopulationParams, population: Population, seed: np.random.SeedSequence,
                 with_visits: bool = True, year: int = 0, since_band: np.ndarray | None = None,
                 chronic_draws: tuple[np.ndarray, np.ndarray] | None = None,
                 spread_factors: np.ndarray | None = None) -> Illness:
    """Chronic conditions, visits and admissions; `with_visits=False` skips the visits (their own streams,
    so nothing else changes), for a pass that needs only admissions.

    `year` > 0 is a later year of the same persons (model/years): chronic conditions come from the same
    draws as in year 0, so they persist, at the highest prevalence of the age bands a person has passed
    through since `since_band`; visits and admissions are drawn afresh from the year's own streams.
    `chronic_draws`: each person's own uniform draws [person, condition] for having and for certification of a
    condition (model/population/demography.py carries them when persons die or are born); None: drawn here.
    `spread_factors`: each person's own factor on their general visit rate (`person_spread_factors`, carried likewise);
    None: drawn here from the run-long stream of `seed`.
    """
    chronic_seed = child_seed(seed, 0)
    year_seed = seed if year == 0 else child_seed(seed, 100 + year)
    visit_seed, acute_seed, admission_seed, major_seed = (child_seed(year_seed, i) for i in range(1, 5))
    n = population.n_persons
    band = population.age_band()
    poor = population.poor

    rng = np.random.default_rng(chronic_seed)
    if since_band is None:
        by_band = params.chronic_prevalence[:, band].T
    else:
        # the most prevalent band passed through: a condition once had is never lost
        bands = params.chronic_prevalence.shape[1]
        highest = np.zeros((bands, bands, params.chronic_prevalence.shape[0]))  # [from band, to band, condition]
        for first in range(bands):  # a 5 × 5 table, not a loop over persons
            highest[first, first:] = np.maximum.accumulate(params.chronic_prevalence[:, first:].T, axis=0)
        by_band = highest[since_band, np.maximum(band, since_band)]
    prevalence = by_band * np.where(poor, params.chronic_poor_rr, 1.0)[:, None]
    if chronic_draws is None:
        chronic_draws = (rng.random((n, len(CHRONIC_CODES))), rng.random((n, len(CHRONIC_CODES))))
    chronic = chronic_draws[0] < np.minimum(prevalence, 0.99)
    certified = chronic & (chronic_draws[1] < params.certified_share)
    if with_visits:
        factor = spread_factors
        if factor is None:
            factor = person_spread_factors(seed, n, params.outpatient_person_spread)
        visits = _merge_visits(
            _chronic_visits(params, certified, np.random.default_rng(visit_seed)),
            _acute_visits(params, population, band, np.random.default_rng(acute_seed), factor),
        )
    else:
        visits = _merge_visits(*[{name: np.zeros(0, dtype=dtype) for name, dtype in VISIT_DTYPES.items()}])

    # Admissions: general propensities, calibrated per group to the share admitted, with major diseases on top.
    rng = np.random.default_rng(admission_seed)
    major_probability = _major_probabilities(params, population.age)
    any_major = 1 - np.prod(1 - major_probability, axis=1)
    relative = params.admission_age_rr[band] * params.admission_chronic_rr ** chronic.sum(axis=1)
    probability = np.zeros(n)
    for group, members in (("poor", poor), ("ordinary", ~poor)):
        intercept = solve_intercept(relative[members], any_major[members], params.admission_share[group])
        probability[members] = np.minimum(MAX_ADMISSION_PROBABILITY, intercept * relative[members])
    general_u = rng.random(n)
    slots_per_person = 1 + rng.poisson(params.repeat_admissions_mean, n)
    slot_start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(slots_per_person, out=slot_start[1:])
    slot_person = np.repeat(np.arange(n), slots_per_person)
    n_slots = slot_person.shape[0]
    # a slot's cause: one of the person's conditions (uniformly) with chronic_cause_share, else none
    n_chronic = chronic.sum(axis=1)[slot_person]
    caused = (n_chronic > 0) & (rng.random(n_slots) < params.chronic_cause_share)
    pick = np.floor(rng.random(n_slots) * np.maximum(n_chronic, 1)).astype(np.int64)
    disease = np.zeros(n_slots, dtype=np.int16)
    if caused.any():
        rows = np.flatnonzero(caused)
        which = np.argmax(np.cumsum(chronic[slot_person[rows]], axis=1) > pick[rows, None], axis=1)
        disease[rows] = CHRONIC_DISEASE[which]
    general = Admissions(
        day=rng.integers(0, DAYS, n_slots), disease=disease, major=np.zeros(n_slots, dtype=bool),
        cost_multiplier=np.ones(n_slots), list_factor=rng.gamma(params.out_of_list_spread, 1 / params.out_of_list_spread, n_slots),
        **_slots(n_slots, slot_person, 0.0, rng),
    )

    rng = np.random.default_rng(major_seed)
    case_person, case_disease = np.nonzero(rng.random(major_probability.shape) < major_probability)
    per_case = params.major_admissions[case_disease]
    person = np.repeat(case_person, per_case)
    which = np.repeat(case_disease, per_case)
    course = np.arange(person.shape[0]) - np.repeat(np.cumsum(per_case) - per_case, per_case)
    first_day = np.repeat(rng.integers(0, DAYS, case_person.shape[0]), per_case)
    m = person.shape[0]
    major = Admissions(
        day=np.minimum(first_day + course * MAJOR_COURSE_SPACING_DAYS, DAYS - 1),
        disease=params.major_disease_codes[which], major=np.ones(m, dtype=bool),
        cost_multiplier=params.major_cost_multiplier[which],
        list_factor=rng.gamma(params.out_of_list_spread, 1 / params.out_of_list_spread, m),
        **_slots(m, person, params.major_floor, rng),
    )
    return Illness(chronic, certified, visits, probability, general_u, general, slot_start, major)


def _shifted(admissions: Admissions, offset: int) -> Admissions:
    shifted = Admissions(**{name: getattr(admissions, name) for name in Admissions.__dataclass_fields__})
    shifted.person = admissions.person + offset
    return shifted


def merge(parts: list[Illness], sizes: list[int]) -> Illness:
    """One Illness for consecutive chunks of persons (person indices shifted by the chunks before)."""
    if len(parts) == 1:
        return parts[0]
    offsets = np.cumsum([0] + sizes[:-1])
    visits = Visits(**{
        name: np.concatenate([getattr(p.visits, name) + (o if name == "person" else 0) for p, o in zip(parts, offsets)])
        for name in Visits.__dataclass_fields__
    })
    slot_offsets = np.cumsum([0] + [p.general_slot_start[-1] for p in parts[:-1]])
    slot_start = np.concatenate([parts[0].general_slot_start[:1]] + [
        p.general_slot_start[1:] + so for p, so in zip(parts, slot_offsets)
    ])
    return Illness(
        chronic=np.concatenate([p.chronic for p in parts]),
        certified=np.concatenate([p.certified for p in parts]),
        visits=visits,
        general_probability=np.concatenate([p.general_probability for p in parts]),
        general_u=np.concatenate([p.general_u for p in parts]),
        general_slots=Admissions.concatenate([_shifted(p.general_slots, o) for p, o in zip(parts, offsets)]),
        general_slot_start=slot_start,
        major_admissions=Admissions.concatenate([_shifted(p.major_admissions, o) for p, o in zip(parts, offsets)]),
    )
