"""Financial protection per household-year: catastrophic spending and impoverishment, in two scopes of out-of-pocket.

Capacity to pay follows Xu et al. (Lancet 2003;362:111) and WHO, "Distribution of health payments and
catastrophic expenditures: methodology" (2005): subsistence spending per equivalent adult is the mean food
spending per equivalent adult (household size^0.56) of the households whose food share lies between the
45th and 55th percentiles; capacity = consumption − subsistence × size^0.56, or consumption − food spending
where food spending is below that subsistence.
"""

from __future__ import annotations

import numpy as np

from model.outcomes.params import OutcomeParams

PROTECTION = ("che_10", "che_25", "che_ctp40", "impoverishment")
# Scopes of out-of-pocket: every claim, or only the claims administrative data see (inpatient and chronic outpatient).
SCOPES = ("", "_inpatient_chronic")
PROTECTION_METRICS = tuple(metric + scope for scope in SCOPES for metric in PROTECTION)
# Definitions and scopes beside every figure (Chinese first, English beside).
DEFINITIONS = {
    "che_10": ("自付>家庭收入10%", "OOP > 10% of household income"),
    "che_25": ("自付>家庭收入25%", "OOP > 25% of household income"),
    "che_ctp40": ("自付≥支付能力40%（Xu 2003/WHO 2005：消费−生存支出，等价规模^0.56）",
                  "OOP ≥ 40% of capacity to pay (Xu 2003/WHO 2005: consumption − subsistence, size^0.56)"),
    "impoverishment": ("自付前人均收入≥贫困线、自付后<贫困线", "per-person income at or above the poverty line before OOP, below after"),
}
SCOPE_NAMES = {"": ("全部自付", "all OOP"), "_inpatient_chronic": ("仅住院及门诊慢特病自付", "inpatient and chronic-outpatient OOP only")}


def split_metric(name: str) -> tuple[str, str]:
    """(definition, scope) of a protection metric name, e.g. che_10_inpatient_chronic → (che_10, _inpatient_chronic)."""
    for scope in SCOPES[1:]:
        if name.endswith(scope):
            return name[: -len(scope)], scope
    return name, ""


def definition_text(name: str, lang: str = "zh") -> str:
    """The definition and scope of a protection metric in one line, Chinese first with English beside."""
    definition, scope = split_metric(name)
    zh, en = DEFINITIONS[definition]
    scope_zh, scope_en = SCOPE_NAMES[scope]
    return f"{zh}；{scope_zh} / {en}; {scope_en}" if lang == "zh" else f"{en}; {scope_en} / {zh}；{scope_zh}"


def subsistence_per_equivalent_adult(consumption: np.ndarray, food: np.ndarray, size: np.ndarray, params: OutcomeParams) -> float:
    """Subsistence spending per equivalent adult (yuan a year): mean food spending per equivalent adult of the
    households whose food share of consumption lies within the percentile band (45th-55th)."""
    spending = consumption > 0
    if not spending.any():
        return 0.0
    share = food[spending] / consumption[spending]
    low, high = np.percentile(share, params.subsistence_percentiles)
    band = (share >= low) & (share <= high)
    per_equivalent = food[spending] / 100 / size[spending] ** params.equivalence_exponent
    return float(per_equivalent[band].mean())


def capacity_to_pay(consumption: np.ndarray, food: np.ndarray, size: np.ndarray, subsistence: float,
                    params: OutcomeParams) -> np.ndarray:
    """Capacity to pay (yuan a year): consumption less subsistence spending, or less food spending where that is lower."""
    consumption_yuan, food_yuan = consumption / 100, food / 100
    household_subsistence = subsistence * size ** params.equivalence_exponent
    return np.where(food_yuan < household_subsistence, consumption_yuan - food_yuan, consumption_yuan - household_subsistence)


def protection_flags(oop: np.ndarray, income: np.ndarray, size: np.ndarray, capacity: np.ndarray, params: OutcomeParams,
                     poverty_line: float) -> dict[str, np.ndarray]:
    """Which households' out-of-pocket (yuan a year) was catastrophic or impoverishing, by definition."""
    low, high = params.che_income_thresholds
    spent = oop > 0
    # a household with no income (or no capacity to pay) that pays anything is counted catastrophic
    before = income / size >= poverty_line
    return {
        "che_10": spent & (oop > low * income),
        "che_25": spent & (oop > high * income),
        "che_ctp40": spent & (oop >= params.che_capacity_threshold * np.maximum(capacity, 0)),
        "impoverishment": before & ((income - oop) / size < poverty_line),
    }
