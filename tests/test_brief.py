"""The one-page brief (简报): its numbers are summary.json's after the brief's rounding, in HTML, Word and PDF."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from model.brief import build_brief, write_brief
from model.brief.content import wan
from model.cli import main

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def county_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("brief") / "run"
    assert main(["run", "--county", str(DATA / "county_example.yaml"), "--reps", "3", "--workers", "1",
                 "--seed", "11", "--out", str(out)]) == 0
    return out


def test_wan_rounds_sensibly() -> None:
    assert wan(12_345_678) == "1,235" and wan(1_234_567) == "123.5" and wan(54_321) == "5.43" and wan(None) == "—"


def test_brief_numbers_are_summary_numbers_rounded(county_run: Path) -> None:
    from docx import Document

    metrics = json.loads((county_run / "summary.json").read_text())["scenarios"]["sui_county"]["metrics"]
    brief = build_brief(county_run)
    ma_p95 = [row for row in brief.fund_rows if row.fund == "ma" and row.statistic == "P95"][0]
    assert ma_p95.total == wan(metrics["outlay_ma"]["p95"]) and float(ma_p95.total.replace(",", "")) > 0
    assert ma_p95.levels == [wan(metrics[f"outlay_ma_{level}"]["p95"]) for level in ("province", "prefecture", "county")]
    change = metrics["outlay_ma"]["p95"] - 600_000  # last year's MA: 60 万元 in the example profile
    assert ma_p95.last_year == "60.0" and ma_p95.change.startswith(("+" if change > 0 else "") + wan(change))
    assert dict(brief.premium_rows)["补充保险保费"] == wan(metrics["premium_supplementary"]["mean"])
    assert brief.title == "示例县 2021 年度健康扶贫医疗保障资金测算简报"
    assert any("county_example.yaml" in source for _, source in brief.assumptions)

    page = (county_run / "brief.html").read_text(encoding="utf-8")
    row = re.search(r'<tr data-fund="ma" data-statistic="P95">(.*?)</tr>', page).group(1)
    assert re.findall(r"<td[^>]*>([^<]*)</td>", row)[2:6] == [ma_p95.total] + ma_p95.levels
    assert "@font-face" in page and "http" not in page.split("<body>")[1].split("来源")[0]

    document = Document(str(county_run / "brief.docx"))
    cells = [[cell.text for cell in r.cells] for r in document.tables[0].rows]
    assert cells[0][:3] == ["资金", "分位", "合计"]
    assert [ma_p95.label, "P95", ma_p95.total] + ma_p95.levels == cells[4][:6]


def test_brief_lists_programme_costs_and_bad_debt_as_lines_of_their_own(county_run: Path) -> None:
    """Issue 18: the programme ledger's costs by payer and the hospitals' bad debt, each on a line of its own, with
    summary.json's numbers, in the HTML and the Word brief (sui_county has a ledger and pay after treatment)."""
    from docx import Document

    metrics = json.loads((county_run / "summary.json").read_text())["scenarios"]["sui_county"]["metrics"]
    payers = ("central", "province", "prefecture", "county", "bmi_fund", "public_health")
    programme = [wan(metrics["programme_cost"]["mean"])] + [wan(metrics[f"programme_cost_{p}"]["mean"]) for p in payers]
    bad_debt = wan(metrics["bad_debt"]["mean"])
    assert metrics["programme_cost_public_health"]["mean"] > 0 and metrics["bad_debt"]["mean"] > 0
    assert programme[0] != programme[1] and bad_debt != programme[0]  # the lines below could not pass by accident
    expected = {"programme_cost": ["项目经费 / programme costs", "均值"] + programme + ["—"],
                "bad_debt": ["坏账 / bad debt", "均值", bad_debt] + ["—"] * len(payers) + [bad_debt]}

    page = (county_run / "brief.html").read_text(encoding="utf-8")
    table = re.search(r'<table id="brief-other">(.*?)</table>', page, re.S).group(1)
    assert re.findall(r"<th>([^<]*)</th>", table) == ["支出", "分位", "合计", "中央", "省级", "市州", "县级", "医保基金",
                                                      "公卫经费", "医院"]
    for item, cells in expected.items():
        row = re.search(rf'<tr data-item="{item}" data-statistic="均值">(.*?)</tr>', table).group(1)
        assert re.findall(r"<td[^>]*>([^<]*)</td>", row) == cells
    assert "三、项目经费与坏账" in page and "四、保障效果" in page
    assert f"建档立卡贫困人口全面健康体检 {wan(metrics['programme_health_checks']['mean'])} 万元" in page
    assert f"P95 {wan(metrics['bad_debt']['p95'])}" in page

    document = Document(str(county_run / "brief.docx"))
    text = [p.text for p in document.paragraphs]
    assert "三、项目经费与坏账（非理赔支出，另列，万元/年）" in text and "四、保障效果" in text
    other = [[cell.text for cell in r.cells] for r in document.tables[2].rows]
    assert other[0][:3] == ["支出", "分位", "合计"]
    assert other[1:] == list(expected.values())


def test_brief_of_a_scheme_without_programmes_or_debts_has_no_such_section(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(["run", "baseline", "--persons", "2000", "--reps", "2", "--workers", "1", "--out", str(out)]) == 0
    brief = build_brief(out)
    assert brief.other_rows == [] and "other" not in brief.headings()
    assert list(brief.headings().values())[2] == "三、保障效果"


def test_brief_pdf_is_one_a4_page_with_its_cjk_font(county_run: Path) -> None:
    data = (county_run / "brief.pdf").read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) == 1
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert abs(float(box.group(1)) - 595) < 2 and abs(float(box.group(2)) - 842) < 2
    # the CJK font travels in the file (Chromium embeds its glyphs as Type 3 outlines), so no viewer needs one
    assert b"NotoSansCJKsc" in data and b"/Subtype /Type3" in data and b"/CharProcs" in data


def test_brief_files_are_the_same_for_the_same_run(county_run: Path) -> None:
    before = {name: (county_run / name).read_bytes() for name in ("brief.html", "brief.pdf", "brief.docx")}
    write_brief(county_run)
    assert {name: (county_run / name).read_bytes() for name in before} == before


def test_report_writes_the_brief_of_an_ordinary_run(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(["run", "x_prefecture", "--persons", "3000", "--reps", "2", "--workers", "1", "--out", str(out)]) == 0
    assert main(["report", str(out)]) == 0
    page = (out / "brief.html").read_text(encoding="utf-8")
    metrics = json.loads((out / "summary.json").read_text())["scenarios"]["x_prefecture"]["metrics"]
    assert wan(metrics["outlay_backstop_province"]["p50"]) in page and (out / "brief.docx").is_file()


def test_brief_names_the_three_largest_drivers_when_computed(county_run: Path, tmp_path: Path) -> None:
    import shutil

    from docx import Document

    run = tmp_path / "run"
    shutil.copytree(county_run, run)
    assert build_brief(run).drivers == []  # not computed: no section
    rows = [("ceiling", 0.05, "封顶线,ceiling"), ("admission_rate", 0.61, "住院率,admission rate"),
            ("cost_mean", 0.22, "次均费用,mean cost"), ("out_of_list", 0.30, "目录外费用占比,out-of-list share")]
    lines = ["parameter,statistic,S1,S1_conf,ST,ST_conf,low,high,label_zh,label_en"]
    for name, st, labels in rows:
        lines.append(f"{name},mean,{st / 2},0.01,{st},0.02,1000,2000,{labels}")
        lines.append(f"{name},p95,,,,,1500,2500,{labels}")
    (run / "drivers.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (run / "drivers.json").write_text('{"metric": "outlay_backstop_ma"}', encoding="utf-8")
    brief = build_brief(run)
    assert brief.drivers == [("住院率", "0.61"), ("目录外费用占比", "0.30"), ("次均费用", "0.22")]
    write_brief(run)
    page = (run / "brief.html").read_text(encoding="utf-8")
    sentence = re.search(r'<p id="brief-drivers">(.*?)</p>', page).group(1)
    assert sentence.index("住院率") < sentence.index("目录外费用占比") < sentence.index("次均费用")
    assert "封顶线" not in sentence and "ceiling" not in sentence
    text = [p.text for p in Document(str(run / "brief.docx")).paragraphs]
    assert "五、预算的三大驱动因素" in text and sentence in text  # after the programme costs and bad debt
    assert len(re.findall(rb"/Type\s*/Page\b", (run / "brief.pdf").read_bytes())) == 1  # still one A4 page
