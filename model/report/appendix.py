"""The report's appendices: every metric with its standard errors, the manifest, and the parameters each scheme ran
with (with their sources)."""

from __future__ import annotations

from model.report.blocks import Details, Heading, ManifestValue, Paragraph, Section, Spanned, Table
from model.report.labels import metric_label, payer_label
from model.report.numbers import metric_value, unit_of
from model.report.scheme_table import SchemeParameters, differences, scheme_parameters, show_when
from model.report.texts import words
from model.runfolder import RunFolder
from model.runner.summary import STATISTICS


def full_summary(run: RunFolder, lang: str) -> Section:
    """Every metric of summary.json, a table a scheme: mean, sd and percentiles with their standard errors."""
    t = words("report", lang)
    names = run.names(lang)
    blocks: list = [Paragraph(t["appendix_summary_lead"])]
    for label in run.labels:
        rows = []
        for metric, stats in run.summary["scenarios"][label]["metrics"].items():
            rows.append([metric_label(metric, lang), metric, unit_of(metric, lang)]
                        + [_with_error(metric, stats, s) for s in STATISTICS])
        blocks.append(Details(names[label], [Table([t["metric"], "", t["unit"], t["mean"], "sd", "P5", "P50", "P95",
                                                    "P99"], rows, css="summary", numeric_from=3)], open=True))
    return Section("appendix-summary", t["appendix_summary"], blocks)


def _with_error(metric: str, stats: dict, statistic: str) -> str:
    """A percentile with its Monte Carlo standard error beside it, in the metric's own unit."""
    text = metric_value(metric, stats.get(statistic), precise=True)
    error = stats.get(f"{statistic}_se")
    if error is None:
        return text
    return f"{text} ±{metric_value(metric, error, precise=True)}"


def manifest(run: RunFolder, lang: str) -> Section:
    """The run's manifest as it is: its scenarios (file, --set, content hash), then every other key."""
    t = words("report", lang)
    data = run.manifest
    scenario_rows = [[s.get("label", ""), (s.get("name") or {}).get(lang, ""), s.get("file", ""),
                      ", ".join(s.get("sets") or []) or "—", s.get("content_hash", "")]
                     for s in data.get("scenarios", [])]
    scenarios = Table(["label", t["scheme"], "file", "--set", "content_hash"], scenario_rows, css="manifest-scenarios",
                      numeric_from=99)
    rows = [[key, ManifestValue(value)] for key, value in data.items() if key != "scenarios"]
    return Section("appendix-manifest", t["appendix_manifest"],
                   [scenarios, Table(["key", t["value"]], rows, css="manifest", numeric_from=99)])


def _values_table(values, lang: str, with_section: bool = False) -> Table:
    t = words("report", lang)
    headers = ([t["section"]] if with_section else []) + [t["parameter"], t["value"], t["source"]]
    rows = [([v.section + (f" / {v.group}" if v.group else "")] if with_section else [])
            + [v.path or "—", v.value or "—", v.source or "—"] for v in values]
    widths = (["14%"] if with_section else []) + ["22%", "26%", "38%" if with_section else "52%"]
    return Table(headers, rows, css="parameters wide", numeric_from=99, widths=widths)


def _scheme_blocks(scheme: SchemeParameters, lang: str) -> list:
    t = words("report", lang)
    blocks: list = []
    if scheme.hash_changed:
        blocks.append(Paragraph(t["hash_changed"], "warning"))
    document = "; ".join(f"{k}: {v}" for k, v in scheme.document.items())
    period = " – ".join(str(scheme.in_force.get(k, "")) for k in ("from", "to") if k in scheme.in_force)
    blocks.append(Paragraph(f'{t["document"]}: {document or "—"}' + (f" ({period})" if period else "")
                            + (f'; --set {", ".join(scheme.sets)}' if scheme.sets else ""), "note"))
    blocks.append(Heading(t["layers"], 4))
    rows = []
    for layer in scheme.layers:
        values = layer.values or []
        span = max(1, len(values))
        frame = [Spanned(layer.position, span), Spanned(f'{layer.name.get(lang) or layer.id} ({layer.id})', span),
                 Spanned(payer_label(layer.payer, lang), span), Spanned(show_when(layer.when, lang) or "—", span),
                 Spanned(layer.source or "—", span)]
        if not values:
            rows.append(frame + ["—", "—", "—"])
        for index, value in enumerate(values):
            rows.append((frame if index == 0 else [None] * 5) + [value.path, value.value, value.source or "—"])
    blocks.append(Table(["#", t["layer"], t["payer"], t["applies_when"], t["basis"], t["parameter"], t["value"],
                         t["source"]], rows, css="layers wide", numeric_from=99,
                        widths=["3%", "13%", "9%", "14%", "13%", "14%", "15%", "19%"]))
    blocks.append(Heading(t["other_rules"], 4))
    blocks.append(_values_table(scheme.rules, lang, with_section=True))
    return blocks


def parameters(run: RunFolder, lang: str) -> Section:
    """The parameters each scheme ran with, cited: a scheme file once, the others by their differences from it."""
    t = words("report", lang)
    names = run.names(lang)
    schemes = scheme_parameters(run)
    blocks: list = [Paragraph(t["parameters_lead"])]
    shown: list[SchemeParameters] = []
    for scheme in schemes:
        blocks.append(Heading(names[scheme.label]))
        if scheme.error:
            blocks.append(Paragraph(t["reload_failed"].format(error=scheme.error), "warning"))
            continue
        same_file = next((other for other in shown if other.file == scheme.file and not other.error), None)
        if same_file is not None:
            changed = differences(scheme, same_file)
            other = names[same_file.label]
            if changed:
                blocks.append(Paragraph(t["same_as"].format(other=other)))
                blocks.append(_values_table(changed, lang, with_section=True))
            else:
                blocks.append(Paragraph(t["no_difference"].format(other=other)))
        else:
            blocks += _scheme_blocks(scheme, lang)
            first = next((s for s in schemes if not s.error), None)
            if first is not None and first is not scheme:
                changed = [v for v in differences(scheme, first) if v.section in ("population", "care", "outcomes")]
                if changed:
                    blocks.append(Paragraph(t["same_as"].format(other=t["shared_assumptions"])))
                    blocks.append(_values_table(changed, lang, with_section=True))
        shown.append(scheme)
    base = next((s for s in schemes if not s.error), None)
    if base is not None:
        blocks.append(Details(f'{t["shared_assumptions"]} — {names[base.label]}',
                              [_values_table(base.shared, lang, with_section=True)]))
    return Section("appendix-parameters", t["appendix_parameters"], blocks)
