"""The discrete-event simulation of admissions (SimPy): patients queue for beds, wait up to a limit, are referred on.

One driver process releases arrivals in time order; admissions, discharges and give-ups are
timeout events with callbacks. No process per patient: SimPy slows sharply with process count.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import simpy

from model.care.facilities import Facilities
from model.care.params import CareParams
from model.care.pathway import PROVINCE, Routes, hospital_at, stay_days
from model.care.stays import Stays



def des_stays(care: CareParams, facilities: Facilities, routes: Routes, los_z: np.ndarray, facility_u: np.ndarray) -> Stays:
    n = routes.arrival.shape[0]
    # A patient's stay and hospital at their first level, vectorized; at another level (a referral for
    # want of a bed, rare) computed when needed with the same functions.
    first_stay = stay_days(care, routes.level, los_z).tolist()
    arrival = routes.arrival.tolist()
    first_facility = routes.facility.tolist()
    beds = facilities.beds.tolist()
    level_of = facilities.level.tolist()
    max_wait = care.max_wait_days

    def elsewhere(i: int, level: int) -> tuple[int, int]:
        one = np.array([i])
        facility = hospital_at(facilities, np.array([level]), routes.township[one], facility_u[one])
        return int(facility[0]), int(stay_days(care, np.array([level]), los_z[one])[0])

    occupied = [0] * len(beds)
    queues: list[deque] = [deque() for _ in beds]
    waiting_at = [-1] * n  # the facility a patient queues at, or -1
    waiting_since = [0.0] * n
    facility = list(first_facility)
    stay = list(first_stay)
    admit = [0.0] * n
    discharge = [0.0] * n
    wait = [0.0] * n
    referrals = [0] * n
    env = simpy.Environment()
    timeout = env.timeout

    def admit_now(i: int, f: int) -> None:
        occupied[f] += 1
        facility[i] = f
        admit[i] = env.now
        discharge[i] = env.now + stay[i]
        timeout(stay[i], i).callbacks.append(on_discharge)

    def on_discharge(event) -> None:
        f = facility[event.value]
        occupied[f] -= 1
        queue = queues[f]
        if queue:
            while queue and occupied[f] < beds[f]:
                j = queue.popleft()
                if waiting_at[j] == f:  # not yet gone elsewhere
                    waiting_at[j] = -1
                    wait[j] += env.now - waiting_since[j]
                    admit_now(j, f)

    def on_give_up(event) -> None:
        i, f = event.value
        if waiting_at[i] != f:
            return  # admitted meanwhile
        waiting_at[i] = -1
        wait[i] += env.now - waiting_since[i]
        referrals[i] += 1
        next_facility, stay[i] = elsewhere(i, level_of[f] + 1)
        arrive(i, next_facility)

    def arrive(i: int, f: int) -> None:
        if occupied[f] < beds[f] or level_of[f] == PROVINCE:  # provincial hospitals add beds rather than turn away
            admit_now(i, f)
            return
        queues[f].append(i)
        waiting_at[i] = f
        waiting_since[i] = env.now
        timeout(max_wait, (i, f)).callbacks.append(on_give_up)

    def arrivals():
        now = 0.0
        for i in order:
            t = arrival[i]
            if t > now:
                yield timeout(t - now)
                now = env.now
            f = first_facility[i]
            if occupied[f] < beds[f] or level_of[f] == PROVINCE:  # the common case, inlined: a bed on arrival
                occupied[f] += 1
                admit[i] = t  # times kept exact: the arrival, and the arrival plus the stay
                discharge[i] = t + stay[i]
                timeout(stay[i], i).callbacks.append(on_discharge)
            else:
                arrive(i, f)

    order = np.argsort(routes.arrival, kind="stable").tolist()  # ties in input order
    env.process(arrivals())
    env.run()
    final = np.array(facility, dtype=np.int64)
    return Stays(
        facility=final, level=facilities.level[final].astype(np.int8), admit=np.array(admit), discharge=np.array(discharge),
        wait=np.array(wait), capacity_referrals=np.array(referrals, dtype=np.int64), engine="discrete-event simulation",
    )
