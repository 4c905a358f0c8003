"""Bilingual names of metrics, payers and levels for figures and reports, and the kind of each metric's value.

The names the report package owns live in texts.yaml (group `labels`); metric, payer and level names are kept in
Chinese and English apart beside their vocabularies (model/outcomes/metrics.py METRIC_NAMES, model/codes.py
PAYER_NAMES and LEVEL_NAMES, the multi-year engine's model/years/metrics.py YEARS_METRIC_NAMES) and read from there;
no text is split into its languages at run time."""

from __future__ import annotations

from functools import cache

from model.codes import LEVEL_NAMES, PAYER_NAMES
from model.outcomes.metrics import METRIC_LABELS, METRIC_NAMES, RATE_METRICS
from model.report.texts import LANGUAGES, bilingual, entries

__all__ = ["LANGUAGES", "GOVERNMENT_LEVELS", "GOVERNMENT_LEVEL_LABELS", "EXTRA_METRIC_LABELS", "metric_label",
           "metric_names", "stacked", "level_names", "level_label", "payer_label", "metric_kind"]

GOVERNMENT_LEVELS = ("province", "prefecture", "county")
COUNT_METRICS = {"person_years", "admissions", "capitation_persons"}
RATIO_METRICS = {"loss_ratio_"}  # prefixes: claims ÷ premium, shown as a percentage


def _labels(group: str) -> dict[str, dict[str, str]]:
    return entries("labels")[group]


def _extra_metric_entries() -> dict[str, dict[str, str]]:
    """Metrics summary.json carries beyond CORE_METRICS, and the sums the reports derive per replication."""
    found = dict(_labels("metrics"))
    patterns = _labels("metric_patterns")

    def named(pattern: str, entry: dict[str, str]) -> dict[str, str]:
        return {lang: patterns[pattern][lang].format(name=entry[lang]) for lang in LANGUAGES}

    for level in ("village", "township", "county", "prefecture", "province"):
        found[f"admissions_{level}"] = named("admissions", LEVEL_NAMES[level])
    for payer, entry in PAYER_NAMES.items():
        found[f"premium_{payer}"] = named("premium", entry)
        found[f"loss_ratio_{payer}"] = named("loss_ratio", entry)
    for level, entry in _labels("programme_payers").items():
        found[f"programme_cost_{level}"] = named("programme_cost", entry)
    return found


_EXTRA_METRICS = _extra_metric_entries()
# '中文 / English' forms, for callers that print both languages or only ask which metrics have a name
EXTRA_METRIC_LABELS = {metric: bilingual(entry) for metric, entry in _EXTRA_METRICS.items()}
GOVERNMENT_LEVEL_LABELS = {level: bilingual(entry) for level, entry in _labels("government_levels").items()}


@cache
def _metric_names() -> dict[str, tuple[dict[str, str], str]]:
    """metric → (entry, its '中文 / English' form); the metrics module's names first, then the report's, then the
    multi-year engine's."""
    from model.years.metrics import YEARS_METRIC_LABELS, YEARS_METRIC_NAMES

    names = {metric: (entry, YEARS_METRIC_LABELS[metric]) for metric, entry in YEARS_METRIC_NAMES.items()}
    names.update({metric: (entry, EXTRA_METRIC_LABELS[metric]) for metric, entry in _EXTRA_METRICS.items()})
    names.update({metric: (METRIC_NAMES[metric], text) for metric, text in METRIC_LABELS.items()})
    return names


def metric_label(metric: str, lang: str | None = None) -> str:
    """A metric's name in `lang` ('zh' or 'en'), or '中文 / English' when lang is None; the metric itself if unnamed."""
    found = _metric_names().get(metric)
    if found is None:
        return metric
    return found[1] if lang is None else found[0][lang]


def metric_names(metric: str) -> dict[str, str]:
    """A metric's name in each language: {"zh": ..., "en": ...}."""
    return {lang: metric_label(metric, lang) for lang in LANGUAGES}


def stacked(entry: dict[str, str]) -> str:
    """An entry's Chinese above its English (one line when they are the same): panel titles stay narrow."""
    return entry["zh"] if entry["zh"] == entry["en"] else f"{entry['zh']}\n{entry['en']}"


def level_names(level: str, short: bool = False) -> dict[str, str]:
    """A level's name in each language (`short`: 村, 乡镇, 县…); a level without a name as it is in both."""
    entry = (_labels("levels_short") if short else LEVEL_NAMES).get(level)
    return entry if entry is not None else {"zh": level, "en": level}


def level_label(level: str, lang: str | None = None, short: bool = False) -> str:
    """A care level's name in `lang`, or '中文 / English' when lang is None.

    Parameters
    ----------
    level : str
        A level of model.codes.LEVELS (village … province).
    lang : {'zh', 'en'} or None
    short : bool
        The short name (村, 乡镇, 县…).

    Returns
    -------
    str
    """
    entry = level_names(level, short)
    return bilingual(entry) if lang is None else entry[lang]


def payer_label(payer: str, lang: str | None = None) -> str:
    """A payer's name in `lang`, or '中文 / English' when lang is None; an unknown payer as it is.

    Parameters
    ----------
    payer : str
        A payer of model.codes.PAYERS.
    lang : {'zh', 'en'} or None

    Returns
    -------
    str
    """
    entry = PAYER_NAMES.get(payer) or {"zh": payer, "en": payer}
    return bilingual(entry) if lang is None else entry[lang]


def metric_kind(metric: str) -> str:
    """'money' (yuan a year), 'rate' (a fraction), 'ratio' (claims ÷ premium) or 'count'."""
    from model.years.metrics import YEARS_RATE_METRICS

    if metric in RATE_METRICS or metric.endswith("_share") or metric in YEARS_RATE_METRICS:
        return "rate"
    if any(metric.startswith(prefix) for prefix in RATIO_METRICS):
        return "ratio"
    if metric in COUNT_METRICS or metric.startswith("admissions"):
        return "count"
    return "money"
