"""The numbers readers ask of a run: what to budget, who pays, protection, cost per household protected, sweeps.

Money is in yuan a year throughout; the reports and notebooks convert it for display."""

from __future__ import annotations

import numpy as np
import pandas as pd

from model.errors import InputError
from model.report.labels import GOVERNMENT_LEVELS
from model.runfolder import RunFolder, short_paths

PERCENTILES = {"p50": 50, "p95": 95, "p99": 99}
PROTECTION_METRICS = ("effective_reimbursement", "oop_share", "che_10", "che_25", "che_ctp40", "impoverishment",
                      "target_reimbursement_share")
POVERTY_FUNDS = ("ma", "backstop", "supplementary", "hospital")
DERIVED = {
    "ma_backstop": (("outlay_ma", 1), ("outlay_backstop", 1)),
    "government_budget": tuple((f"budget_{level}", 1) for level in GOVERNMENT_LEVELS),
    "payers_total": (("total_cost", 1), ("oop", -1)),
    "poverty_funds": tuple((f"outlay_{payer}", 1) for payer in POVERTY_FUNDS),
}


def replication_values(run: RunFolder, label: str, metric: str) -> np.ndarray:
    """A metric, or one of the sums in DERIVED, once a replication (a sum is taken within each replication)."""
    if metric in DERIVED:
        return sum(sign * run.values(label, part) for part, sign in DERIVED[metric])
    return run.values(label, metric)


def statistics(values: np.ndarray) -> dict[str, float]:
    """Mean and percentiles computed as summary.json computes them (numpy's linear percentile), NaN left out."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if values.size == 0:
        return {"mean": float("nan"), "p5": float("nan"), "p50": float("nan"), "p95": float("nan"), "p99": float("nan")}
    p5, p50, p95, p99 = np.percentile(values, [5, 50, 95, 99])
    return {"mean": float(values.mean()), "p5": float(p5), "p50": float(p50), "p95": float(p95), "p99": float(p99)}


def budget_headline(run: RunFolder) -> pd.DataFrame:
    """Backstop + medical assistance a year per scenario: mean, P50, P95, P99, and P95 a simulated person (yuan)."""
    rows = []
    for label in run.labels:
        values = replication_values(run, label, "ma_backstop")
        stats = statistics(values)
        errors = _errors(values)
        rows.append({"scenario": label, "mean": stats["mean"], "p50": stats["p50"], "p95": stats["p95"],
                     "p99": stats["p99"], "p95_per_person": stats["p95"] / run.persons if run.persons else float("nan")}
                    | {key: float("nan") if value is None else value for key, value in errors.items()})
    return pd.DataFrame(rows)


def _errors(values: np.ndarray) -> dict[str, float]:
    """Monte Carlo standard errors of P50, P95 and P99 as summary.json gives them (NaN where too few)."""
    from model.runner.summary import percentile_standard_errors

    values = np.asarray(values, dtype=float)
    errors = percentile_standard_errors(values[~np.isnan(values)])
    return {key: float("nan") if value is None else value for key, value in errors.items()}


def government_levels(run: RunFolder) -> pd.DataFrame:
    """Each level's budget (its outlays + premium subsidies) and their total, per scenario: mean, P50, P95, P99."""
    rows = []
    for label in run.labels:
        for level in GOVERNMENT_LEVELS + ("total",):
            metric = "government_budget" if level == "total" else f"budget_{level}"
            values = replication_values(run, label, metric)
            stats = statistics(values) | _errors(values)
            outlays = statistics(run.values(label, f"funding_{level}"))["mean"] if level != "total" else float("nan")
            subsidy = statistics(run.values(label, f"subsidy_{level}"))["mean"] if level != "total" else float("nan")
            rows.append({"scenario": label, "level": level, "mean": stats["mean"], "p50": stats["p50"],
                         "p95": stats["p95"], "p99": stats["p99"], "outlays_mean": outlays, "subsidy_mean": subsidy,
                         "p50_se": stats["p50_se"], "p95_se": stats["p95_se"], "p99_se": stats["p99_se"]})
    return pd.DataFrame(rows)


PROGRAMME_LEVELS = ("central", "province", "prefecture", "county", "bmi_fund", "public_health")


def programme_table(run: RunFolder) -> pd.DataFrame:
    """Programme costs that are not claims (a scheme's `programmes:` ledger, issue 18) beside the claims' outlays,
    by who pays (means over replications, yuan a year); only scenarios whose scheme has a ledger."""
    rows = []
    for label in run.labels:
        if run.stats(label, "programme_cost").get("mean") is None:  # no ledger (summary.json: a metric of another scheme)
            continue
        for level in PROGRAMME_LEVELS:
            claims = _number(run.stats(label, f"funding_{level}").get("mean")) if level not in ("central", "public_health") else 0.0
            programme = _number(run.stats(label, f"programme_cost_{level}").get("mean"))
            rows.append({"scenario": label, "level": level, "claims": claims, "programmes": programme,
                         "total": claims + programme})
    return pd.DataFrame(rows)


def capitation_table(run: RunFolder) -> pd.DataFrame:
    """For each scheme with capitation (XZ (七)2): the budget paid to the lead hospital (the government's outlay
    for the covered persons with capitation), what the bundled payers paid on their claims (the government's
    outlay without it), and the hospital's surplus (negative: deficit): P5, P50, P95 and mean, yuan a year."""
    rows = []
    for label in run.labels:
        if run.stats(label, "capitation_budget").get("mean") is None:
            continue
        for metric in ("capitation_budget", "capitation_bundled_outlay", "capitation_surplus"):
            stats = run.stats(label, metric)
            rows.append({"scenario": label, "metric": metric, **{key: _number(stats.get(key)) for key in ("p5", "p50", "p95", "mean")}})
    return pd.DataFrame(rows)


def debts_table(run: RunFolder) -> pd.DataFrame:
    """Pay after treatment (先诊疗后付费): patients' deferred out-of-pocket and the hospitals' bad debt, P50, P95 and mean."""
    rows = []
    for label in run.labels:
        if run.stats(label, "bad_debt").get("mean") is None:
            continue
        for metric in ("deferred_oop", "bad_debt"):
            stats = run.stats(label, metric)
            rows.append({"scenario": label, "metric": metric, **{key: _number(stats.get(key)) for key in ("p50", "p95", "mean")}})
    return pd.DataFrame(rows)


READING_PAYERS = ("bmi", "cii", "ma", "backstop", "supplementary", "hospital", "charity")


def readings_table(run: RunFolder) -> pd.DataFrame:
    """For each reading in the run (scenarios/readings/, a value the seed leaves open) beside its scheme: the
    budget of all payers but households (total cost − OOP) and of the poverty funds, P50 and P95, and each
    payer's P50 (a reading may move money between payers more than it changes the total), under the scheme
    as version 2 reads it and under the reading."""
    rows = []
    for label in run.labels:
        scheme = run.entry(label).get("reading_of")
        base = next((other for other in run.labels if run.entry(other).get("id") == scheme and other != label), None)
        if base is None:
            continue
        for name, of in ((base, "scheme"), (label, "reading")):
            budget = statistics(replication_values(run, name, "payers_total"))
            funds = statistics(replication_values(run, name, "poverty_funds"))
            rows.append({"scheme": base, "scenario": name, "role": of, "budget_p50": budget["p50"],
                         "budget_p95": budget["p95"], "poverty_funds_p50": funds["p50"], "poverty_funds_p95": funds["p95"],
                         **{f"{payer}_p50": statistics(run.values(name, f"outlay_{payer}"))["p50"] for payer in READING_PAYERS}})
    return pd.DataFrame(rows).drop_duplicates(subset=["scheme", "scenario"]) if rows else pd.DataFrame(rows)


def targets_table(run: RunFolder) -> pd.DataFrame:
    """Which targets each scheme meets (means over replications): its own reimbursement target (XZ, SX 90%,
    MJ 85%, pooled over the compliant admissions of those its document names), MJ's compliant out-of-pocket at most 15%, and
    seed 002's ≤ 10% out-of-pocket for county inpatient and chronic-outpatient costs, each (every scheme)."""
    rows = []
    for label in run.labels:
        mean = lambda metric: _number(run.stats(label, metric).get("mean"))  # noqa: E731
        target = mean("target_reimbursement")
        if not np.isnan(target):
            value = mean("compliant_reimbursement")
            rows.append({"scenario": label, "target": "reimbursement", "threshold": target, "value": value,
                         "met": bool(value >= target), "share_of_admissions": mean("target_reimbursement_share")})
        cap = mean("target_oop_compliant_max")
        if not np.isnan(cap):
            value = 1 - mean("policy_reimbursement")
            rows.append({"scenario": label, "target": "oop_compliant", "threshold": cap, "value": value,
                         "met": bool(value <= cap), "share_of_admissions": float("nan")})
        yardstick = mean("target_oop_share")
        for metric in ("oop_share_inpatient", "oop_share_chronic"):
            value = mean(metric)
            if not np.isnan(yardstick) and not np.isnan(value):
                rows.append({"scenario": label, "target": metric, "threshold": yardstick, "value": value,
                             "met": bool(value <= yardstick), "share_of_admissions": float("nan")})
    return pd.DataFrame(rows)


def protection_table(run: RunFolder, metrics: tuple[str, ...] = PROTECTION_METRICS) -> pd.DataFrame:
    """Mean, P5 and P95 of the protection rates per scenario (fractions), one row a scenario and metric."""
    rows = []
    for label in run.labels:
        for metric in metrics:
            stats = run.stats(label, metric)
            rows.append({"scenario": label, "metric": metric, "mean": _number(stats.get("mean")),
                         "p5": _number(stats.get("p5")), "p95": _number(stats.get("p95"))})
    return pd.DataFrame(rows)


def households(run: RunFolder, label: str) -> float:
    """Households simulated a replication (mean over replications)."""
    table = run.tables["quintiles"]
    return float(table.loc[table["scenario"] == label, "households"].sum())


def cost_per_household_protected(run: RunFolder, che: str = "che_10", reference: str | None = None) -> pd.DataFrame:
    """Against the reference scenario (the first): what all payers pay extra (= the fall in out-of-pocket spending,
    since the same households use the same care), the households no longer facing catastrophic spending, and the
    ratio of their means; P5–P95 of the ratio from paired replications where protection rose."""
    reference = reference or run.labels[0]
    base_oop = run.values(reference, "oop")
    base_che = run.values(reference, che)
    rows = []
    for label in run.labels:
        if label == reference:
            continue
        n_households = households(run, label)
        extra = replication_values(run, label, "payers_total") - replication_values(run, reference, "payers_total")
        protected = (base_che - run.values(label, che)) * n_households
        mean_extra, mean_protected = float(np.mean(extra)), float(np.mean(protected))
        ratio = extra[protected > 0] / protected[protected > 0]
        interval = np.percentile(ratio, [5, 95]) if ratio.size else (float("nan"), float("nan"))
        rows.append({
            "scenario": label, "reference": reference, "che": che,
            "oop_reduction_mean": float(np.mean(base_oop - run.values(label, "oop"))),
            "extra_cost_mean": mean_extra, "households_protected_mean": mean_protected,
            "cost_per_household": mean_extra / mean_protected if mean_protected > 0 else float("nan"),
            "cost_per_household_p5": float(interval[0]), "cost_per_household_p95": float(interval[1]),
        })
    return pd.DataFrame(rows)


def monthly_cash_need(run: RunFolder, payers: tuple[str, ...] = ("ma", "backstop")) -> pd.DataFrame:
    """Cash repaid to hospitals a month by the given payers together, one column a scenario (yuan, mean)."""
    table = run.tables["cashflow"]
    chosen = table[table["payer"].isin(payers)]
    wide = chosen.pivot_table(index="month", columns="scenario", values="repaid_mean", aggfunc="sum", sort=True)
    return wide.reindex(columns=[label for label in run.labels if label in wide.columns]).fillna(0.0)


def sweep_points(run: RunFolder, cost: str = "payers_total",
                 protections: tuple[str, ...] = ("che_10", "che_25", "impoverishment")) -> pd.DataFrame:
    """One row a sweep setting: the varied values (by their short names), the cost (P50, P95), the government
    budget (P50, P95) and each protection rate (mean)."""
    shorts = short_paths([path for path, _ in run.vary])
    rows = []
    for label in run.labels:
        row = {"scenario": label}
        for path, value in run.varied_values(label).items():
            row[shorts[path]] = value
        cost_stats = statistics(replication_values(run, label, cost))
        budget = statistics(replication_values(run, label, "government_budget"))
        row.update({"cost_p50": cost_stats["p50"], "cost_p95": cost_stats["p95"],
                    "government_budget_p50": budget["p50"], "government_budget_p95": budget["p95"]})
        for metric in protections:
            row[f"{metric}_mean"] = statistics(replication_values(run, label, metric))["mean"]
        rows.append(row)
    return pd.DataFrame(rows)


def _number(value) -> float:
    return float("nan") if value is None else float(value)


def _same_value(a: object, b: object) -> bool:
    try:
        return abs(float(str(a)) - float(str(b))) <= 1e-9 * max(1.0, abs(float(str(b))))
    except ValueError:
        return str(a).strip() == str(b).strip()


def current_setting(run: RunFolder) -> tuple[dict[str, str], str | None]:
    """For a sweep: the scheme's own value of each varied path (the scheme reloaded without the sweep's --set
    options), and the label of the sweep point that has exactly those values (None when the sweep skipped them)."""
    from model.report.scheme_table import _reload

    paths = [path for path, _ in run.vary]
    entry = dict(run.entry(run.labels[0]))
    entry["sets"] = [s for s in entry.get("sets") or [] if s.split("=", 1)[0] not in paths]
    try:
        tree = _reload(entry, run.manifest.get("population")).tree
    except (InputError, OSError):
        return {}, None
    current: dict[str, str] = {}
    for path in paths:
        node: object = tree
        for key in path.split("."):  # as --set walks it: through cited values, layers by id
            if isinstance(node, dict) and "value" in node and "source" in node and key not in ("value", "source"):
                node = node["value"]
            if isinstance(node, list):
                node = next((item for item in node if isinstance(item, dict) and str(item.get("id")) == key), None)
            elif isinstance(node, dict):
                node = node.get(key, node.get(int(key)) if key.isdigit() else None)
            else:
                node = None
        if isinstance(node, dict) and "value" in node:
            node = node["value"]
        if node is None or isinstance(node, (dict, list)):
            return current, None
        current[path] = str(node)
    for label in run.labels:
        values = run.varied_values(label)
        if all(_same_value(values.get(path, ""), current[path]) for path in paths):
            return current, label
    return current, None


# The fields a sweep varies, named as a county's officers name them (texts.yaml labels.sweep_fields: the last keys
# of a dotted path; "amount" and "value" only carry the number, so they are skipped), unit after the name.
def _field_labels() -> dict[str, dict[str, str]]:
    from model.report.texts import entries

    return entries("labels")["sweep_fields"]


def varied_labels(run: RunFolder) -> dict[str, dict[str, str]]:
    """Each varied path of a sweep named in Chinese and English ({"zh": ..., "en": ...}): the layer's own name and
    the field's (with its unit), falling back to the path's last parts (the same in both)."""
    from model.report.scheme_table import _reload
    from model.runfolder import short_paths

    paths = [path for path, _ in run.vary]
    shorts = short_paths(paths)
    try:
        tree = _reload(run.entry(run.labels[0]), run.manifest.get("population")).tree
    except (InputError, OSError):
        tree = {}
    layers = {str(layer.get("id")): layer for layer in tree.get("layers") or [] if isinstance(layer, dict)}
    field_labels = _field_labels()
    found = {}
    for path in paths:
        keys = path.split(".")
        fields = [key for key in keys if key in field_labels]
        if not fields:
            found[path] = {"zh": shorts[path], "en": shorts[path]}
            continue
        field = field_labels[fields[-1]]
        layer = layers.get(keys[1]) if keys[0] == "layers" and len(keys) > 1 else None
        name = (layer or {}).get("name") or {}
        where_zh, where_en = (f"{name['zh']}·", f"{name.get('en', keys[1])}: ") if name.get("zh") else ("", "")
        found[path] = {"zh": f"{where_zh}{field['zh']}", "en": f"{where_en}{field['en']}"}
    return found
