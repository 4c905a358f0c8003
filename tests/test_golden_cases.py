"""Declarative golden cases: claim streams in, expected payments out (tests/golden/*.yaml, arithmetic in `why`)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import TESTS, write_scheme
from model.codes import output_columns
from model.money import fen_to_yuan
from model.rules.claim_arrays import from_records
from model.rules.claims_csv import read_claims
from model.rules.payments_csv import payments_csv
from model.rules.engine import settle
from model.rules.reference import Claim
from model.rules.reference import settle as reference_settle
from model.scenario import load_scenario

CASES = sorted((TESTS / "golden").glob("*.yaml"))


def load_case(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def scenario_of(case: dict, tmp_path: Path):
    scheme = case["scheme"]
    return load_scenario(scheme if isinstance(scheme, str) else write_scheme(tmp_path, scheme))


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden_case(path: Path, tmp_path: Path, claims_file) -> None:
    case = load_case(path)
    scenario = scenario_of(case, tmp_path)
    parsed = read_claims(claims_file(case["claims"]))
    amounts = settle(scenario.scheme, parsed.claims)
    assert payments_csv(parsed, amounts).decode() == case["expected"], case["why"]


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden_case_reference_settler(path: Path, tmp_path: Path) -> None:
    """The slow, literal settler agrees with the same expected payments."""
    case = load_case(path)
    scenario = scenario_of(case, tmp_path)
    lines = case["claims"].strip().splitlines()[1:]
    records = []
    for line in lines:
        cid, pid, date, service, level, disease, total, eligible, compliant, category = line.split(",")
        records.append(Claim(cid, pid, date, service, level, disease, round(float(total) * 100),
                             round(float(eligible) * 100), compliant == "true", category))
    settled = reference_settle(scenario.scheme, records).payments
    columns = output_columns(scenario.scheme.has_charity)
    rendered = "claim_id," + ",".join(columns) + "\n" + "".join(
        record.claim_id + "," + ",".join(fen_to_yuan(paid[c]) for c in columns) + "\n"
        for record, paid in zip(records, settled)
    )
    assert rendered == case["expected"]
    assert from_records(records).n_persons == len({r.person_id for r in records})


REQUIRED_COVERAGE = {
    # every mechanic
    "coinsurance", "tiered", "topup", "ceiling", "out_of_list",
    # both pools, and how payments draw on them
    "base_eligible", "base_total", "pools",
    # every cap kind, and payer caps shared across layers
    "annual_cap", "annual_cap_by_disease", "payer_caps", "payer_caps_shared_across_layers",
    # year reset, special treatment, unreferred claims, rounding, order
    "year_reset", "special", "unreferred", "rounding", "order",
    # each seed scheme, and a reform
    "seed_xz", "seed_mj", "seed_sx", "seed_gs", "reform",
    # spec version 2: category sets, exclude_categories, each scheme change, a category changing within a year
    "category_sets", "exclude_categories", "filter_categories_any", "own_counters", "category_from_claim",
    "civil_affairs_assistance", "out_of_county_floor", "assistance_70",
    # issue 18: a charity payer, its own output column
    "charity",
}


def test_golden_cases_cover_every_mechanic() -> None:
    assert len(CASES) >= 45
    covered = set().union(*(set(load_case(path)["covers"]) for path in CASES))
    assert REQUIRED_COVERAGE <= covered, REQUIRED_COVERAGE - covered
    assert any(load_case(p)["scheme"] == "baseline" for p in CASES)
