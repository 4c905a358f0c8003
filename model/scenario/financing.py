"""The financing section of a scheme (spec §6.6): premiums, subsidies and who funds each payer's outlay."""

from __future__ import annotations

from dataclasses import dataclass, field

from model.codes import CATEGORIES, PAYERS
from model.money import RATE_SCALE
from model.scenario.node import Node

FUNDERS = ("province", "prefecture", "county", "bmi_fund", "insurer", "hospital", "households", "public_health", "charity")
INSURED_GROUPS = ("all", "poor")
EXIT_STATES = ("exited", "not_exited")


@dataclass(frozen=True)
class PurchasedCover:
    """Insurance a fund buys from an insurer: the insurer bears claims against the premium."""

    premium_per_person: int  # fen a year
    funder: str
    insured: str  # 'all' or 'poor'


@dataclass(frozen=True)
class PayerFunding:
    """A payer funded by fixed province subsidies per registered-poor person (spec §6.6), the rest by one funder."""

    province_per_registered_person: int  # fen a year
    remainder: str


@dataclass(frozen=True)
class Financing:
    individual_premium: int  # fen a person a year
    government_contribution: int  # fen a person a year into the BMI fund, beside the premium
    premium_subsidy_share: dict[str, int]  # ppm of the individual premium paid by government, by category
    province_share: dict[str, int]  # ppm of the subsidy the province pays, by exited / not_exited
    remainder_split: dict[str, int]  # ppm of what is left, prefecture and county
    payer_funding: dict[str, PayerFunding]
    purchased_cover: dict[str, PurchasedCover]
    family_doctor_fee: int  # fen a person a year (0: none)
    family_doctor_split: dict[str, int]  # fen by funder: public_health, bmi_fund, individual
    # payer -> funder of what the payer pays the poor above what the ordinary residents' layers would pay
    # on the same claims (spec §6.6, GS 7 and 8: the province funds the tilt)
    tilt_funder: dict[str, str] = field(default_factory=dict)


KEYS = (
    "individual_premium", "government_contribution", "premium_subsidy_share", "premium_subsidy_split",
    "payer_funding", "purchased_cover", "family_doctor", "tilt_funder",
)


def parse(node: Node) -> Financing:
    parts = node.mapping(KEYS, required=("individual_premium", "premium_subsidy_share"))
    subsidy = parts["premium_subsidy_share"].cited_mapping(CATEGORIES, "category", Node.rate)
    missing = [c for c in CATEGORIES if c not in subsidy]
    if missing:
        raise parts["premium_subsidy_share"].fail(f"a share for every category ({', '.join(CATEGORIES)})", found=f"none for {missing[0]}")
    province_share = {state: 0 for state in EXIT_STATES}
    remainder = {"prefecture": 0, "county": RATE_SCALE}
    if "premium_subsidy_split" in parts:
        split = parts["premium_subsidy_split"].mapping(("province", "remainder"), required=("province", "remainder"))
        province_share = split["province"].cited_mapping(EXIT_STATES, "poverty-exit state", Node.rate)
        remainder = split["remainder"].cited_mapping(("prefecture", "county"), "government level", Node.rate)
        if sum(remainder.values()) != RATE_SCALE:
            raise split["remainder"].fail("prefecture and county shares adding up to 1")
    payer_funding = {}
    if "payer_funding" in parts:
        for payer, item in parts["payer_funding"].items():
            if payer not in PAYERS:
                raise item.fail(f"a payer ({', '.join(PAYERS)}) as key", found=repr(payer))
            fields = item.mapping(("province_per_registered_person", "remainder"), required=("remainder",))
            payer_funding[payer] = PayerFunding(
                province_per_registered_person=fields["province_per_registered_person"].cited()[0].money()
                if "province_per_registered_person" in fields else 0,
                remainder=fields["remainder"].cited()[0].choice(FUNDERS, "funder"),
            )
    cover = {}
    if "purchased_cover" in parts:
        for payer, item in parts["purchased_cover"].items():
            if payer not in PAYERS:
                raise item.fail(f"a payer ({', '.join(PAYERS)}) as key", found=repr(payer))
            fields = item.mapping(("premium_per_person", "funder", "insured"), required=("premium_per_person", "funder", "insured"))
            cover[payer] = PurchasedCover(
                premium_per_person=fields["premium_per_person"].cited()[0].money(),
                funder=fields["funder"].cited()[0].choice(FUNDERS, "funder"),
                insured=fields["insured"].cited()[0].choice(INSURED_GROUPS, "insured group"),
            )
    fee, fee_split = 0, {}
    if "family_doctor" in parts:
        doctor = parts["family_doctor"].mapping(("fee", "split"), required=("fee", "split"))
        fee = doctor["fee"].cited()[0].money()
        fee_split = doctor["split"].cited_mapping(("public_health", "bmi_fund", "individual"), "funder", Node.money)
        if sum(fee_split.values()) != fee:
            raise doctor["split"].fail(f"parts adding up to the fee, {fee / 100:.2f}", found=f"{sum(fee_split.values()) / 100:.2f}")
    tilt_funder = {}
    if "tilt_funder" in parts:
        for payer, item in parts["tilt_funder"].items():
            if payer not in PAYERS:
                raise item.fail(f"a payer ({', '.join(PAYERS)}) as key", found=repr(payer))
            tilt_funder[payer] = item.cited()[0].choice(FUNDERS, "funder")
    return Financing(
        individual_premium=parts["individual_premium"].cited()[0].money(),
        government_contribution=parts["government_contribution"].cited()[0].money()
        if "government_contribution" in parts else 0,
        premium_subsidy_share=subsidy,
        province_share=province_share,
        remainder_split=remainder,
        payer_funding=payer_funding,
        purchased_cover=cover,
        family_doctor_fee=fee,
        family_doctor_split=fee_split,
        tilt_funder=tilt_funder,
    )


def validate(node: Node) -> None:
    parse(node)
