"""Chinese-capable fonts for matplotlib: Noto Sans CJK SC, shipped by the mplfonts package (no system fonts needed)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

CJK_FAMILY = "Noto Sans CJK SC"


@lru_cache(maxsize=1)
def use_cjk_font() -> str:
    """Register the bundled CJK font and make it matplotlib's default sans-serif; returns the family name.

    Selects the Agg backend, except under a notebook's inline backend."""
    import matplotlib

    # A notebook's inline backend (%matplotlib inline) stays, so figures show there; elsewhere no display is assumed.
    if "inline" not in str(matplotlib.get_backend(auto_select=False) or ""):
        matplotlib.use("Agg")
    from matplotlib import font_manager, pyplot

    import mplfonts

    font = Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
    font_manager.fontManager.addfont(str(font))
    family = font_manager.FontProperties(fname=str(font)).get_name()
    pyplot.rcParams["font.family"] = "sans-serif"
    pyplot.rcParams["font.sans-serif"] = [family, "DejaVu Sans"]
    pyplot.rcParams["axes.unicode_minus"] = False  # the CJK font has no U+2212 minus glyph
    return family
