"""The demand response to price: general admissions scaled by how much a patient pays under the scheme.

The behaviour is off unless `care.behaviour.demand_elasticity` (scenarios/care/default.yaml) is set. When it
is negative, each person's chance of a general admission is multiplied by

    (price under this scheme / price under the baseline scheme) ** demand_elasticity,

the price being the out-of-pocket share of a typical compliant county admission for the person's category
set, and capped at MAX_ADMISSION_PROBABILITY (model/population/illness.py). Sources: the elasticity's order of
magnitude (−0.2) is the RAND Health Insurance Experiment's (Manning et al. 1987, "Health insurance and the
demand for medical care", American Economic Review 77(3)), as cited in the scenario file; the typical
admission's cost is the county-level mean of the population preset (`costs.admission_mean` in
scenarios/populations/, with its own source), and its eligible share (90%) is assumed. Major-disease admissions do not respond.
"""

from __future__ import annotations

import numpy as np

from model.care.params import CareParams
from model.codes import CATEGORY_SET_NAMES, LEVEL_CODE
from model.population.params import PopulationParams
from model.rules.claim_arrays import from_records
from model.rules.engine import settle
from model.rules.reference import Claim
from model.scenario import Scenario, load_scenario
from model.scenario.layers import Scheme

TYPICAL_ELIGIBLE_SHARE = 0.9  # assumed: the eligible (in-list) share of a typical county admission
REFERENCE_SCHEME = "baseline"  # prices are relative to what the baseline scheme leaves a patient to pay
PRICE_FLOOR = 1e-3  # a share of the total; keeps a free admission's ratio finite


def typical_admission_price(scheme: Scheme, admission_mean_yuan: float) -> np.ndarray:
    """Out-of-pocket share of a typical compliant county admission (90% eligible), by category set.

    Parameters
    ----------
    scheme : Scheme
        The scheme that settles the admission.
    admission_mean_yuan : float
        The admission's total cost, yuan.

    Returns
    -------
    numpy.ndarray
        float64 [category set]: the patient's share of the total (0 to 1), in CATEGORY_SET_NAMES order.
    """
    total = int(round(admission_mean_yuan * 100))
    claims = [Claim(f"c{i}", f"p{i}", "2019-06-01", "inpatient", "county", "", total,
                    int(total * TYPICAL_ELIGIBLE_SHARE), True, category)
              for i, category in enumerate(CATEGORY_SET_NAMES)]
    paid = settle(scheme, from_records(claims))
    return paid[:, -1] / max(total, 1)


def category_multiplier(scenario: Scenario, care: CareParams, population_params: PopulationParams) -> np.ndarray | None:
    """(price under this scheme / price under the baseline)^elasticity by category set; None when behaviour is off.

    Returns
    -------
    numpy.ndarray or None
        float64 [category set]: the factor on each category's chance of a general admission (1: unchanged).
    """
    if care.demand_elasticity == 0:
        return None
    mean = float(population_params.admission_mean[LEVEL_CODE["county"]])
    price = typical_admission_price(scenario.scheme, mean)
    reference = typical_admission_price(load_scenario(REFERENCE_SCHEME).scheme, mean)
    ratio = np.where(reference > 0, np.maximum(price, PRICE_FLOOR) / np.maximum(reference, PRICE_FLOOR), 1.0)
    return ratio ** care.demand_elasticity


def person_multiplier(by_category: np.ndarray | None, category: np.ndarray) -> np.ndarray | None:
    """Each person's demand multiplier from their category set's (None stays None: admissions as drawn)."""
    return None if by_category is None else by_category[category]
