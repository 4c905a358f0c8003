"""The multi-year metrics: each year's transitions as shares of households, and the period's outcome (money
summed over the years, rates averaged, transitions counted over the period, each year's metrics beside them)."""

from __future__ import annotations

import numpy as np

from model.codes import joined_labels
from model.outcomes.metrics import RATE_METRICS, Outcome
from model.years.household import COUNTS

# Multi-year metrics' names, Chinese and English apart; YEARS_METRIC_LABELS is the '中文 / English' form terminal
# lines print.
YEARS_METRIC_NAMES = {
    "exited_poverty": {"zh": "脱贫户占比", "en": "households exiting poverty"},
    "returned_to_poverty": {"zh": "返贫户占比", "en": "households returning to poverty"},
    "returned_due_to_illness": {"zh": "因病返贫户占比", "en": "returns caused by illness"},
    "became_poor": {"zh": "新致贫户占比", "en": "households newly poor"},
    "became_poor_due_to_illness": {"zh": "因病致贫户占比", "en": "new entries caused by illness"},
    "poor_due_to_illness_share": {"zh": "贫困户中因病致贫占比", "en": "share of poor households poor because of illness"},
    "entries_due_to_illness_share": {"zh": "致贫返贫中因病占比", "en": "share of entries into poverty caused by illness"},
    "entries_via_lost_work_share": {"zh": "因病致贫中劳动力损失占比", "en": "illness-caused entries through lost work"},
    "entries_via_bills_share": {"zh": "因病致贫中医疗费用占比", "en": "illness-caused entries through bills"},
    "monitored_share": {"zh": "监测户占比", "en": "households monitored"},
    "lifted_to_line": {"zh": "帮扶至线上户占比", "en": "households lifted back to the line by support"},
    "poor_share_end": {"zh": "年末贫困户占比", "en": "households poor at year end"},
    "debt_per_household": {"zh": "户均医疗负债（元）", "en": "medical debt a household (yuan)"},
    "backstop_balance": {"zh": "兜底基金余额", "en": "backstop fund balance"},
    "deaths_per_1000": {"zh": "死亡率（‰）", "en": "deaths per 1,000 persons"},
    "births_per_1000": {"zh": "出生率（‰）", "en": "births per 1,000 persons"},
}
YEARS_METRIC_LABELS = joined_labels(YEARS_METRIC_NAMES)


# Shares of all households (the others ending in _share are rates too; debt and balance are yuan).
YEARS_RATE_METRICS = {"exited_poverty", "returned_to_poverty", "returned_due_to_illness", "became_poor",
                      "became_poor_due_to_illness", "lifted_to_line"}



def transition_metrics(counts: dict[str, int]) -> dict[str, float]:
    """A year's transitions as shares of households: exits, returns and new entries into poverty, those caused by
    illness, and the share of entries illness caused.

    Parameters
    ----------
    counts : dict
        Households counted in each transition (model.years.household.COUNTS), and `households`.

    Returns
    -------
    dict
        Metric → share (dimensionless).
    """
    households = max(counts["households"], 1)
    entries = counts["returned_to_poverty"] + counts["became_poor"]
    caused = counts["returned_due_to_illness"] + counts["became_poor_due_to_illness"]
    return {
        "exited_poverty": counts["exited_poverty"] / households,
        "returned_to_poverty": counts["returned_to_poverty"] / households,
        "returned_due_to_illness": counts["returned_due_to_illness"] / households,
        "became_poor": counts["became_poor"] / households,
        "became_poor_due_to_illness": counts["became_poor_due_to_illness"] / households,
        # a stock, as the published 因病致贫 share: of the registered households still poor at the year's end
        # (over a period: of all such household-years), those under the line only because of illness
        "poor_due_to_illness_share": (counts["poor_due_to_illness_end"] / counts["registered_poor_end"]
                                      if counts["registered_poor_end"] else float("nan")),
        # a flow: of the households entering poverty (returns and new entries), those that illness put there
        "entries_due_to_illness_share": caused / entries if entries else float("nan"),
        "entries_via_lost_work_share": counts["entries_via_lost_work"] / caused if caused else float("nan"),
        "entries_via_bills_share": counts["entries_via_bills"] / caused if caused else float("nan"),
        "monitored_share": counts["monitored"] / households,
        "lifted_to_line": counts["lifted_to_line"] / households,
        "poor_share_end": counts["poor_end"] / households,
        "debt_per_household": counts["debt_fen"] / 100 / households,
        "deaths_per_1000": 1000 * counts["deaths"] / counts["persons"] if counts["persons"] else float("nan"),
        "births_per_1000": 1000 * counts["births"] / counts["persons"] if counts["persons"] else float("nan"),
    }


def is_rate(name: str) -> bool:
    """Whether a multi-year metric is a rate (averaged over the years) rather than an amount or a count (summed).

    Parameters
    ----------
    name : str

    Returns
    -------
    bool
    """
    return name in RATE_METRICS or name.endswith("_share")


def period_outcome(label: str, years: list[int], by_year: dict[int, dict[str, Outcome]],
                    transitions: dict[int, dict[str, dict[str, int]]], appropriation: float | None) -> Outcome:
    """The period's outcome: money summed over the years, rates averaged, transitions counted over the
    period (the poor stock's illness share over all year-ends' poor households, so that a year with few poor,
    such as 2020's none, weighs little); each year's metrics beside them as 'YEAR:name'; the last year's tables."""
    last = by_year[years[-1]][label]
    metrics: dict[str, float] = {}
    names = list(by_year[years[0]][label].metrics)
    for name in names:
        values = [by_year[y][label].metrics.get(name, float("nan")) for y in years]
        metrics[name] = float(np.mean(values)) if is_rate(name) else float(np.sum(values))
    total = dict.fromkeys(COUNTS, 0)
    for y in years:
        for name in COUNTS:
            if name not in ("households", "monitored", "poor_end", "debt_fen"):
                total[name] += transitions[y][label][name]
    final = transitions[years[-1]][label]
    total.update(households=final["households"], monitored=final["monitored"], poor_end=final["poor_end"],
                 debt_fen=final["debt_fen"])
    metrics.update(transition_metrics(total))
    metrics["monitored_share"] = float(np.mean([transitions[y][label]["monitored"] / max(transitions[y][label]["households"], 1)
                                                for y in years]))
    balance = 0.0
    for y in years:
        year_metrics = dict(by_year[y][label].metrics)
        year_metrics.update(transition_metrics(transitions[y][label]))
        if appropriation is not None:
            balance += appropriation - year_metrics["outlay_backstop"]
            year_metrics["backstop_balance"] = balance
        for name, value in year_metrics.items():
            metrics[f"{y}:{name}"] = value
    if appropriation is not None:
        metrics["backstop_balance"] = balance
    return Outcome(metrics, last.quintiles, last.monthly, last.engine, last.flows)
