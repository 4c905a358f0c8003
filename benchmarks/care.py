"""Care pathway throughput: the SimPy DES against a bare SimPy loop with as many events; the fast path."""

from __future__ import annotations

import time

import numpy as np
import simpy

from benchmarks.common import best_of, line, peak_rss_mib
from model.care.des import des_stays
from model.care.params import care_params
from model.care.simulate import draw_people, provide_care
from model.scenario import load_scenario

N_PERSONS = 1_000_000


def bare_simpy(arrival_times: np.ndarray, events_per_arrival: int) -> float:
    """A driver yielding one timeout per arrival time and scheduling `events_per_arrival` more timeouts with
    callbacks that do nothing: the same number of SimPy events, and no logic."""
    env = simpy.Environment()
    times = arrival_times.tolist()

    def nothing(event) -> None:
        return None

    def driver():
        for t in times:
            wait = t - env.now
            if wait > 0:
                yield env.timeout(wait)
            for _ in range(events_per_arrival):
                env.timeout(5.0).callbacks.append(nothing)

    start = time.perf_counter()
    env.process(driver())
    env.run()
    return time.perf_counter() - start


def run() -> dict:
    print(f"Care pathway: {N_PERSONS:,} persons under x_prefecture (1 core)")
    scenario = load_scenario("x_prefecture")
    people = draw_people(scenario, N_PERSONS, seed=20161)
    provide_care(scenario, people, "fast")  # warm up
    fast_seconds = best_of(lambda: provide_care(scenario, people, "fast"), 3)
    care = provide_care(scenario, people, "fast")
    admissions = len(care.admissions)
    line("fast path (routing, stays, claims), person-years a second", f"{N_PERSONS / fast_seconds:,.0f}", "target ≥ 1,000,000")
    # The DES on the same admissions, with the default beds (which bind at some township centres).
    params = care_params(scenario)
    des_seconds = best_of(lambda: des_stays(params, care.facilities, care.routes, care.admissions.los_z, care.admissions.facility_u), 5)
    stays = des_stays(params, care.facilities, care.routes, care.admissions.los_z, care.admissions.facility_u)
    waits = int((stays.wait > 0).sum())
    events = 2 * admissions + waits  # each admission's arrival and discharge; a give-up timer per wait
    bare_seconds = min(bare_simpy(np.sort(care.routes.arrival), 1) for _ in range(5))
    bare_events = 2 * admissions
    des_rate = admissions / des_seconds
    line(f"DES: {admissions:,} admissions, {waits:,} waited for a bed", f"{des_rate:,.0f} admissions/s", "target ≥ 50,000")
    line("DES events a second", f"{events / des_seconds:,.0f}")
    line("bare SimPy loop, events a second (same arrivals)", f"{bare_events / bare_seconds:,.0f}")
    line("DES speed / bare loop speed (events a second)", f"{(events / des_seconds) / (bare_events / bare_seconds):.2f}", "target ≥ 0.5")
    # The same admissions with county beds tight enough that many patients queue and some are referred on.
    tight = load_scenario("x_prefecture", ["care.facilities.county.beds_per_1000=3.0"])
    tight_care = provide_care(tight, people, "fast")
    tight_params = care_params(tight)
    tight_seconds = best_of(lambda: des_stays(tight_params, tight_care.facilities, tight_care.routes, tight_care.admissions.los_z,
                                              tight_care.admissions.facility_u), 3)
    queued = des_stays(tight_params, tight_care.facilities, tight_care.routes, tight_care.admissions.los_z,
                       tight_care.admissions.facility_u)
    line(f"DES with tight county beds: {int((queued.wait > 0).sum()):,} waited, {int((queued.capacity_referrals > 0).sum()):,} referred on",
         f"{len(tight_care.admissions) / tight_seconds:,.0f} admissions/s")
    line("peak memory of this benchmark process", f"{peak_rss_mib():,.0f} MiB")
    return {"fast_person_years_per_s": N_PERSONS / fast_seconds, "des_admissions_per_s": des_rate,
            "des_events_per_s": events / des_seconds, "bare_events_per_s": bare_events / bare_seconds,
            "admissions": admissions, "peak_rss_mib": peak_rss_mib()}


if __name__ == "__main__":
    run()
