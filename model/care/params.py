"""Care-pathway parameters: facilities and beds, care-seeking, stays, settlement cash flow, behaviour."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Annotated, Any

import numpy as np
from pydantic import PlainValidator, WithJsonSchema

from model.codes import LEVELS, PAYERS
from model.money import RATE_SCALE
from model.population.params import SHARE_TOLERANCE
from model.scenario.messages import Origins, refuse, validated
from model.scenario.types import Boolean, Cited, Rate, Section, choices, in_order, named_type, real, whole

HOSPITAL_LEVELS = ("county", "prefecture", "province")


@dataclass(frozen=True)
class CareParams:
    """A care file read for the simulation: wards, pathway shares, lengths of stay (days), repayment lags (months) and
    rates (ppm), demand response."""

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


Share = real(0, 1)


def _hospital_shares(value: object) -> tuple[tuple[str, ...], np.ndarray]:
    if not isinstance(value, dict) or not value:
        raise refuse("a mapping of hospital names to shares of the level's admissions")
    names = tuple(str(name) for name in value)
    shares = in_order(names, Share)
    values = shares.__metadata__[0].func(value)
    if abs(sum(Decimal(str(v)) for v in values) - 1) > SHARE_TOLERANCE:
        raise refuse("shares adding up to 1", found=f"a sum of {sum(values):.6g}")
    return names, np.array(values, dtype=np.float64)


HospitalShares = named_type("HospitalShares", Annotated[tuple, PlainValidator(_hospital_shares), WithJsonSchema({
    "type": "object", "minProperties": 1, "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1},
    "description": "hospital name: its share of the level's admissions (adding up to 1)"})])


class Township(Section):
    """A care file's `facilities.township`: township health centres a township and their beds per 1,000 residents."""

    per_township: Cited[whole(1, 1)]
    beds_per_1000: Cited[real(0, 1000)]


class HospitalLevel(Section):
    """A care file's `facilities.county`, `.prefecture` or `.province`: the level's hospitals with their shares of its
    admissions, and its beds per 1,000 residents."""

    hospitals: Cited[HospitalShares]
    beds_per_1000: Cited[real(0, 1000)]


class Facilities(Section):
    """A care file's `facilities`: the township centres and the hospitals of each level above them."""

    township: Township
    county: HospitalLevel
    prefecture: HospitalLevel
    province: HospitalLevel


class Pathway(Section):
    """A care file's `pathway`: first contact at the township, its distance (km), bypass and referral shares, misjudged
    severity, the longest wait for a bed (days) and the levels an outpatient visit may use."""

    township_first_share: Cited[Share]
    township_distance_km: Cited[real(0.001, 10_000)]
    bypass_share: Cited[Share]
    bypass_to_province_share: Cited[Share]
    misjudged_share: Cited[Share]
    max_wait_days: Cited[real(0, 365)]
    outpatient_compliant_levels: Cited[choices(LEVELS, "level")]


class Stay(Section):
    """A care file's `stay`: mean length of stay by level (days) and its lognormal spread."""

    mean_days: Cited[in_order(LEVELS[1:], real(0.5, 365))]
    sigma: Cited[real(0, 5)]


def _by_payer(item, charity_default):
    """A value for every payer; `charity` (added with issue 18) may be left out of a care file written
    before it: charity then repays at discharge, in full (it only pays registered cataract surgery)."""
    keyed_values = in_order(PAYERS, item, required=False).__metadata__[0].func

    def check(value: object) -> list:
        values = keyed_values(value)
        for payer, found in zip(PAYERS, values):
            if found is None and payer != "charity":
                raise refuse(f"a value for {payer!r}", found="none")
        return [charity_default if found is None else found for found in values]

    return Annotated[list, PlainValidator(check), WithJsonSchema({
        "type": "object", "propertyNames": {"enum": list(PAYERS)}, "additionalProperties": {"type": "number"},
        "required": [payer for payer in PAYERS if payer != "charity"]})]


class CashFlow(Section):
    """A care file's `cash_flow`: how many months each payer takes to repay what hospitals advanced, and the share (ppm)
    it repays."""

    repayment_lag_months: Cited[_by_payer(whole(0, 24), 0)]
    disbursement_rate: Cited[_by_payer(Rate, RATE_SCALE)]


class Behaviour(Section):
    """A care file's `behaviour`: the price elasticity of demand for care."""

    demand_elasticity: Cited[real(-5, 5)]


class CapitationResponse(Section):
    """A care file's `capitation_response`: whether capitated hospitals keep patients in the county and shorten stays,
    and by how much (factors)."""

    enabled: Cited[Boolean]
    out_of_county_factor: Cited[Share]
    stay_factor: Cited[real(0.1, 1)]


class CareFile(Section):
    """A care file (scenarios/care/): the county's facilities, care-seeking, stays, cash flow, behaviour."""

    id: Any
    name: Any
    description: Any = None
    base: Any = None
    set: Any = None
    year: Cited[whole(1900, 2200)]
    facilities: Facilities
    pathway: Pathway
    stay: Stay
    cash_flow: CashFlow
    behaviour: Behaviour
    capitation_response: CapitationResponse = None

    def to_params(self) -> CareParams:
        facilities = self.facilities
        beds = np.zeros(len(LEVELS))
        beds[1] = facilities.township.beds_per_1000.value
        hospitals = {}
        for index, level in enumerate(HOSPITAL_LEVELS, start=2):
            fields = getattr(facilities, level)
            beds[index] = fields.beds_per_1000.value
            hospitals[level] = fields.hospitals.value
        pathway, stay, response = self.pathway, self.stay, self.capitation_response
        compliant_levels = pathway.outpatient_compliant_levels.value
        return CareParams(
            year=self.year.value,
            township_centres_per_township=facilities.township.per_township.value,
            beds_per_1000=beds,
            hospitals=hospitals,
            township_first_share=pathway.township_first_share.value,
            township_distance_km=pathway.township_distance_km.value,
            bypass_share=pathway.bypass_share.value,
            bypass_to_province_share=pathway.bypass_to_province_share.value,
            misjudged_share=pathway.misjudged_share.value,
            max_wait_days=pathway.max_wait_days.value,
            outpatient_compliant=np.array([level in compliant_levels for level in LEVELS]),
            stay_mean_days=np.array([0.0] + stay.mean_days.value),
            stay_sigma=stay.sigma.value,
            repayment_lag_months=np.array(self.cash_flow.repayment_lag_months.value),
            disbursement_ppm=np.array(self.cash_flow.disbursement_rate.value),
            demand_elasticity=self.behaviour.demand_elasticity.value,
            capitation_response=(response.out_of_county_factor.value, response.stay_factor.value)
            if response is not None and response.enabled.value else None,
        )


def parse_care(section: object, origins: Origins, path: tuple[str, ...] = ("care",)) -> CareParams:
    """The care parameters of a scenario's `care` section, or InputError naming file and field."""
    return validated(CareFile, section, origins, path).to_params()



def care_params(scenario) -> CareParams:
    """The scenario's care parameters; for a scheme with capitation and the care file's `capitation_response`
    switched on, the lead hospital's response: fewer admissions leaving the county, shorter stays in it."""
    params = parse_care(scenario.tree["care"], scenario.origins)
    if params.capitation_response is None or "capitation" not in scenario.tree:
        return replace(params, capitation_response=None)
    out_of_county, stay = params.capitation_response
    in_county = np.array([level in ("township", "county") for level in LEVELS])
    return replace(params, bypass_share=params.bypass_share * out_of_county,
                   stay_mean_days=np.where(in_county, params.stay_mean_days * stay, params.stay_mean_days))
