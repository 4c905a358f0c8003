"""report.html: one self-contained page a county finance director can read and hand on.

Figures as data URIs, inline CSS and font, no script, no external address. What to budget and who pays come first,
then protection, the figures, monthly cash, quintiles (and a sweep's trade-off), then the appendices. This module
puts the page together; each part of the report has its module, which chooses what its sections show and formats
the numbers: budget.py (the brief, budget, who pays, cash), protection.py (protection, quintiles), programmes.py
(targets, readings, debts, capitation, programmes), gallery.py (the figures), sweep.py, uncertainty.py (drivers),
years.py (several years), validation.py (hpa validate --into), appendix.py (summary, manifest, parameters).
blocks.py holds what a section is made of, templates/ (jinja2, autoescaped) writes the markup and texts.yaml holds
the words."""

from __future__ import annotations

import datetime as dt
import html
from functools import cache
from pathlib import Path

from markupsafe import Markup

from model.report import analysis
from model.report.appendix import full_summary, manifest, parameters
from model.report.blocks import ReportFigure
from model.report.budget import brief_section, cash, headline
from model.report.gallery import SWEEP_FIGURES, figures_section, report_figures
from model.report.programmes import capitation, debts, programmes, readings, targets
from model.report.protection import protection, quintiles
from model.report.sweep import sweep
from model.report.texts import words
from model.report.uncertainty import drivers_section
from model.report.validation import validation_section
from model.report.webfont import FAMILY, font_face_css
from model.runfolder import RunFolder

TEMPLATES = Path(__file__).parent / "templates"


def _escape(value: object) -> Markup:
    """What every `{{ }}` of the report's templates prints: escaped as Python's html.escape does (&quot; and &#x27;
    for quotes, as the report has always written them), or put in as it is when already markup."""
    return value if hasattr(value, "__html__") else Markup(html.escape(str(value)))


@cache
def environment():
    """The report's jinja2 environment, set up as the brief's (model/brief): templates/ with autoescaping."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]),
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, finalize=_escape)


def render_html(run: RunFolder, lang: str, made: list[ReportFigure] | None = None) -> str:
    """The whole page: templates/report_body.html.j2 for what it shows, then templates/report.html.j2 around it
    with the web font cut to the characters the body's text uses."""
    from model.report import years

    t = words("report", lang)
    made = report_figures(run, lang) if made is None else made
    manifest_data = run.manifest
    version = manifest_data.get("code_version") or {}
    version_text = version.get("commit", version.get("package", "?"))[:12] + \
        (" (+)" if version.get("uncommitted_changes") else "")
    line = t["run_line"].format(kind=t["kind"].get(run.kind, run.kind), schemes=len(run.labels), persons=run.persons,
                                reps=run.replications, seed=manifest_data.get("seed", "?"),
                                finished=manifest_data.get("finished", "?"), version=version_text)
    sections = [headline(run, lang), protection(run, lang)]
    opening = brief_section(run, lang)
    if opening is not None:
        sections.insert(0, opening)
    for table_, build in ((analysis.targets_table, targets), (analysis.readings_table, readings),
                          (analysis.debts_table, debts), (analysis.capitation_table, capitation),
                          (analysis.programme_table, programmes)):
        if not table_(run).empty:
            sections.append(build(run, lang))
    sections += [figures_section(made, lang), cash(run, lang), quintiles(run, lang)]
    if run.kind == "sweep" and run.vary and "sweep" in run.tables:
        shown_before = sum(1 for f in made if f.key not in SWEEP_FIGURES)
        sections.append(sweep(run, made, lang, shown_before + 1))
    found = drivers_section(run, lang)
    if found is not None:
        sections.append(found)
    if years.has_years(run.summary):  # --years N: the multi-year section
        sections.append(years.section(run, lang, len(made) + 1))
    found = validation_section(run, lang)
    if found is not None:  # hpa validate --into: the model against published figures
        sections.append(found)
    sections += [full_summary(run, lang), manifest(run, lang), parameters(run, lang)]
    stamp = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    body = Markup(environment().get_template("report_body.html.j2").render(
        t=t, folder=run.folder.name, line=line, sections=sections, footer=t["generated"].format(time=stamp)))
    text_only = str(body).split("data:image/png;base64,")
    visible = "".join(part.split('"', 1)[1] if index else part for index, part in enumerate(text_only))
    return environment().get_template("report.html.j2").render(
        html_lang="zh-CN" if lang == "zh" else "en", title=f'{t["title"]} — {run.folder.name}',
        font_css=Markup(font_face_css(html.unescape(visible) + t["title"])), family=FAMILY, body=body)
