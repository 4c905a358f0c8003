"""The report's validation section: what `hpa validate --into` found, the model against published figures, with the
validation targets (compared only) apart from the calibration targets (which inputs were set from)."""

from __future__ import annotations

from model.outcomes.validation import GENERAL_ONLY, OOP_SOURCES, source_cells
from model.report.blocks import Details, Heading, Paragraph, Section, Table
from model.report.texts import words
from model.runfolder import RunFolder


def _value(check: dict, value, points: str = "pp") -> str:
    """A check's figure as `hpa validate` prints it: shares in % (two decimals for validation targets, whose bands
    from a published figure's rounding are narrow), a difference of rates in percentage points (`points`), yuan,
    days, visits and persons as numbers."""
    if value is None:
        return "—"
    unit = check.get("unit") or ""
    if unit == "points":  # a difference of two rates
        return f"{100 * value:.2f} {points}"
    if unit == "yuan":
        return f"{value:,.0f}"
    if unit in ("days", "visits", "persons"):
        return f"{value:.2f}"
    if unit == "shape":  # a gamma shape, not a share
        return f"{value:.3f}"
    return f"{100 * value:.{2 if check.get('role') == 'validation' else 1}f}%"


def _label(quantity: str, lang: str) -> str:
    """'中文 / English' → the report language's half first, the other beside (labels are bilingual)."""
    zh, _, en = quantity.partition(" / ")
    return quantity if not en or lang == "zh" else f"{en} / {zh}"


def _rows(checks: list[dict], lang: str, t: dict, drawn: bool) -> list[list[str]]:
    """One row a check: its figures, band and verdicts, and its source."""
    rows = []
    for c in checks:
        def shown(value):
            return _value(c, value, t["points"])

        row = [_label(c["quantity"], lang), c["population"], shown(c["simulated"]), shown(c["published"]),
               f"{shown(c['low'])} – {shown(c['high'])}", t["inside"] if c["inside"] else t["outside"]]
        if drawn:
            low, high = c.get("model_interval") or (None, None)
            row += [f"{shown(low)} – {shown(high)}", t["overlaps"] if c.get("overlaps") else t["apart"]]
        rows.append(row + [c["source"]])
    return rows


def _sources(record: dict, lang: str, t: dict) -> list:
    """Where out-of-pocket comes from, by population and scheme: OOP and cost a person a year by the care it paid
    for, and the households over 10% of income on general visits alone (blocks; none for a record without them)."""
    tables = record.get("protection") or {}
    if not tables or not all("che_10_general_outpatient" in by_scheme for found in tables.values()
                             for by_scheme in found.values()):
        return []  # written before the sources were recorded
    other = "en" if lang == "zh" else "zh"
    schemes = list(next(iter(tables.values())))
    rows = []
    for population, by_scheme in tables.items():
        for index, (source, cells) in enumerate(source_cells(by_scheme).items()):
            name = OOP_SOURCES[source]
            rows.append([population if index == 0 else "", f"{name[lang]} / {name[other]}"] + cells)
        rows.append(["", f"{GENERAL_ONLY[lang]} / {GENERAL_ONLY[other]}"]
                    + [f"{100 * s['che_10_general_outpatient']:.1f}%" for s in by_scheme.values()])
    return [Heading(t["sources"]), Paragraph(t["sources_lead"], "note"),
            Table([t["population"], t["sources_column"]] + schemes, rows, css="sources", numeric_from=2)]


def validation_section(run: RunFolder, lang: str) -> Section | None:
    """The validation section when the run folder holds validation.json (hpa validate --into), else None."""
    record = run.validation
    if record is None:
        return None
    t = words("validation", lang)
    checks = record["checks"]
    validation = [c for c in checks if c.get("role") == "validation"]
    calibration = [c for c in checks if c.get("role") == "calibration"]
    draws = max((c.get("draws") or 0 for c in validation), default=0)
    draw_persons = max((c.get("draw_persons") or 0 for c in validation), default=0)
    headers = [t["quantity"], t["population"], t["simulated"], t["published"], t["band"], t["verdict"]]
    lead = t["lead"].format(scheme=record.get("scheme", "?"), persons=record.get("persons", 0),
                            seed=record.get("seed", "?"), year=record.get("year", "?"),
                            calibration_inside=sum(c["inside"] for c in calibration), calibration=len(calibration),
                            validation_inside=sum(c["inside"] for c in validation), validation=len(validation))
    if draws:
        lead += ("" if lang == "zh" else " ") + t["drawn"].format(draws=draws, persons=draw_persons,
                                       overlapping=sum(bool(c.get("overlaps")) for c in validation))
    notes = [Paragraph(f"{_label(c['quantity'], lang)}: {c['detail']}", "note") for c in validation if c.get("detail")]
    blocks = [Paragraph(lead),
              Table(headers + ([t["model_interval"], ""] if draws else []) + [t["source"]],
                    _rows(validation, lang, t, bool(draws)), css="validation", numeric_from=2),
              Paragraph(t["reading"], "note"),
              *_sources(record, lang, t),
              Details(t["compared"], [*notes, Paragraph(f"{t['band_rule']}: {record.get('band_rule', '')}", "note")]),
              Details(t["calibration"].format(count=len(calibration)),
                      [Table(headers + [t["source"]], _rows(calibration, lang, t, False), css="validation",
                             numeric_from=2)])]
    return Section("validation", t["title"], blocks)
