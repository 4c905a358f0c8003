"""The report's words and markup: one catalogue (texts.yaml) with Chinese and English for every id, and jinja2
templates that escape what they print exactly as the report always has."""

from __future__ import annotations

import ast
import html
import re
import string
from pathlib import Path

import pytest
from markupsafe import Markup

from model.report import blocks as parts, html as page
from model.report.labels import EXTRA_METRIC_LABELS, GOVERNMENT_LEVEL_LABELS, level_label, metric_label
from model.report.texts import CATALOGUE, LANGUAGES, catalogue, words

ROOT = Path(__file__).resolve().parents[1]


def _entries(node, path=()):
    if isinstance(node, dict) and set(node) == set(LANGUAGES):
        yield path, node
        return
    assert isinstance(node, dict) and node, f"texts.yaml {'.'.join(path)}: expected ids or an entry with zh and en"
    for key, inner in node.items():
        yield from _entries(inner, path + (key,))


def _fields(text: str) -> list[str]:
    return sorted(field for _, field, _, _ in string.Formatter().parse(text) if field is not None)


def test_every_entry_has_chinese_and_english_with_the_same_placeholders():
    found = list(_entries(catalogue()))
    assert len(found) > 250
    for path, entry in found:
        assert all(isinstance(entry[lang], str) for lang in LANGUAGES), path
        assert _fields(entry["zh"]) == _fields(entry["en"]), path


@pytest.mark.parametrize("module", ["html", "blocks", "numbers", "budget", "protection", "programmes", "gallery", "sweep",
                                    "appendix", "labels", "years", "uncertainty", "excel", "texts", "analysis",
                                    "scheme_table", "figures/__init__", "figures/canvas", "figures/budget",
                                    "figures/protection", "figures/sweep", "drivers_figure"])
def test_report_modules_hold_no_words(module):
    """What the report says lives in texts.yaml: no Chinese in these modules' strings, docstrings apart."""
    assert _chinese_strings(ROOT / "model" / "report" / f"{module}.py") == []


@pytest.mark.parametrize("module", ["rules/slip", "rules/patient_slip", "rules/command", "county/template"])
def test_slips_and_county_template_hold_no_words(module):
    """The slips' and hpa adjudicate's words live in model/rules/texts.yaml, the county template's in texts.yaml."""
    assert _chinese_strings(ROOT / "model" / f"{module}.py") == []


def _chinese_strings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and node.body
                  and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    found = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)
             and id(node) not in docstrings and re.search("[\u4e00-\u9fff]", node.value)]
    return found


def test_words_of_a_group_are_the_same_ids_in_both_languages():
    def shape(node):
        return {key: shape(inner) for key, inner in node.items()} if isinstance(node, dict) else None

    for group in catalogue():
        assert shape(words(group, "zh")) == shape(words(group, "en")), group


def test_catalogue_is_read_once():
    assert CATALOGUE.name == "texts.yaml"
    assert catalogue() is catalogue()
    assert words("report", "zh") is words("report", "zh")


def test_labels_read_from_the_catalogue():
    assert metric_label("ma_backstop", "zh") == "兜底保障+医疗救助支出"
    assert metric_label("ma_backstop", "en") == "backstop + medical assistance outlay"
    assert metric_label("ma_backstop") == EXTRA_METRIC_LABELS["ma_backstop"] == \
        "兜底保障+医疗救助支出 / backstop + medical assistance outlay"
    assert metric_label("programme_cost_bmi_fund", "en") == "programme costs: BMI fund"
    assert metric_label("no_such_metric", "zh") == "no_such_metric"
    assert GOVERNMENT_LEVEL_LABELS["prefecture"] == "市州级 / prefecture"
    assert level_label("township", "zh", short=True) == "乡镇"
    # the multi-year engine's names are kept apart too, and joined only to print both
    assert metric_label("returned_to_poverty", "zh") == "返贫户占比"
    assert metric_label("returned_to_poverty", "en") == "households returning to poverty"
    assert metric_label("returned_to_poverty") == "返贫户占比 / households returning to poverty"


def _render(*blocks) -> str:
    template = page.environment().from_string(
        '{% from "blocks.html.j2" import section %}{{ section(s) }}')
    return template.render(s=parts.Section("x", "T<itle>", list(blocks)))


def test_templates_escape_as_the_report_always_has():
    assert page.environment().autoescape("report.html.j2")
    nasty = "<script>alert('a & \"b\"')</script>"
    text = _render(parts.Paragraph(nasty), parts.Paragraph(Markup("<b>kept</b>"), None))
    assert text == (f'<section id="x"><h2>T&lt;itle&gt;</h2><p class="">{html.escape(nasty)}</p>'
                    '<p><b>kept</b></p></section>')
    assert "&#x27;" in text and "&quot;" in text  # Python's html.escape, not markupsafe's &#39; / &#34;


def test_table_markup():
    table = parts.Table(["a", "b&", "c"], [[parts.Spanned("s", 2), "1", parts.Range("2", "1", "3")], [None, 4, "<5>"]],
                        css="t", key_column=2, widths=["10%"], nowrap=(0,))
    assert _render(table) == (
        '<section id="x"><h2>T&lt;itle&gt;</h2><div class="table-scroll"><table class="t"><colgroup>'
        '<col style="width:10%"></colgroup><thead><tr><th>a</th><th>b&amp;</th><th class="num key">c</th></tr></thead>'
        '<tbody><tr><td class="nowrap" rowspan="2">s</td><td class="num">1</td><td class="num key">2<br>'
        '<span class="range">1 – 3</span></td></tr><tr><td class="num">4</td><td class="num key">&lt;5&gt;</td></tr>'
        '</tbody></table></div></section>')


@pytest.mark.parametrize(("value", "shown"), [
    ({"a": 1, "b": {"c": None}}, "a: 1<br>b: c: —"), ([], "—"), ({}, "—"), ([""], "—"), (["x<", 2], "x&lt;, 2"),
    (None, "—"), (True, "True"),
])
def test_manifest_values(value, shown):
    text = _render(parts.Table(["k"], [[parts.ManifestValue(value)]], numeric_from=99))
    assert text.split("<tbody><tr><td>")[1].split("</td></tr>")[0] == shown


def test_figure_markup():
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 8 + (200).to_bytes(4, "big") + b"\0" * 8
    figure = parts.figure_block(3, parts.ReportFigure("waterfall", png), "en", lead="Lead")
    text = _render(figure)
    assert 'id="figure-waterfall"' in text and f'width="{parts.png_width(png)}"' in text
    assert "<figcaption><b>Figure 3</b>　Lead Settlement waterfall" in text


def test_names_keep_chinese_and_english_apart():
    """Metric, payer and level names are kept as {zh, en} beside their vocabularies; the '中文 / English' forms
    terminal lines print are built from them, so neither part may hold the separator."""
    from model.codes import CATEGORY_NAMES, LEVEL_NAMES, PAYER_LABELS, PAYER_NAMES, SERVICE_NAMES
    from model.outcomes.metrics import METRIC_LABELS, METRIC_NAMES

    for names in (CATEGORY_NAMES, SERVICE_NAMES, LEVEL_NAMES, PAYER_NAMES, METRIC_NAMES):
        for key, name in names.items():
            assert set(name) == set(LANGUAGES) and all(name[lang] and " / " not in name[lang] for lang in LANGUAGES), key
    assert PAYER_LABELS["ma"] == "医疗救助 / medical assistance"
    assert METRIC_LABELS["outlay_ma_county"] == "医疗救助·县级承担 / medical assistance, county share"
    assert metric_label("outlay_ma", "en") == METRIC_NAMES["outlay_ma"]["en"] == "medical assistance outlay"


def test_figure_texts_join_the_two_languages():
    from model.report.figures.canvas import figure_text
    from model.report.labels import level_names, stacked

    level = {"zh": "省级", "en": "province"}
    assert figure_text("funding_part", level=level, part={"zh": "支出", "en": "outlays"}) == "省级：支出 / province: outlays"
    assert figure_text("flows_same", count=3) == "全部3个方案相同 / the same in all 3 scenarios"
    assert figure_text("quintile_title", "\n").count("\n") == 1
    assert stacked(level_names("township", short=True)) == "乡镇\ntownship"
    assert stacked(level_names("no_such_level")) == "no_such_level"
