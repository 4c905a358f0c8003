"""A report's own Chinese font, embedded: Chinese renders on a machine with none, and the page stays self-contained.

The bundled Noto Sans CJK SC is cut down to the characters the report uses and put inline as a data URI."""

from __future__ import annotations

import base64
import io
from pathlib import Path

FAMILY = "HPA Noto Sans CJK SC"


def _font_file() -> Path:
    import mplfonts

    return Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"


def subset_woff(text: str) -> bytes:
    """WOFF bytes holding the glyphs of every character in `text` (and printable ASCII)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]  # keep proportional punctuation and the like
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = TTFont(str(_font_file()), lazy=True, recalcTimestamp=False)  # the same page every time
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(set(text) | {chr(c) for c in range(0x20, 0x7F)})))
    subsetter.subset(font)
    font.flavor = "woff"
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def font_face_css(text: str) -> str:
    """An @font-face rule for FAMILY, with the subset font inline."""
    data = base64.b64encode(subset_woff(text)).decode("ascii")
    return (f'@font-face {{ font-family: "{FAMILY}"; font-style: normal; font-weight: 400 700; '
            f'src: url(data:font/woff;base64,{data}) format("woff"); }}')
