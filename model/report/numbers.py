"""Numbers as the report's tables print them: money in 万元, rates in %, differences signed, '—' for none."""

from __future__ import annotations

import math

from model.report.labels import metric_kind
from model.report.texts import words


def missing(value) -> bool:
    """No value: None or NaN."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def wan(value, decimals: int = 1) -> str:
    """Yuan as 万元 (10,000 yuan) with `decimals` decimals; '—' for none."""
    return "—" if missing(value) else f"{value / 1e4:,.{decimals}f}"


def percent(value, decimals: int = 1) -> str:
    """A fraction as a percentage; three decimals below 0.1%; '—' for none."""
    if missing(value):
        return "—"
    if value != 0 and abs(value) < 0.001:
        decimals = 3
    return f"{value * 100:.{decimals}f}%"


def number(value, decimals: int = 0) -> str:
    """A count or amount with thousands separated; '—' for none."""
    return "—" if missing(value) else f"{value:,.{decimals}f}"


def metric_value(metric: str, value, precise: bool = False) -> str:
    """A metric's value for a table: money in 万元, rates and loss ratios in %, counts as they are."""
    kind = metric_kind(metric)
    if kind == "money":
        return wan(value, 2 if precise else 1)
    if kind in ("rate", "ratio"):
        return percent(value, 2 if precise else 1)
    return number(value, 1 if precise and not missing(value) and value != round(value) else 0)


def signed(metric: str, value) -> str:
    """A difference: money in 万元, rates in percentage points, with its sign."""
    if missing(value):
        return "—"
    if metric_kind(metric) == "money":
        return f"{value / 1e4:+,.1f}"
    return f"{value * 100:+.1f}" if metric_kind(metric) in ("rate", "ratio") else f"{value:+,.0f}"


def unit_of(metric: str, lang: str) -> str:
    """The unit a metric's table values are in: 万元, % or a count."""
    page = words("page", lang)
    return {"money": page["unit_money"], "rate": "%", "ratio": "%", "count": page["unit_count"]}[metric_kind(metric)]
