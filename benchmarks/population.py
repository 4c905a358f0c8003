"""Population throughput: 1,000,000 persons with a year of illness episodes, generated on one core."""

from __future__ import annotations

import time

from benchmarks.common import line, peak_rss_mib
from model.population import population_params
from model.population.build import StageSeeds, chunks, synthetic_county
from model.scenario import load_scenario

N_PERSONS = 1_000_000


def run() -> dict:
    print(f"Population: {N_PERSONS:,} persons with a year of illness (poor_households, 1 core)")
    params = population_params(load_scenario("poor_households"))
    seeds = StageSeeds.of_replication(20161, 0)
    list(chunks(params, 10_000, synthetic_county(params, seeds), seeds))  # warm up
    start = time.perf_counter()
    county = synthetic_county(params, seeds)
    persons = visits = admissions = 0
    for chunk in chunks(params, N_PERSONS, county, seeds):
        persons += chunk.population.n_persons
        visits += len(chunk.illness.visits)
        admissions += len(chunk.illness.admissions())
    seconds = time.perf_counter() - start
    line("persons, households, chronic conditions, visits, admissions", f"{seconds:,.2f} s", "target ≤ 10 s")
    line("person-years generated a second", f"{persons / seconds:,.0f}")
    line("outpatient and chronic visits generated", f"{visits:,}")
    line("admissions generated", f"{admissions:,}")
    line("peak memory of this benchmark process", f"{peak_rss_mib():,.0f} MiB")
    return {"seconds": seconds, "persons": persons, "visits": visits, "admissions": admissions, "peak_rss_mib": peak_rss_mib()}


if __name__ == "__main__":
    run()
