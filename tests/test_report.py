"""hpa report: report.html renders in headless Chromium, report.xlsx equals summary.json, bad folders are refused.

report.html is self-contained and shows its figures with no console error; a bad run folder is one clear error
with nothing written."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from model.cli import main
from model.errors import InputError
from model.report import analysis
from model.report.command import write_report
from model.report.excel import PAYER_COLUMNS, SHEETS, SUMMARY_COLUMNS
from model.runfolder import load_run
from model.runner.plan import RunPlan, Variant, sweep_variants
from model.runner.store import run
from model.runner.summary import STATISTICS

ROOT = Path(__file__).resolve().parents[1]
TEST_OUTPUT = ROOT / "test-output"
SCHEMES = ("baseline", "x_prefecture", "sui_county")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="module")
def compare_dir(tmp_path_factory) -> Path:
    plan = RunPlan(kind="compare", variants=tuple(Variant(s, s) for s in SCHEMES), persons=8_000, replications=4,
                   seed=11)
    folder, _ = run(plan, tmp_path_factory.mktemp("report") / "compare", workers=2, progress=False)
    return folder


@pytest.fixture(scope="module")
def zh_report(compare_dir) -> tuple[str, Path]:
    assert write_report(compare_dir, "zh") == 0
    return (compare_dir / "report.html").read_text(encoding="utf-8"), compare_dir / "report.xlsx"


@pytest.fixture(scope="module")
def en_dir(compare_dir, tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("report-en") / "compare"
    shutil.copytree(compare_dir, copy)
    assert main(["report", str(copy), "--lang", "en"]) == 0
    return copy


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory) -> Path:
    vary = (("layers.supplementary_ceiling_poor.ceiling.amount", ("3000", "5000", "8000")),)  # 5000: sui_county's own
    plan = RunPlan(kind="sweep", variants=sweep_variants("sui_county", (), vary), persons=5_000, replications=3,
                   seed=11, vary=vary)
    folder, _ = run(plan, tmp_path_factory.mktemp("report") / "sweep", workers=2, progress=False)
    assert write_report(folder, "zh") == 0
    return folder


class _Page(HTMLParser):
    """What a check needs from the page: every src/href, image sources, headings, and whether a script appears."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.images: list[str] = []
        self.headings: list[str] = []
        self.scripts = 0
        self._heading = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.links += [value for key, value in attrs if key in ("src", "href") and value]
        if tag == "img":
            self.images.append(attributes.get("src", ""))
        if tag == "script":
            self.scripts += 1
        self._heading = tag in ("h1", "h2", "h3")
        if self._heading:
            self.headings.append("")

    def handle_endtag(self, tag):
        if tag in ("h1", "h2", "h3"):
            self._heading = False

    def handle_data(self, data):
        if self._heading:
            self.headings[-1] += data


def _parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    return page


# -- report.html -------------------------------------------------------------------------------------------------

def test_html_is_self_contained_with_embedded_figures_and_font(zh_report):
    text, _ = zh_report
    page = _parse(text)
    assert page.scripts == 0
    assert len(page.images) >= 8  # exposure, waterfall, funding, protection, quintiles, flows, cash flow
    for source in page.images:
        assert source.startswith("data:image/png;base64,")
        assert base64.b64decode(source.split(",", 1)[1]).startswith(b"\x89PNG")
    for link in page.links:
        assert link.startswith(("data:", "#")), f"external or file link: {link[:80]}"
    assert not re.search(r"url\((?!data:)", text), "a stylesheet fetches something"
    assert "@font-face" in text and "data:font/woff;base64," in text


def test_html_in_chinese_reads_for_a_finance_director(zh_report, compare_dir):
    text, _ = zh_report
    headings = _parse(text).headings
    for heading in ("健康扶贫政策测算报告", "一、预算要点", "二、保障效果", "三、图示", "四、每月现金需求",
                    "附录A　完整汇总表", "附录B　运行清单（manifest）", "附录C　方案参数及其来源"):
        assert heading in headings, heading
    assert '<html lang="zh-CN">' in text
    assert "全州健康扶贫" in text and "随县健康扶贫" in text  # schemes by their Chinese names
    assert "1. What to budget" not in text


def test_headline_shows_what_to_budget_at_p50_p95_p99(zh_report, compare_dir):
    text, _ = zh_report
    headline = text.split('id="headline"', 1)[1].split("</section>", 1)[0]
    run_folder = load_run(compare_dir)
    for label in ("x_prefecture", "sui_county"):
        values = run_folder.values(label, "outlay_ma") + run_folder.values(label, "outlay_backstop")
        for q in (50, 95, 99):
            assert f"{np.percentile(values, q) / 1e4:,.1f}" in headline
    # who pays: X prefecture's province carries part of the bill (its premium subsidies and outlays)
    province = run_folder.stats("x_prefecture", "budget_province")["p95"]
    assert province > 0 and f"{province / 1e4:,.1f}" in headline
    assert "省级" in headline and "县级" in headline


def test_protection_and_cost_per_household_protected(zh_report, compare_dir):
    text, _ = zh_report
    protection = text.split('id="protection"', 1)[1].split("</section>", 1)[0]
    run_folder = load_run(compare_dir)
    mean = run_folder.stats("sui_county", "che_10")["mean"]
    assert f"{mean * 100:.1f}%" in protection
    costs = analysis.cost_per_household_protected(run_folder)
    assert set(costs["scenario"]) == {"x_prefecture", "sui_county"}
    assert (costs["cost_per_household"] > 0).all()
    assert f"{costs['cost_per_household'].iloc[0]:,.0f}" in protection


def test_parameters_appendix_cites_every_value_in_settlement_order(zh_report):
    text, _ = zh_report
    appendix = text.split('id="appendix-parameters"', 1)[1]
    assert "SX 三 「个人付费不超过5000元」" in appendix  # a source from scenarios/sui_county.yaml, quoting its seed
    sui = appendix.split("随县健康扶贫", 1)[1]
    order = [sui.index(layer) for layer in ("(critical_illness_poor)", "(medical_assistance)", "(supplementary_topup)",
                                             "(supplementary_ceiling_poor)")]
    assert order == sorted(order)
    assert "共同假设" in appendix


def test_html_in_english(en_dir):
    text = (en_dir / "report.en.html").read_text(encoding="utf-8")
    assert not (en_dir / "report.html").exists() or '<html lang="zh-CN">' in (en_dir / "report.html").read_text(encoding="utf-8")
    headings = _parse(text).headings
    for heading in ("Health poverty alleviation: costing report", "1. What to budget", "2. Protection",
                    "Appendix C. Scheme parameters and their sources"):
        assert heading in headings
    assert "一、预算要点" not in text and '<html lang="en">' in text
    assert "X prefecture four-tier protection" in text


def test_a_changed_scheme_file_is_flagged(compare_dir, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(compare_dir, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["scenarios"][1]["content_hash"] = "0" * 64
    (copy / "manifest.json").write_text(json.dumps(manifest))
    write_report(copy, "en")
    text = (copy / "report.en.html").read_text(encoding="utf-8")
    assert text.count("has changed since the run") == 1


def test_sweep_report_has_the_trade_off(sweep_dir):
    text = (sweep_dir / "report.html").read_text(encoding="utf-8")
    assert 'id="sweep"' in text and 'id="figure-tradeoff"' in text and 'id="figure-sweep_curves"' in text
    assert "amount=3000" in text and "amount=8000" in text
    assert "command line: --set layers.supplementary_ceiling_poor.ceiling.amount=8000" in text


def test_sweep_report_shows_differences_from_the_current_setting(sweep_dir):
    """sui_county's own ceiling is 5000: that row is marked current, the others show their paired differences from it
    and the cost per household protected; the parameter is named in Chinese, not by its path."""
    run = load_run(sweep_dir)
    assert analysis.current_setting(run) == ({"layers.supplementary_ceiling_poor.ceiling.amount": "5000"}, "ceiling=5000")
    text = (sweep_dir / "report.html").read_text(encoding="utf-8")
    section = text.split('<section id="sweep">')[1].split("</section>")[0]
    header = re.findall(r"<th[^>]*>([^<]*)</th>", section.split("</thead>")[0])
    assert header[0] == "补充医疗保险（个人年度自付封顶）·封顶线（元）"
    assert "较当前：各支付方合计P50（万元）" in header and "每少一户灾难性支出的成本（元）" in header
    rows = {cells[0]: cells for cells in (re.findall(r"<td[^>]*>([^<]*)</td>", row)
                                          for row in re.findall(r"<tr>(.*?)</tr>", section.split("<tbody>")[1]))}
    assert set(rows) == {"3000", "5000（当前）", "8000"}
    points = analysis.sweep_points(run).set_index("scenario")
    change = points.loc["ceiling=3000", "cost_p50"] - points.loc["ceiling=5000", "cost_p50"]
    column = header.index("较当前：各支付方合计P50（万元）")
    assert rows["3000"][column] == f"{change / 1e4:+,.1f}" and rows["5000（当前）"][column] == "—"
    per_household = analysis.cost_per_household_protected(run, "che_10", reference="ceiling=5000").set_index("scenario")
    expected = per_household.loc["ceiling=3000", "cost_per_household"]
    shown = rows["3000"][header.index("每少一户灾难性支出的成本（元）")]
    assert shown == ("—" if not expected > 0 else f"{expected:,.0f}")
    assert "“当前”为本方案自身的设置" in section


def test_report_opens_with_the_brief_and_ends_with_the_appendices(zh_report, compare_dir):
    from model.brief import build_brief

    text, _ = zh_report
    sections = re.findall(r'<section id="([\w-]+)">', text)
    assert sections[0] == "brief" and sections[-3:] == ["appendix-summary", "appendix-manifest", "appendix-parameters"]
    brief = build_brief(compare_dir)
    part = text.split('<section id="brief">')[1].split("</section>")[0]
    cells = [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", part.split("<tbody>")[1])]
    assert [[row.statistic, row.total, *row.levels] for row in brief.fund_rows] == [c[1:6] for c in cells[:4]]
    assert "参保资助与保费" in part and brief.protection in part


# -- report.xlsx -------------------------------------------------------------------------------------------------

def _rows(sheet) -> list[dict]:
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_xlsx_summary_sheet_equals_summary_json(zh_report, en_dir, compare_dir, lang):
    from openpyxl import load_workbook

    folder = compare_dir if lang == "zh" else en_dir
    summary = json.loads((folder / "summary.json").read_text())
    workbook = load_workbook(folder / ("report.xlsx" if lang == "zh" else "report.en.xlsx"), read_only=True)
    columns = SUMMARY_COLUMNS[lang]
    assert workbook.sheetnames[0] == SHEETS["summary"][lang]
    rows = _rows(workbook[SHEETS["summary"][lang]])
    expected = [(label, metric, stats) for label, entry in summary["scenarios"].items()
                for metric, stats in entry["metrics"].items()]
    assert len(rows) == len(expected)
    for row, (label, metric, stats) in zip(rows, expected):
        assert (row[columns[0]], row[columns[1]]) == (label, metric)
        for index, statistic in enumerate(STATISTICS):
            assert row[columns[2 + index]] == stats[statistic], (label, metric, statistic)  # exact, unrounded
    if lang == "zh":
        assert columns[2:4] == ["均值", "标准差"]


def test_xlsx_payer_sheet_equals_summary_json(zh_report, compare_dir):
    from openpyxl import load_workbook

    summary = json.loads((compare_dir / "summary.json").read_text())
    workbook = load_workbook(compare_dir / "report.xlsx", read_only=True)
    columns = PAYER_COLUMNS["zh"]
    rows = _rows(workbook[SHEETS["payers"]["zh"]])
    seen = set()
    for row in rows:
        stats = summary["scenarios"][row[columns[0]]]["metrics"][row[columns[2]]]
        for index, statistic in enumerate(STATISTICS):
            assert row[columns[3 + index]] == stats[statistic]
        seen.add((row[columns[0]], row[columns[2]]))
    for label in SCHEMES:
        for metric in ("outlay_ma", "outlay_backstop", "oop", "funding_province", "funding_county", "budget_county"):
            assert (label, metric) in seen
    # the funders add up to the total cost, in the workbook as in the model
    for label in SCHEMES:
        funders = sum(summary["scenarios"][label]["metrics"][f"funding_{f}"]["mean"] for f in
                      ("province", "prefecture", "county", "bmi_fund", "insurer", "hospital", "households", "charity"))
        assert funders == pytest.approx(summary["scenarios"][label]["metrics"]["total_cost"]["mean"])


def test_xlsx_headline_sheet_matches_the_replications(zh_report, compare_dir):
    from openpyxl import load_workbook

    workbook = load_workbook(compare_dir / "report.xlsx", read_only=True)
    rows = _rows(workbook[SHEETS["headline"]["zh"]])
    run_folder = load_run(compare_dir)
    for row in rows:
        if row["项目"] == "ma_backstop":
            values = run_folder.values(row["方案"], "outlay_ma") + run_folder.values(row["方案"], "outlay_backstop")
            assert row["P95"] == pytest.approx(np.percentile(values, 95), rel=1e-12)
    assert {"cashflow", "quintiles", "flows", "manifest", "parameters"} <= {
        key for key, names in SHEETS.items() if names["zh"] in workbook.sheetnames}


# -- bad input ---------------------------------------------------------------------------------------------------

def test_a_missing_folder_is_one_clear_error(tmp_path):
    missing = tmp_path / "no-such-run"
    with pytest.raises(InputError, match=r"no-such-run: no such folder; expected a folder written by hpa run"):
        write_report(missing, "zh")
    assert not missing.exists()


def test_a_folder_that_is_not_a_run_names_what_is_missing_and_nothing_is_written(tmp_path, capsys):
    folder = tmp_path / "half"
    folder.mkdir()
    (folder / "summary.json").write_text('{"scenarios": {}}')
    with pytest.raises(InputError) as caught:
        write_report(folder, "en")
    message = str(caught.value)
    assert str(folder) in message and "manifest.json" in message and "replications.parquet" in message
    assert "summary.json" not in message.split("missing", 1)[1]  # it is there
    assert main(["report", str(folder)]) == 2
    assert "hpa: error:" in capsys.readouterr().err
    assert sorted(p.name for p in folder.iterdir()) == ["summary.json"]


def test_an_unreadable_summary_is_named(compare_dir, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(compare_dir, copy)
    (copy / "report.html").unlink(missing_ok=True)
    (copy / "summary.json").write_text("{not json")
    with pytest.raises(InputError, match=r"summary.json: expected the JSON written by hpa run"):
        write_report(copy, "zh")
    assert not (copy / "report.html").exists()


# -- in a browser --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def chromium() -> str:
    """The system Chromium; installed with apt-get (as root) when missing. Playwright never downloads a browser."""
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(candidate).is_file():
            return candidate
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
            done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=900)
            if done.returncode != 0:
                pytest.fail(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
        if Path("/usr/bin/chromium").is_file():
            return "/usr/bin/chromium"
    pytest.fail("the browser test needs Chromium at /usr/bin/chromium: install it (apt-get install chromium) "
                "or run the tests as root so that they install it")


def _open_in_chromium(chromium: str, page_path: Path, screenshot: Path) -> dict:
    from playwright.sync_api import sync_playwright

    found = {"console_errors": [], "page_errors": [], "requests": [], "failed": []}
    with tempfile.TemporaryDirectory(prefix="hpa-chromium-") as profile, sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            profile, executable_path=chromium, headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 1000})
        try:
            page = browser.new_page()
            page.on("console", lambda m: found["console_errors"].append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: found["page_errors"].append(str(e)))
            page.on("request", lambda r: found["requests"].append(r.url))
            page.on("requestfailed", lambda r: found["failed"].append(r.url))
            page.goto(page_path.resolve().as_uri(), wait_until="load")
            page.evaluate("document.fonts.ready.then(() => true)")
            found["images"] = page.evaluate(
                "Array.from(document.images).map(i => ({complete: i.complete, width: i.naturalWidth}))")
            found["cjk_font"] = page.evaluate(
                "document.fonts.check('16px \"HPA Noto Sans CJK SC\"', '兜底保障医疗救助')")
            found["font_status"] = page.evaluate(
                "Array.from(document.fonts).map(f => f.family + ':' + f.status)")
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
            page.set_viewport_size({"width": 390, "height": 844})  # a phone: wide tables scroll in their own box
            found["phone_widths"] = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            found["phone_images"] = page.evaluate(
                "Array.from(document.images).map(i => i.getBoundingClientRect().right)")
            page.screenshot(path=str(screenshot.with_name(screenshot.stem + "-390.png")))
        finally:
            browser.close()
    return found


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_renders_in_headless_chromium(chromium, zh_report, compare_dir, en_dir, lang):
    folder = compare_dir if lang == "zh" else en_dir
    screenshot = TEST_OUTPUT / ("report.png" if lang == "zh" else "report-en.png")
    found = _open_in_chromium(chromium, folder / ("report.html" if lang == "zh" else "report.en.html"), screenshot)
    assert found["console_errors"] == [] and found["page_errors"] == [] and found["failed"] == []
    assert all(url.startswith(("file:", "data:")) for url in found["requests"]), found["requests"]
    assert len(found["images"]) >= 8
    assert all(image["complete"] and image["width"] > 0 for image in found["images"]), found["images"]
    assert found["cjk_font"] and any(s.endswith(":loaded") for s in found["font_status"]), found["font_status"]
    assert screenshot.is_file() and screenshot.stat().st_size > 100_000
    scroll_width, client_width = found["phone_widths"]
    assert client_width == 390 and scroll_width <= client_width, found["phone_widths"]  # no sideways scroll on a phone
    assert max(found["phone_images"]) <= 390, found["phone_images"]


def test_a_run_folder_naming_the_old_id_is_told_the_new_one(tmp_path, capsys) -> None:
    """A run folder made before spec version 2 names quanzhou_prefecture: the report names x_prefecture instead."""
    import json

    folder = tmp_path / "old"
    folder.mkdir()
    for name in ("manifest.json", "summary.json"):
        (folder / name).write_text(json.dumps({"scenarios": [{"label": "quanzhou_prefecture", "id": "quanzhou_prefecture"}]}
                                              if name == "manifest.json" else {"scenarios": {"quanzhou_prefecture": {}}}))
    for name in ("replications", "summary_table", "quintiles", "cashflow", "flows"):
        (folder / f"{name}.csv").write_text("scenario\n")
    from model.cli import main

    assert main(["report", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "renamed 'x_prefecture' in spec version 2" in err and not (folder / "report.html").exists()
