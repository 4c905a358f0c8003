"""Figures: Chinese renders with the bundled font, money is in 万元, percentiles and totals are where they belong.

Also: no glyph is missing anywhere, and the run store's three figure functions still write PNGs."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import pytest

from model.report import analysis, figures
from model.report.fonts import use_cjk_font
from model.runfolder import load_run
from model.runner.plan import RunPlan, Variant, sweep_variants
from model.runner.store import run

SCHEMES = ("baseline", "x_prefecture", "sui_county")
MONEY_OUTLAYS = ["total_cost", "oop"] + [f"outlay_{p}" for p in ("bmi", "cii", "ma", "backstop", "supplementary",
                                                                 "hospital")]


@pytest.fixture(scope="module")
def compare_run(tmp_path_factory):
    plan = RunPlan(kind="compare", variants=tuple(Variant(s, s) for s in SCHEMES), persons=6_000, replications=4,
                   seed=7)
    folder, _ = run(plan, tmp_path_factory.mktemp("figures") / "compare", workers=2, progress=False)
    return load_run(folder)


@pytest.fixture(scope="module")
def sweep_run(tmp_path_factory):
    vary = (("layers.supplementary_ceiling_poor.ceiling.amount", ("3000", "8000")),
            ("care.pathway.bypass_share", ("0.02", "0.08")))
    plan = RunPlan(kind="sweep", variants=sweep_variants("sui_county", (), vary), persons=4_000, replications=2,
                   seed=7, vary=vary)
    folder, _ = run(plan, tmp_path_factory.mktemp("figures") / "sweep", workers=2, progress=False)
    return load_run(folder)


def _all_figures(compare, sweep) -> dict:
    names = compare.names("zh")
    means = {label: {m: compare.stats(label, m)["mean"] for m in MONEY_OUTLAYS} for label in compare.labels}
    points = analysis.sweep_points(sweep)
    return {
        "exposure": lambda: figures.exposure_figure(
            {label: analysis.replication_values(compare, label, "ma_backstop") for label in compare.labels},
            "ma_backstop", names),
        "protection": lambda: figures.protection_figure(compare.summary, ("che_10", "impoverishment"), names),
        "waterfall": lambda: figures.waterfall_figure(means, names),
        "funding": lambda: figures.funding_figure(compare.summary, names),
        "quintiles": lambda: figures.quintile_figure(compare.tables["quintiles"], names),
        "flows": lambda: figures.flows_figure(compare.tables["flows"], names),
        "cashflow": lambda: figures.cashflow_figure(compare.tables["cashflow"], names),
        "tradeoff": lambda: figures.tradeoff_figure(points, "amount", "bypass_share"),
        "sweep_lines": lambda: figures.sweep_lines_figure(
            sweep.tables["sweep"], [p for p, _ in sweep.vary], ("outlay_supplementary", "che_10")),
        "scaling": lambda: figures.scaling_figure([1000, 2000], [{"p50": 1e6, "p95": 1.2e6, "p99": 1.3e6},
                                                                 {"p50": 2e6, "p95": 2.3e6, "p99": 2.4e6}]),
    }


def _texts(figure) -> list[str]:
    from matplotlib.text import Text

    return [t.get_text() for t in figure.findobj(Text) if t.get_text()]


def test_the_default_sans_serif_is_the_bundled_cjk_font():
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    use_cjk_font()
    path = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]), fallback_to_default=False)
    assert Path(path).name == "NotoSansCJKsc-Regular.otf"
    font = FT2Font(path)
    for character in "兜底保障医疗救助万元省市州县灾难性支出":
        assert font.get_char_index(ord(character)) != 0, character


def test_every_figure_draws_every_character_it_writes(compare_run, sweep_run):
    """No glyph is missing (matplotlib warns, made an error here), and each figure's own words are bilingual."""
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    cjk = FT2Font(font_manager.findfont(font_manager.FontProperties(family=[use_cjk_font()])))
    fallback = FT2Font(font_manager.findfont(font_manager.FontProperties(family=["DejaVu Sans"])))
    for name, make in _all_figures(compare_run, sweep_run).items():
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "Glyph ... missing from font(s)" would fail here
            figure = make()
            data = figures.png_bytes(figure, dpi=60)
        assert data.startswith(b"\x89PNG"), name
        texts = _texts(figure)
        assert any(any("\u4e00" <= c <= "\u9fff" for c in t) for t in texts), f"{name}: no Chinese label"
        assert any(any("a" <= c <= "z" for c in t) for t in texts), f"{name}: no English label"
        for text in texts:
            for character in set(text) - set(" \n"):
                assert cjk.get_char_index(ord(character)) or fallback.get_char_index(ord(character)), \
                    f"{name}: {character!r} in {text!r} has no glyph"


def test_figures_are_not_blank(compare_run, sweep_run):
    from matplotlib.image import imread

    for name, make in _all_figures(compare_run, sweep_run).items():
        pixels = imread(io.BytesIO(figures.png_bytes(make(), dpi=50)), format="png")
        assert pixels.shape[0] > 100 and pixels.shape[1] > 200, name
        assert pixels[..., :3].std() > 0.05, f"{name} looks blank"


def test_exposure_marks_p50_p95_p99_in_wan(compare_run):
    values = {label: analysis.replication_values(compare_run, label, "outlay_ma") for label in compare_run.labels}
    figure = figures.exposure_figure(values, "outlay_ma")
    active = [label for label in compare_run.labels if values[label].max() > 0]
    assert len(active) == 2  # the baseline has no medical assistance
    axes = [axis for axis in figure.axes if axis.get_visible()]
    assert len(axes) == len(active)
    for axis, label in zip(axes, active):
        marked = sorted(line.get_xdata()[0] for line in axis.lines)
        expected = sorted(np.percentile(values[label] / 1e4, [50, 95, 99]))
        assert np.allclose(marked, expected)
        assert "万元" in axis.get_xlabel()
    assert any("baseline" in t or "城乡居民" in t for t in _texts(figure))  # the idle scheme is named, not dropped


def test_waterfall_goes_from_total_cost_through_each_payer_to_out_of_pocket(compare_run):
    label = "x_prefecture"
    stats = {m: compare_run.stats(label, m)["mean"] for m in MONEY_OUTLAYS}
    figure = figures.waterfall_figure({label: stats})
    bars = figure.axes[0].patches
    widths = [bar.get_width() for bar in bars]
    lefts = [bar.get_x() for bar in bars]
    assert widths[0] == pytest.approx(stats["total_cost"] / 1e4)
    assert widths[-1] == pytest.approx(stats["oop"] / 1e4)
    assert lefts[-2] == pytest.approx(widths[-1], abs=1e-6)  # the last payer stops where out-of-pocket begins
    assert sum(widths[1:]) == pytest.approx(widths[0], rel=1e-9)  # payers + OOP = total cost


def test_funding_bars_add_up_to_each_levels_budget(compare_run):
    figure = figures.funding_figure(compare_run.summary)
    axis = figure.axes[0]
    totals = {}
    for bar in axis.patches:
        y = round(bar.get_y() + bar.get_height() / 2)
        totals[y] = totals.get(y, 0.0) + bar.get_width()
    positions = np.arange(len(compare_run.labels))[::-1]
    for y, label in zip(positions, compare_run.labels):
        expected = sum(compare_run.stats(label, f"budget_{level}")["mean"] for level in ("province", "prefecture", "county"))
        assert totals[int(y)] == pytest.approx(expected / 1e4)


def test_identical_flows_share_one_panel(compare_run):
    figure = figures.flows_figure(compare_run.tables["flows"], compare_run.names("en"))
    visible = [axis for axis in figure.axes if axis.get_visible()]
    assert len(visible) == 1
    assert "the same in all 3 scenarios" in visible[0].get_title()


def test_the_run_store_figure_functions_still_write_pngs(compare_run, tmp_path):
    values = {label: analysis.replication_values(compare_run, label, "outlay_ma") for label in compare_run.labels}
    written = [
        figures.exposure_distribution(values, "outlay_ma", tmp_path / "a" / "exposure.png"),
        figures.protection_bars(compare_run.summary, ("che_10", "impoverishment"), tmp_path / "protection.png"),
        figures.sweep_curves(["3000", "8000"], {"oop": [2e6, 2.5e6], "che_10": [0.6, 0.65]},
                             {"oop": [2.1e6, 2.6e6], "che_10": [0.61, 0.66]}, "layers.x.ceiling.amount",
                             tmp_path / "sweep.png"),
    ]
    for path in written:
        assert path.is_file() and path.read_bytes().startswith(b"\x89PNG")


def test_sweep_curves_show_money_in_wan_and_rates_in_percent():
    figure = figures.sweep_curves_figure(["3000", "8000"], {"oop": [2e6, 2.5e6], "che_10": [0.6, 0.65]},
                                         {"oop": [2.1e6, 2.6e6], "che_10": [0.61, 0.66]}, "layers.x.ceiling.amount")
    money, rate = figure.axes[:2]
    assert "万元" in money.get_ylabel() and list(money.lines[0].get_ydata()) == [200.0, 250.0]
    assert "%" in rate.get_ylabel() and list(rate.lines[0].get_ydata()) == pytest.approx([60.0, 65.0])
