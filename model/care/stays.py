"""Stays in hospital: when each admission is admitted and discharged, where, and how long it waited.

Two ways to compute them. The fast path admits everyone on arrival; it is exact whenever no
facility ever has more patients than beds (`capacity_binds` checks exactly that). The SimPy
discrete-event simulation (model/care/des.py) queues patients for beds and refers them on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.care.facilities import Facilities
from model.care.params import CareParams
from model.care.pathway import Routes, stay_days


@dataclass
class Stays:
    """Each admission's stay: the facility and level that treated it, admission and discharge (days from 1 January), the
    wait for a bed (days) and referrals for want of one."""

    facility: np.ndarray  # int64 where treated
    level: np.ndarray  # int8
    admit: np.ndarray  # float64 days from 1 January
    discharge: np.ndarray  # float64 days
    wait: np.ndarray  # float64 days waited for a bed, all facilities together
    capacity_referrals: np.ndarray  # int64 times referred on for want of a bed
    engine: str  # "fast path" or "discrete-event simulation"


def fast_stays(care: CareParams, facilities: Facilities, routes: Routes, los_z: np.ndarray) -> Stays:
    """Stays without queueing (the fast path): every patient is admitted on arrival where routed and stays
    the drawn length.

    Parameters
    ----------
    care : CareParams
        The care file (lengths of stay by level).
    facilities : Facilities
        The county's wards (unused beyond the routes' facilities; the same signature as des_stays).
    routes : Routes
        Each admission's arrival (days from 1 January), facility and level.
    los_z : numpy.ndarray
        float64 standard-normal draws, one an admission, for its length of stay.

    Returns
    -------
    Stays
        Admission and discharge in days from 1 January; no waits, no referrals for want of a bed.
    """
    stay = stay_days(care, routes.level, los_z)
    n = routes.arrival.shape[0]
    return Stays(
        facility=routes.facility.copy(), level=routes.level.copy(), admit=routes.arrival.copy(),
        discharge=routes.arrival + stay, wait=np.zeros(n), capacity_referrals=np.zeros(n, dtype=np.int64),
        engine="fast path",
    )


def peak_occupancy(facilities: Facilities, stays: Stays) -> np.ndarray:
    """The most patients each facility ever holds at once (arrivals counted before discharges at equal times)."""
    n = stays.facility.shape[0]
    facility = np.concatenate([stays.facility, stays.facility])
    time = np.concatenate([stays.admit, stays.discharge])
    delta = np.concatenate([np.ones(n, dtype=np.int64), -np.ones(n, dtype=np.int64)])
    order = np.lexsort((-delta, time, facility))
    running = np.cumsum(delta[order])  # every facility's deltas add to 0, so the sum restarts at each facility
    peak = np.zeros(len(facilities), dtype=np.int64)
    np.maximum.at(peak, facility[order], running)
    return peak


def capacity_binds(facilities: Facilities, stays: Stays) -> bool:
    """Whether any facility that cannot add beds ever needs more beds than it has."""
    return bool(np.any((peak_occupancy(facilities, stays) > facilities.beds) & ~facilities.adds_beds))
