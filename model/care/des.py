"""The discrete-event simulation of admissions (SimPy): patients queue for beds, wait up to a limit, are referred on.

Each facility's beds are a Ward: a resource of fixed capacity in the SimPy environment that grants
beds first come, first served, grants the next waiting patient when one is released, and lets a
waiting patient withdraw. One driver process releases arrivals in time order; discharges and
give-ups are timeout events with callbacks. No process per patient: SimPy slows sharply with
process count. (simpy.Resource itself adds a request and a release event per admission, too slow for the
speed this model targets against a bare SimPy loop: benchmarks/care.py measures both.)
"""

from __future__ import annotations

import sys
from collections import deque

import numpy as np
import simpy

from model.care.facilities import Facilities
from model.care.params import CareParams
from model.care.pathway import Routes, hospital_at, stay_days
from model.care.stays import Stays


UNBOUNDED = sys.maxsize


class Ward:
    """A facility's beds: `capacity` beds granted in arrival order; `None` capacity never runs out."""

    __slots__ = ("capacity", "occupied", "queue", "waiting")

    def __init__(self, capacity: int | None) -> None:
        self.capacity = UNBOUNDED if capacity is None else capacity
        self.occupied = 0
        self.queue: deque = deque()
        self.waiting: set = set()

    def request(self, patient: int) -> bool:
        """A bed now (True), or a place in the queue (False)."""
        if self.occupied < self.capacity:
            self.occupied += 1
            return True
        self.queue.append(patient)
        self.waiting.add(patient)
        return False

    def withdraw(self, patient: int) -> bool:
        """Leave the queue; False when the patient is not waiting here (already admitted)."""
        if patient not in self.waiting:
            return False
        self.waiting.discard(patient)  # left in the deque, skipped when reached
        return True

    def release(self) -> int | None:
        """Free a bed and give it to the next waiting patient, whom it returns (None: nobody waits)."""
        while self.queue:
            patient = self.queue.popleft()
            if patient in self.waiting:
                self.waiting.discard(patient)
                return patient  # the bed passes straight on: occupancy unchanged
        self.occupied -= 1
        return None


def des_stays(care: CareParams, facilities: Facilities, routes: Routes, los_z: np.ndarray, facility_u: np.ndarray) -> Stays:
    """Stays from the discrete-event simulation: patients queue for a bed, wait up to the care file's limit,
    then are referred on (design.md, care pathway).

    Parameters
    ----------
    care : CareParams
        The care file (lengths of stay, waiting limit, referral rules).
    facilities : Facilities
        The county's wards (beds, level, township).
    routes : Routes
        Each admission's arrival (days from 1 January) and treating level.
    los_z : numpy.ndarray
        float64 standard-normal draws, one an admission, for its length of stay.
    facility_u : numpy.ndarray
        float64 uniform draws, one an admission, choosing a hospital when a referral moves it.

    Returns
    -------
    Stays
        Where and when each admission was treated (days from 1 January), its wait (days) and referrals for want of
        a bed.
    """
    n = routes.arrival.shape[0]
    # A patient's stay and hospital at their first level, vectorized; at another level (a referral for
    # want of a bed, rare) computed when needed with the same functions.
    stay = stay_days(care, routes.level, los_z).tolist()
    arrival = routes.arrival.tolist()
    first_facility = routes.facility.tolist()
    level_of = facilities.level.tolist()
    max_wait = care.max_wait_days
    wards = [Ward(None if adds else int(count)) for adds, count in zip(facilities.adds_beds.tolist(), facilities.beds.tolist())]

    def elsewhere(i: int, level: int) -> tuple[int, int]:
        one = np.array([i])
        facility = hospital_at(facilities, np.array([level]), routes.township[one], facility_u[one])
        return int(facility[0]), int(stay_days(care, np.array([level]), los_z[one])[0])

    facility = list(first_facility)
    ward_of = [wards[f] for f in first_facility]  # each patient's ward now (it changes on a referral)
    admit = list(arrival)  # most are admitted on arrival: only the others are written below
    wait = [0.0] * n
    waiting_since = [0.0] * n
    referrals = [0] * n
    env = simpy.Environment()
    timeout = env.timeout

    def on_discharge(event) -> None:
        ward = ward_of[event.value]
        if not ward.queue:  # the common case, inlined: nobody waits, the bed is simply free
            ward.occupied -= 1
            return
        next_patient = ward.release()
        if next_patient is not None:
            now = env.now
            wait[next_patient] += now - waiting_since[next_patient]
            admit[next_patient] = now
            timeout(stay[next_patient], next_patient).callbacks.append(on_discharge)

    def on_give_up(event) -> None:
        i = event.value
        if not ward_of[i].withdraw(i):
            return  # admitted meanwhile
        wait[i] += env.now - waiting_since[i]
        referrals[i] += 1
        next_facility, stay[i] = elsewhere(i, level_of[facility[i]] + 1)
        arrive(i, next_facility, env.now)

    def arrive(i: int, f: int, now: float) -> None:
        facility[i] = f
        ward_of[i] = wards[f]
        if wards[f].request(i):
            admit[i] = now
            timeout(stay[i], i).callbacks.append(on_discharge)
        else:
            waiting_since[i] = now
            timeout(max_wait, i).callbacks.append(on_give_up)

    def arrivals():
        now = 0.0
        for i, t in zip(order, arrival_in_order):
            if t > now:
                yield timeout(t - now)
                now = t
            ward = ward_of[i]
            if ward.occupied < ward.capacity:  # the common case, inlined: a free bed on arrival
                ward.occupied += 1
                timeout(stay[i], i).callbacks.append(on_discharge)
            else:
                arrive(i, first_facility[i], t)

    order_array = np.argsort(routes.arrival, kind="stable")  # ties in input order
    order = order_array.tolist()
    arrival_in_order = routes.arrival[order_array].tolist()
    env.process(arrivals())
    env.run()
    admitted = np.array(admit)
    final = np.array(facility, dtype=np.int64)
    return Stays(
        facility=final, level=facilities.level[final].astype(np.int8), admit=admitted,
        discharge=admitted + np.array(stay),  # the same float sums the loop would have made
        wait=np.array(wait), capacity_referrals=np.array(referrals, dtype=np.int64), engine="discrete-event simulation",
    )
