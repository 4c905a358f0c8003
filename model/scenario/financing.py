"""The financing section of a scheme (spec §6.6): premiums, subsidies and who funds each payer's outlay."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from pydantic import model_validator

from model.codes import CATEGORIES, PAYERS
from model.money import RATE_SCALE
from model.scenario.messages import Origins, refuse, validated
from model.scenario.types import Cited, Money, Rate, Section, choice, keyed

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
    """A scheme's financing read: the individual premium and the government contribution (fen a person a year), the
    premium subsidies (ppm) and how levels split them, and the payers' funding."""

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


Funder = choice(FUNDERS, "funder")


class PremiumSubsidySplit(Section):
    """A scheme's `financing.premium_subsidy_split`: the province's share of the premium subsidy (by
    poverty-exit state) and how prefecture and county split the rest (shares)."""

    province: Cited[keyed(EXIT_STATES, "poverty-exit state", Rate)]
    remainder: Cited[keyed(("prefecture", "county"), "government level", Rate)]

    @model_validator(mode="after")
    def _whole(self) -> "PremiumSubsidySplit":
        if sum(self.remainder.value.values()) != RATE_SCALE:
            raise refuse("prefecture and county shares adding up to 1", at=("remainder",))
        return self


class PayerFundingFile(Section):
    """A scheme's `financing.payer_funding.PAYER`: what the province puts in a registered person (yuan a
    year) and who funds the rest."""

    province_per_registered_person: Cited[Money] = None
    remainder: Cited[Funder]


class PurchasedCoverFile(Section):
    """A scheme's `financing.purchased_cover.PAYER`: insurance bought for a group, its premium (yuan a
    person a year) and who pays it."""

    premium_per_person: Cited[Money]
    funder: Cited[Funder]
    insured: Cited[choice(INSURED_GROUPS, "insured group")]


class FamilyDoctor(Section):
    """A scheme's `financing.family_doctor`: the contracted family doctor's fee (yuan a person a year) and
    how it is split among its funders (yuan)."""

    fee: Cited[Money]
    split: Cited[keyed(("public_health", "bmi_fund", "individual"), "funder", Money)]

    @model_validator(mode="after")
    def _adds_up(self) -> "FamilyDoctor":
        total = sum(self.split.value.values())
        if total != self.fee.value:
            raise refuse(f"parts adding up to the fee, {self.fee.value / 100:.2f}", found=f"{total / 100:.2f}", at=("split",))
        return self


class FinancingFile(Section):
    """The `financing` section of a scheme file."""

    required_keys: ClassVar[tuple[str, ...]] = ("individual_premium", "premium_subsidy_share")
    individual_premium: Cited[Money]
    government_contribution: Cited[Money] = None
    premium_subsidy_share: Cited[keyed(CATEGORIES, "category", Rate)]
    premium_subsidy_split: PremiumSubsidySplit = None
    payer_funding: keyed(PAYERS, "payer", PayerFundingFile, not_a_mapping="a mapping") = None
    purchased_cover: keyed(PAYERS, "payer", PurchasedCoverFile, not_a_mapping="a mapping") = None
    family_doctor: FamilyDoctor = None
    tilt_funder: keyed(PAYERS, "payer", Cited[Funder], not_a_mapping="a mapping") = None

    @model_validator(mode="after")
    def _every_category(self) -> "FinancingFile":
        missing = [c for c in CATEGORIES if c not in self.premium_subsidy_share.value]
        if missing:
            raise refuse(f"a share for every category ({', '.join(CATEGORIES)})", found=f"none for {missing[0]}",
                         at=("premium_subsidy_share",))
        return self

    def to_financing(self) -> Financing:
        split = self.premium_subsidy_split
        doctor = self.family_doctor
        return Financing(
            individual_premium=self.individual_premium.value,
            government_contribution=self.government_contribution.value if self.government_contribution is not None else 0,
            premium_subsidy_share=dict(self.premium_subsidy_share.value),
            province_share=dict(split.province.value) if split is not None else {state: 0 for state in EXIT_STATES},
            remainder_split=dict(split.remainder.value) if split is not None else {"prefecture": 0, "county": RATE_SCALE},
            payer_funding={payer: PayerFunding(
                province_per_registered_person=item.province_per_registered_person.value
                if item.province_per_registered_person is not None else 0,
                remainder=item.remainder.value) for payer, item in (self.payer_funding or {}).items()},
            purchased_cover={payer: PurchasedCover(item.premium_per_person.value, item.funder.value, item.insured.value)
                             for payer, item in (self.purchased_cover or {}).items()},
            family_doctor_fee=doctor.fee.value if doctor is not None else 0,
            family_doctor_split=dict(doctor.split.value) if doctor is not None else {},
            tilt_funder={payer: item.value for payer, item in (self.tilt_funder or {}).items()},
        )


def parse_financing(section: object, origins: Origins, path: tuple[str, ...] = ("financing",)) -> Financing:
    """The financing of a scheme's `financing` section, or InputError naming file and field."""
    return validated(FinancingFile, section, origins, path).to_financing()


def financing_of(scenario) -> Financing | None:
    """The scenario's financing, None without a `financing:` section."""
    section = scenario.tree.get("financing")
    return parse_financing(section, scenario.origins) if section is not None else None

