"""Care-pathway parameters: facilities and beds, care-seeking, stays, settlement cash flow, behaviour."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from model.codes import LEVELS, PAYERS
from model.money import RATE_SCALE
from model.population.params import _cited, _float, _keyed, _shares
from model.scenario.node import Node

HOSPITAL_LEVELS = ("county", "prefecture", "province")


@dataclass(frozen=True)
class CareParams:
    year: int
    township_centres_per_township: int
    beds_per_1000: np.ndarray  # [level] beds per 1,000 residents (village: none)
    hospitals: dict[str, tuple[tuple[str, ...], np.ndarray]]  # level -> (names, shares of the level's admissions)
    township_first_share: float
    township_distance_km: float
    bypass_share: float
    bypass_to_province_share: float
    misjudged_share: float
    max_wait_days: float
    outpatient_compliant: np.ndarray  # [level] bool
    stay_mean_days: np.ndarray  # [level] (village: none)
    stay_sigma: float
    repayment_lag_months: np.ndarray  # [payer] int
    disbursement_ppm: np.ndarray  # [payer] int parts per million repaid at the lag; the rest at the annual settlement
    demand_elasticity: float
    # the lead hospital's response to capitation (issue 18): (factor on admissions bypassing out of the county,
    # factor on stays in the county), None when the care file's switch is off
    capitation_response: tuple[float, float] | None = None


def parse(node: Node) -> CareParams:
    parts = node.mapping(("id", "name", "description", "base", "set", "year", "facilities", "pathway", "stay", "cash_flow", "behaviour",
                          "capitation_response"),
                         required=("id", "name", "year", "facilities", "pathway", "stay", "cash_flow", "behaviour"))
    facilities = parts["facilities"].mapping(LEVELS[1:], required=LEVELS[1:])
    township = facilities["township"].mapping(("per_township", "beds_per_1000"), required=("per_township", "beds_per_1000"))
    beds = np.zeros(len(LEVELS))
    beds[1] = _float(_cited(township["beds_per_1000"]), 0, 1000)
    hospitals = {}
    for index, level in enumerate(HOSPITAL_LEVELS, start=2):
        fields = facilities[level].mapping(("hospitals", "beds_per_1000"), required=("hospitals", "beds_per_1000"))
        beds[index] = _float(_cited(fields["beds_per_1000"]), 0, 1000)
        names_node = _cited(fields["hospitals"])
        if not isinstance(names_node.value, dict) or not names_node.value:
            raise names_node.fail("a mapping of hospital names to shares of the level's admissions")
        names = tuple(str(name) for name in names_node.value)
        hospitals[level] = (names, _shares(names_node, names, required=True))
    pathway = parts["pathway"].mapping(
        ("township_first_share", "township_distance_km", "bypass_share", "bypass_to_province_share", "misjudged_share",
         "max_wait_days", "outpatient_compliant_levels"),
        required=("township_first_share", "township_distance_km", "bypass_share", "bypass_to_province_share",
                  "misjudged_share", "max_wait_days", "outpatient_compliant_levels"),
    )
    compliant_levels = _cited(pathway["outpatient_compliant_levels"]).choices(LEVELS, "level")
    stay = parts["stay"].mapping(("mean_days", "sigma"), required=("mean_days", "sigma"))
    stay_mean = np.array([0.0] + _keyed(_cited(stay["mean_days"]), LEVELS[1:], lambda n: _float(n, 0.5, 365)))
    cash = parts["cash_flow"].mapping(("repayment_lag_months", "disbursement_rate"), required=("repayment_lag_months", "disbursement_rate"))
    behaviour = parts["behaviour"].mapping(("demand_elasticity",), required=("demand_elasticity",))
    return CareParams(
        year=_cited(parts["year"]).integer(1900, 2200),
        township_centres_per_township=_cited(township["per_township"]).integer(1, 1),
        beds_per_1000=beds,
        hospitals=hospitals,
        township_first_share=_float(_cited(pathway["township_first_share"]), 0, 1),
        township_distance_km=_float(_cited(pathway["township_distance_km"]), 0.001, 10_000),
        bypass_share=_float(_cited(pathway["bypass_share"]), 0, 1),
        bypass_to_province_share=_float(_cited(pathway["bypass_to_province_share"]), 0, 1),
        misjudged_share=_float(_cited(pathway["misjudged_share"]), 0, 1),
        max_wait_days=_float(_cited(pathway["max_wait_days"]), 0, 365),
        outpatient_compliant=np.array([level in compliant_levels for level in LEVELS]),
        stay_mean_days=stay_mean,
        stay_sigma=_float(_cited(stay["sigma"]), 0, 5),
        repayment_lag_months=np.array(_by_payer(_cited(cash["repayment_lag_months"]), lambda n: n.integer(0, 24), 0)),
        disbursement_ppm=np.array(_by_payer(_cited(cash["disbursement_rate"]), Node.rate, RATE_SCALE)),
        demand_elasticity=_float(_cited(behaviour["demand_elasticity"]), -5, 5),
        capitation_response=_capitation_response(parts["capitation_response"]) if "capitation_response" in parts else None,
    )


def _capitation_response(node: Node) -> tuple[float, float] | None:
    fields = node.mapping(("enabled", "out_of_county_factor", "stay_factor"),
                          required=("enabled", "out_of_county_factor", "stay_factor"))
    out_of_county = _float(_cited(fields["out_of_county_factor"]), 0, 1)
    stay = _float(_cited(fields["stay_factor"]), 0.1, 1)
    return (out_of_county, stay) if _cited(fields["enabled"]).boolean() else None


def _by_payer(node: Node, read, charity_default) -> list:
    """A value for every payer; `charity` (added with issue 18) may be left out of a care file written
    before it: charity then repays at discharge, in full (it only pays registered cataract surgery)."""
    values = _keyed(node, PAYERS, read, required=False)
    for payer, value in zip(PAYERS, values):
        if value is None and payer != "charity":
            raise node.fail(f"a value for {payer!r}", found="none")
    return [charity_default if value is None else value for value in values]


def validate(node: Node) -> None:
    parse(node)


def care_params(scenario) -> CareParams:
    """The scenario's care parameters; for a scheme with capitation and the care file's `capitation_response`
    switched on, the lead hospital's response: fewer admissions leaving the county, shorter stays in it."""
    params = parse(Node(scenario.tree["care"], ("care",), scenario.origins))
    if params.capitation_response is None or "capitation" not in scenario.tree:
        return replace(params, capitation_response=None)
    out_of_county, stay = params.capitation_response
    in_county = np.array([level in ("township", "county") for level in LEVELS])
    return replace(params, bypass_share=params.bypass_share * out_of_county,
                   stay_mean_days=np.where(in_county, params.stay_mean_days * stay, params.stay_mean_days))
