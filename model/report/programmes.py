"""The report's one-table sections: targets met, the readings' spread, patients' debts, capitation, and programme
costs beside the claims."""

from __future__ import annotations

import numpy as np

from model.report import analysis
from model.report.blocks import Paragraph, Section, Table
from model.report.labels import payer_label
from model.report.numbers import percent, wan
from model.report.texts import words
from model.runfolder import RunFolder


def table_section(anchor: str, lang: str, rows: list[list], extra_headers: tuple[str, ...] = ()) -> Section:
    """A section of one table, its title, lead and headers the catalogue's group `anchor`: scheme first."""
    t = words(anchor, lang)
    headers = [words("report", lang)["scheme"], *t["headers"].values(), *extra_headers]
    return Section(anchor, t["title"], [Paragraph(t["lead"], "note"),
                                        Table(headers, rows, css=anchor, numeric_from=2)])


def targets(run: RunFolder, lang: str) -> Section:
    """Which targets each scheme meets: its own, and seed 002's yardstick for all."""
    names = run.names(lang)
    t = words("targets", lang)
    rows = [[names[r.scenario], t["items"][r.target], percent(r.threshold), percent(r.value),
             t["met"] if r.met else t["not_met"],
             "" if np.isnan(r.share_of_admissions) else percent(r.share_of_admissions)]
            for r in analysis.targets_table(run).itertuples()]
    return table_section("targets", lang, rows)


def readings(run: RunFolder, lang: str) -> Section:
    """The spread that the readings (values the seed leaves open) make in each scheme's budget."""
    names = run.names(lang)
    data = analysis.readings_table(run)
    payers = [payer for payer in analysis.READING_PAYERS if data[f"{payer}_p50"].abs().sum() > 0]
    rows = [[names[r.scheme], names[r.scenario], wan(r.budget_p50), wan(r.budget_p95), wan(r.poverty_funds_p50),
             wan(r.poverty_funds_p95)] + [wan(getattr(r, f"{payer}_p50")) for payer in payers] for r in data.itertuples()]
    return table_section("readings", lang, rows, tuple(f"{payer_label(payer, lang)} P50" for payer in payers))


def debts(run: RunFolder, lang: str) -> Section:
    """Patients' deferred out-of-pocket and the hospitals' bad debt (the cash-flow table has them by month)."""
    names = run.names(lang)
    items = words("debts", lang)["items"]
    rows = [[names[r.scenario], items[r.metric], wan(r.p50), wan(r.p95), wan(r.mean)]
            for r in analysis.debts_table(run).itertuples()]
    return table_section("debts", lang, rows)


def capitation(run: RunFolder, lang: str) -> Section:
    """The lead hospital's surplus or deficit and the government's outlay with and without capitation."""
    names = run.names(lang)
    items = words("capitation", lang)["items"]
    rows = [[names[r.scenario], items[r.metric], wan(r.p5), wan(r.p50), wan(r.p95), wan(r.mean)]
            for r in analysis.capitation_table(run).itertuples()]
    return table_section("capitation", lang, rows)


def programmes(run: RunFolder, lang: str) -> Section:
    """Programme costs that are not claims beside the claims' outlays, by who pays (issue 18)."""
    names = run.names(lang)
    payers = words("labels", lang)["programme_payers"]
    rows = [[names[r.scenario], payers[r.level], wan(r.claims), wan(r.programmes), wan(r.total)]
            for r in analysis.programme_table(run).itertuples()]
    return table_section("programmes", lang, rows)
