"""What a report section holds (paragraphs, tables, figures…), as templates/blocks.html.j2 writes each kind."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from markupsafe import Markup

from model.outcomes.protection import definition_text, split_metric
from model.report.figures.canvas import DPI
from model.report.labels import metric_label
from model.report.texts import words


@dataclass
class Paragraph:
    """A paragraph of the report: its text and CSS class."""

    text: str
    css: str | None = ""  # None: a <p> without a class
    kind = "paragraph"


@dataclass
class Heading:
    """A heading of the report at `level` (h3 by default)."""

    text: str
    level: int = 3
    kind = "heading"


@dataclass
class Range:
    """A value with its P5–P95 range beneath it, in one cell."""
    value: str
    low: str
    high: str
    kind = "range"


@dataclass
class Spanned:
    """A cell covering `rows` rows; the rows below hold None in its column."""
    value: object
    rows: int
    kind = "spanned"


@dataclass
class ManifestValue:
    """A manifest value as it is (mappings one entry a line, lists comma-separated, '—' for none)."""
    value: object
    kind = "manifest"


@dataclass
class Table:
    """Cells from column `numeric_from` on are right-aligned numbers, column `key_column` is highlighted. Columns
    count logically, so a highlighted or unwrapped column stays itself in rows under a Spanned cell."""
    headers: list
    rows: list[list]
    css: str = ""
    numeric_from: int = 1
    key_column: int | None = None
    widths: list[str] | None = None
    nowrap: tuple[int, ...] = ()
    kind = "table"

    def column_classes(self) -> list[str]:
        """Each column's CSS classes ('num key', or '' for none)."""
        width = max([len(self.headers)] + [len(row) for row in self.rows])
        return [" ".join((["num"] if index >= self.numeric_from else []) + (["key"] if index == self.key_column else [])
                         + (["nowrap"] if index in self.nowrap else [])) for index in range(width)]


@dataclass
class Details:
    """A folded part of the report: its summary line and the blocks shown when opened."""

    summary: str
    blocks: list
    open: bool = False
    kind = "details"


@dataclass
class Figure:
    """A figure of the report: the PNG in base64, its width (pixels), alt text and caption number."""

    key: str
    data: Markup  # the PNG in base64
    width: int
    alt: str
    number: int | None = None  # None: no caption under it
    word: str = ""
    caption: str = ""
    lead: str = ""  # words before the caption
    kind = "figure"


@dataclass
class Section:
    """A numbered section of the report: its anchor, title and blocks."""

    anchor: str
    title: str
    blocks: list = field(default_factory=list)


@dataclass
class ReportFigure:
    """A figure the report draws: its key, PNG bytes and the protection metrics it shows (defined in its caption)."""

    key: str
    png: bytes
    metrics: tuple[str, ...] = ()  # protection metrics it shows: their definitions go in its caption


def definitions(metrics, lang: str) -> str:
    """Definition and scope of each protection metric among `metrics`, one sentence (Chinese first, English beside)."""
    shown = [m for m in dict.fromkeys(metrics) if split_metric(m)[0] in ("che_10", "che_25", "che_ctp40", "impoverishment")]
    if not shown:
        return ""
    return words("page", lang)["definitions_lead"] + " | ".join(
        f"{metric_label(m, lang)} = {definition_text(m, lang)}" for m in shown)


def figure_block(number_: int, figure: ReportFigure, lang: str, lead: str = "") -> Figure:
    """Figure `number_` with its caption (and the definitions of the protection metrics it shows); `lead` before it."""
    caption = " ".join(filter(None, (words("report", lang)["captions"].get(figure.key, ""),
                                     definitions(figure.metrics, lang))))
    return Figure(figure.key, png_data(figure.png), png_width(figure.png), caption, number_,
                  words("report", lang)["figure"], caption, lead)


def png_data(png: bytes) -> Markup:
    """The PNG in base64, for a data URI."""
    return Markup(base64.b64encode(png).decode("ascii"))


def png_width(png: bytes) -> int:
    """The width in CSS pixels (1/96 inch) at which the PNG shows at its physical size."""
    return round(int.from_bytes(png[16:20], "big") * 96 / DPI)
