"""The one-page brief (简报, A4, Chinese) of a run: brief.html (jinja2), brief.pdf (printed by headless Chromium),
brief.docx (python-docx), all written into the run folder from the same `Brief`."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

from model import atomic
from model.brief.content import LEVELS, OTHER_COLUMNS, WORDS, Brief, build_brief, drivers_sentence

__all__ = ["Brief", "build_brief", "render_html", "pdf_bytes", "docx_bytes", "write_brief"]

TEMPLATES = Path(__file__).parent / "templates"


def _environment():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]),
                       trim_blocks=True, lstrip_blocks=True)


def render_html(brief: Brief) -> str:
    """The brief as one self-contained HTML page (its Chinese font embedded, cut to the characters it uses)."""
    from model.report.webfont import FAMILY, font_face_css

    template = _environment().get_template("brief.html.j2")
    levels = [zh for _, zh in LEVELS]
    sentence = drivers_sentence(brief) if brief.drivers else ""
    context = {"brief": brief, "t": WORDS, "levels": levels, "other_columns": OTHER_COLUMNS, "family": FAMILY,
               "drivers_sentence": sentence}
    plain = template.render(font_css="", **context)
    return template.render(font_css=font_face_css(plain), **context)


def pdf_bytes(page: str, stamp: str | None = None) -> bytes:
    """The page printed to A4 by headless Chromium. `stamp` (an ISO time) replaces the PDF's creation and
    modification dates, so that the same run gives the same file."""
    import tempfile

    from playwright.sync_api import sync_playwright

    from model.brief.chromium import FLAGS, find_chromium

    executable = find_chromium()
    with tempfile.TemporaryDirectory(prefix="hpa-brief-") as profile, sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(profile, executable_path=executable, headless=True, args=FLAGS)
        try:
            tab = browser.new_page()
            tab.set_content(page, wait_until="load")
            tab.evaluate("document.fonts.ready.then(() => true)")
            data = tab.pdf(format="A4", print_background=True, prefer_css_page_size=True)
        finally:
            browser.close()
    if stamp:
        digits = re.sub(r"\D", "", stamp)[:14].encode().ljust(14, b"0")
        # same length as Chromium's D:YYYYMMDDHHMMSS, so the cross-reference offsets stay right
        data = re.sub(rb"(/(?:CreationDate|ModDate) ?\(D:)\d{14}", lambda m: m.group(1) + digits, data)
    return data


def _font(run, size: float | None = None, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = "Noto Sans CJK SC"
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "Noto Sans CJK SC")
    if size:
        run.font.size = Pt(size)
    run.font.bold = bold


def docx_bytes(brief: Brief, stamp: str | None = None) -> bytes:
    """The brief as a Word document, A4, the same text and numbers as the HTML."""
    import datetime as dt

    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Mm(15))
    section.top_margin = section.bottom_margin = Mm(14)

    def paragraph(text: str, size: float = 10.5, bold: bool = False, center: bool = False):
        block = document.add_paragraph()
        _font(block.add_run(text), size, bold)
        if center:
            block.alignment = WD_ALIGN_PARAGRAPH.CENTER
        block.paragraph_format.space_after = Mm(1)
        return block

    def table(rows: list[list[str]]) -> None:
        grid = document.add_table(rows=len(rows), cols=len(rows[0]))
        grid.style = "Table Grid"
        for r, cells in enumerate(rows):
            for c, text in enumerate(cells):
                cell = grid.cell(r, c)
                cell.text = ""
                _font(cell.paragraphs[0].add_run(text), 9, bold=r == 0)

    paragraph(brief.title, 15, True, True)
    paragraph(brief.subtitle, 8, center=True)
    headings = brief.headings()
    paragraph(headings["funds"], 11.5, True)
    t = WORDS
    table([[t["fund"], t["statistic"], t["total"]] + [zh for _, zh in LEVELS] + [t["last_year"], t["change"]]] +
          [[row.label, row.statistic, row.total] + row.levels + [row.last_year, row.change] for row in brief.fund_rows])
    paragraph(t["percentiles_note"], 8)
    paragraph(headings["premiums"], 11.5, True)
    if brief.premium_rows:
        table([[label for label, _ in brief.premium_rows], [amount for _, amount in brief.premium_rows]])
    else:
        paragraph(t["no_premiums"])
    if brief.other_rows:
        paragraph(headings["other"], 11.5, True)
        table([[t["outlay"], t["statistic"], t["total"]] + OTHER_COLUMNS] +
              [[row.label, row.statistic, row.total] + row.payers for row in brief.other_rows])
        for note in brief.other_notes:
            paragraph(note, 8)
    paragraph(headings["protection"], 11.5, True)
    paragraph(brief.protection)
    if brief.years_rows:
        paragraph(brief.years_heading, 9)
        table(brief.years_rows)
    if brief.drivers:
        paragraph(headings["drivers"], 11.5, True)
        paragraph(drivers_sentence(brief))
    paragraph(headings["assumptions"], 11.5, True)
    for number, (text, source) in enumerate(brief.assumptions, start=1):
        block = paragraph(f"{number}. {text} ", 9)
        _font(block.add_run(t["source"].format(source=source)), 8)
    for note in brief.notes:
        paragraph(note, 8)
    if stamp:
        when = dt.datetime.fromisoformat(stamp)
        document.core_properties.created = document.core_properties.modified = when
    document.core_properties.title = brief.title
    buffer = io.BytesIO()
    document.save(buffer)
    return _stamped_zip(buffer.getvalue(), stamp)


def _stamped_zip(data: bytes, stamp: str | None) -> bytes:
    """The same zip with every member dated `stamp` (or 1980-01-01): python-docx dates them now, and the same
    run must give the same file."""
    import datetime as dt
    import zipfile

    when = dt.datetime.fromisoformat(stamp) if stamp else dt.datetime(1980, 1, 1)
    date_time = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=date_time)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = info.external_attr
            target.writestr(member, source.read(info.filename))
    return buffer.getvalue()


def write_brief(run_dir: Path, label: str | None = None, pdf: bool = True) -> list[Path]:
    """Write brief.html, brief.docx and (when Chromium is there) brief.pdf into the run folder; the paths written."""
    from model.brief.chromium import NoChromium
    from model.runfolder import load_run

    folder = Path(run_dir)
    brief = build_brief(folder, label)
    stamp = load_run(folder).manifest.get("finished")
    page = render_html(brief)
    written = [folder / "brief.html", folder / "brief.docx"]
    atomic.write_text(written[0], page)
    atomic.write_bytes(written[1], docx_bytes(brief, stamp))
    if pdf:
        try:
            atomic.write_bytes(folder / "brief.pdf", pdf_bytes(page, stamp))
            written.append(folder / "brief.pdf")
        except NoChromium as exc:
            print(f"hpa: note: brief.pdf not written: {exc}", file=sys.stderr)
    return written
