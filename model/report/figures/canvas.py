"""What every figure of the report shares: a CJK-ready matplotlib Figure, PNG output, colours, axes in 万元, texts."""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Mapping

from model import atomic
from model.report.fonts import use_cjk_font
from model.report.labels import LANGUAGES, metric_kind
from model.report.texts import entries


def figure_text(key: str, separator: str = " / ", **values) -> str:
    """The figure text `key` of texts.yaml (group `figures`; dotted for a nested id) as figures print it: its Chinese,
    `separator`, its English, each filled with `values`; a value given as {"zh": ..., "en": ...} fills each
    language with its own part."""
    entry = entries("figures")
    for part in key.split("."):
        entry = entry[part]
    return separator.join(entry[lang].format(**{name: value[lang] if isinstance(value, dict) else value
                                                for name, value in values.items()}) for lang in LANGUAGES)


GOVERNMENT_OUTLAYS = ("outlay_ma", "outlay_backstop", "outlay_supplementary")
WAN = 1e4  # 万元: money on figures is shown in units of 10,000 yuan
WAN_AXIS = figure_text("axis_wan")
DPI = 130
LIST_SEPARATOR = entries("page")["list_separator"]["zh"]  # scenarios listed on a figure: 、
SCENARIO_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                   "#bcbd22", "#17becf")
PAYER_COLORS = {"bmi": "#4c72b0", "cii": "#64b5cd", "ma": "#55a868", "backstop": "#c44e52",
                "supplementary": "#8172b3", "hospital": "#ccb974", "charity": "#937860", "oop": "#8c1c13"}
LEVEL_COLORS = {"province": "#4c72b0", "prefecture": "#55a868", "county": "#dd8452"}
PERCENTILE_STYLE = {"P50": ("#222222", "-"), "P95": ("#d62728", "--"), "P99": ("#7b3294", ":")}


def new_figure(width: float, height: float):
    """A Figure not tied to pyplot (no global state; freed when dropped), with the CJK font in place."""
    use_cjk_font()
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def save(figure, path: Path) -> Path:
    """The figure as a PNG at `path` (its folder made if need be), written atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_bytes(path, png_bytes(figure))
    return path


def png_bytes(figure, dpi: int = DPI) -> bytes:
    """A figure as PNG bytes, cropped to its content.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
    dpi : int
        Dots per inch.

    Returns
    -------
    bytes
    """
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", pad_inches=0.15)
    return buffer.getvalue()


def grid(figure, count: int, columns: int, **options):
    """`count` panels in rows of `columns` on `figure`; the panels left over are hidden.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
    count : int
        Panels wanted.
    columns : int
        Panels a row.
    **options
        Passed to Figure.subplots (sharex, sharey…).

    Returns
    -------
    numpy.ndarray
        The axes, rows by columns.
    """
    rows = max(1, math.ceil(count / columns))
    axes = figure.subplots(rows, columns, squeeze=False, **options)
    for axis in axes.ravel()[count:]:
        axis.set_visible(False)
    return axes


def axis_scale(metric: str) -> tuple[float, str]:
    """Divide a metric's values by this for the axis, and the axis unit."""
    kind = metric_kind(metric)
    if kind == "money":
        return WAN, WAN_AXIS
    if kind in ("rate", "ratio"):
        return 0.01, figure_text("axis_percent")
    return 1.0, figure_text("axis_count")


def scenario_name(names: Mapping[str, str] | None, label: str) -> str:
    """A scenario's display name from `names`, or its label when it has none.

    Parameters
    ----------
    names : mapping of str to str, or None
        Label → display name.
    label : str
        The scenario's label in the run.

    Returns
    -------
    str
    """
    return names.get(label, label) if names else label


def note_under(figure, text: str) -> None:
    """A line under the figure (saved with a tight bounding box, so it is kept)."""
    figure.text(0.01, -0.01, text, ha="left", va="top", fontsize=8, color="#555555")


def thousands():
    """Matplotlib's own tick labels (no offset, no powers of ten), with thousands separated by commas."""
    from matplotlib.ticker import ScalarFormatter

    class Thousands(ScalarFormatter):
        def __call__(self, value, position=None):
            text = super().__call__(value, position)
            try:
                number = float(text)
            except ValueError:
                return text
            decimals = len(text.split(".", 1)[1]) if "." in text else 0
            return f"{number:,.{decimals}f}" if abs(number) >= 1000 else text

    formatter = Thousands(useOffset=False)
    formatter.set_scientific(False)
    return formatter


def or_nan(value) -> float:
    """A statistic as a float for plotting: NaN for None.

    Parameters
    ----------
    value : float, int or None

    Returns
    -------
    float
    """
    return float("nan") if value is None else float(value)


def is_number(text: str) -> bool:
    """Whether `text` reads as a number (a sweep's varied values are then plotted on a numeric axis).

    Parameters
    ----------
    text : str

    Returns
    -------
    bool
    """
    try:
        float(text)
        return True
    except ValueError:
        return False
