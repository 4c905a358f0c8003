"""Who finally pays (spec §6.6): outlays traced to province, prefecture, county, BMI fund, insurer, hospital,
households; premiums, subsidies and loss ratios beside them.

Claims side, adding up to total cost exactly: each payer's outlay goes to its funder; an insurer's
cover moves the premium to whoever buys it and leaves the insurer claims minus premium; a fund
with fixed province subsidies per poor person leaves the rest to its remainder funder.
"""

from __future__ import annotations

import numpy as np

from model.codes import CATEGORY_CODE, CATEGORY_SETS, PAYERS
from model.money import RATE_SCALE
from model.rules.program import MEMBERS
from model.scenario.financing import FUNDERS, Financing

FUNDING_METRICS = tuple(f"funding_{funder}" for funder in FUNDERS if funder != "public_health")
DEFAULT_FUNDER = {"bmi": "bmi_fund", "hospital": "hospital", "charity": "charity"}  # charity: social funds (社会资金)  # others, when a scheme names none: the county (assumed)
GOVERNMENT_LEVELS = ("province", "prefecture", "county")
LEVEL_FUNDS = ("backstop", "ma")  # the funds a county budgets for, split by the level of government that pays
LEVEL_OUTLAY_METRICS = tuple(f"outlay_{fund}_{level}" for fund in LEVEL_FUNDS for level in GOVERNMENT_LEVELS)
_FUND_LABELS = {"backstop": ("兜底保障", "backstop"), "ma": ("医疗救助", "medical assistance")}
_LEVEL_LABELS = {"province": ("省级", "province"), "prefecture": ("市州", "prefecture"), "county": ("县级", "county")}
LEVEL_OUTLAY_NAMES = {  # each in Chinese and English (model/outcomes/metrics.py METRIC_NAMES)
    f"outlay_{fund}_{level}": {"zh": f"{_FUND_LABELS[fund][0]}·{_LEVEL_LABELS[level][0]}承担",
                               "en": f"{_FUND_LABELS[fund][1]}, {_LEVEL_LABELS[level][1]} share"}
    for fund in LEVEL_FUNDS for level in GOVERNMENT_LEVELS
}


def funding(financing: Financing | None, outlay_fen: np.ndarray, oop_fen: int, n_persons: int, n_poor: int,
            premiums: dict[str, int], n_registered: int = 0, tilt_fen: np.ndarray | None = None) -> dict[str, float]:
    """Yuan a year by funder for the claims (adding up to total cost), beside premiums and subsidies
    (`premiums`: premium_sums, in fen, summed over the population). Province subsidies to a payer
    are per registered-poor person (spec §6.6, XZ (四), (五)). `tilt_fen` (by payer): what each payer
    paid the poor above what the ordinary residents' layers would pay on the same claims; where the
    scheme names a funder for it (GS: the province), that amount moves from the payer's own funder
    to it, so the funding still adds up to total cost."""
    fen = {funder: 0 for funder in FUNDERS}
    extra: dict[str, float] = {}
    by_level = {fund: dict.fromkeys(GOVERNMENT_LEVELS, 0) for fund in LEVEL_FUNDS}
    for p, payer in enumerate(PAYERS):
        outlay = int(outlay_fen[p])
        cover = financing.purchased_cover.get(payer) if financing else None
        fund = financing.payer_funding.get(payer) if financing else None
        own_funder = "insurer" if cover is not None else fund.remainder if fund is not None else DEFAULT_FUNDER.get(payer, "county")
        if financing and payer in financing.tilt_funder and tilt_fen is not None:
            moved = int(tilt_fen[p])
            fen[financing.tilt_funder[payer]] += moved
            fen[own_funder] -= moved
            extra[f"tilt_{payer}"] = moved / 100
        shares: dict[str, int]  # fen of this payer's outlay (or premium) by funder
        if cover is not None:
            insured = n_persons if cover.insured == "all" else n_poor
            premium = cover.premium_per_person * insured
            shares = {cover.funder: premium}
            fen["insurer"] += outlay - premium
            extra[f"premium_{payer}"] = premium / 100
            extra[f"loss_ratio_{payer}"] = outlay / premium if premium else float("nan")
        elif fund is not None:
            subsidy = fund.province_per_registered_person * n_registered
            shares = {"province": subsidy}
            shares[fund.remainder] = shares.get(fund.remainder, 0) + outlay - subsidy
        else:
            shares = {DEFAULT_FUNDER.get(payer, "county"): outlay}
        for funder, amount in shares.items():
            fen[funder] += amount
            if payer in by_level and funder in GOVERNMENT_LEVELS:
                by_level[payer][funder] += amount
    fen["households"] += oop_fen
    result = {f"funding_{funder}": fen[funder] / 100 for funder in FUNDERS if funder != "public_health"}
    result.update(extra)
    # what each level of government pays for the backstop and medical assistance (a purchased cover: its premium)
    result.update({f"outlay_{fund}_{level}": by_level[fund][level] / 100 for fund in LEVEL_FUNDS for level in GOVERNMENT_LEVELS})
    result.update({key: fen_amount / 100 for key, fen_amount in premiums.items()})
    for level in ("province", "prefecture", "county"):
        result[f"budget_{level}"] = result[f"funding_{level}"] + result[f"subsidy_{level}"]
    return result


PREMIUM_KEYS = ("premium_individual", "premium_households", "subsidy_province", "subsidy_prefecture", "subsidy_county",
                "family_doctor_public_health", "family_doctor_bmi_fund", "bmi_government_contribution")


def premium_sums(financing: Financing | None, category: np.ndarray, exited: np.ndarray) -> dict[str, int]:
    """Fen for persons of `category` (category-set codes) and `exited` (bool): the individual premium (and
    the registered poor's family-doctor fee), what governments subsidize and what households pay. Sums
    over chunks of persons. A person of several categories gets the most generous subsidy any of them
    gives (spec §6.6)."""
    out = dict.fromkeys(PREMIUM_KEYS, 0)
    if financing is None:
        return out
    registered = MEMBERS[category, CATEGORY_CODE["registered_poor"]]
    share = np.array([max(financing.premium_subsidy_share[c] for c in members) for members in CATEGORY_SETS])
    fee = financing.family_doctor_split.get("individual", 0)
    # XZ (十): the registered poor's contract-fee share, subsidized as the premium
    individual = financing.individual_premium + np.where(registered, fee, 0)
    subsidy = (share[category] * individual + RATE_SCALE // 2) // RATE_SCALE
    province_share = np.where(exited, financing.province_share["exited"], financing.province_share["not_exited"])
    province = (province_share * subsidy + RATE_SCALE // 2) // RATE_SCALE
    rest = subsidy - province
    prefecture = (financing.remainder_split["prefecture"] * rest + RATE_SCALE // 2) // RATE_SCALE
    n_registered = int(registered.sum())
    out.update({
        "premium_individual": int(individual.sum()),
        "premium_households": int((individual - subsidy).sum()),
        "subsidy_province": int(province.sum()),
        "subsidy_prefecture": int(prefecture.sum()),
        "subsidy_county": int((rest - prefecture).sum()),
        "family_doctor_public_health": financing.family_doctor_split.get("public_health", 0) * n_registered,
        "family_doctor_bmi_fund": financing.family_doctor_split.get("bmi_fund", 0) * n_registered,
        # governments' contribution to the BMI fund for every insured person, beside the premiums
        "bmi_government_contribution": financing.government_contribution * int(category.shape[0]),
    })
    return out
