"""Figures of a run, with Chinese and English labels and money in 万元 (matplotlib, the bundled CJK font).

Each `*_figure` function returns a matplotlib Figure (shown inline by a notebook; `save` or `png_bytes` turn it
into a file or bytes). The figures live by what they show: canvas.py (what they share), budget.py (exposure with
P50/P95/P99, settlement waterfall, funding by government level, monthly cash), protection.py (protection, CHE by
income quintile, referral flows), sweep.py (sweeps, cost–protection trade-offs, the poor population's size); the
multi-year figure is model/report/years.py's, the drivers figure model/report/drivers_figure.py's.
`draw_run_figures` draws a run folder's own figures into its figures/ folder when hpa run, compare or sweep
finishes (exposure_distribution, protection_bars, sweep_curves: each writes a PNG).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from model.report.figures.budget import (cashflow_figure, exposure_distribution, exposure_figure, funding_figure,
                                         waterfall_figure)
from model.report.figures.canvas import DPI, GOVERNMENT_OUTLAYS, WAN, WAN_AXIS, new_figure, png_bytes, save
from model.report.figures.protection import flows_figure, protection_bars, protection_figure, quintile_figure
from model.report.figures.sweep import (scaling_figure, sweep_curves, sweep_curves_figure, sweep_lines_figure,
                                        tradeoff_figure)

__all__ = ["DPI", "GOVERNMENT_OUTLAYS", "WAN", "WAN_AXIS", "new_figure", "png_bytes", "save", "exposure_figure",
           "exposure_distribution", "waterfall_figure", "funding_figure", "cashflow_figure", "protection_figure",
           "protection_bars", "quintile_figure", "flows_figure", "sweep_curves_figure", "sweep_curves",
           "sweep_lines_figure", "tradeoff_figure", "scaling_figure", "draw_run_figures"]

RUN_EXPOSURE = ("outlay_backstop", "outlay_ma", "outlay_supplementary")  # drawn when a scenario pays any
RUN_PROTECTION = ("effective_reimbursement", "oop_share", "che_10", "che_ctp40", "impoverishment",
                  "che_10_inpatient_chronic", "che_ctp40_inpatient_chronic")
RUN_SWEEP = ("outlay_backstop", "outlay_ma", "outlay_supplementary", "oop", "che_10", "che_ctp40")


def draw_run_figures(folder: Path) -> list[Path]:
    """Draw a run folder's figures into FOLDER/figures/, from what the folder holds (model/runfolder.py).

    The exposure of each government payer some scenario pays (exposure_PAYER.png), protection (protection.png),
    and for a sweep of one parameter its curves (sweep.png). hpa run, compare and sweep call it on the finished
    folder before it takes its name (model/runner/store.run's `finish`).

    Returns
    -------
    list of Path
        The PNG files written.
    """
    from model.runfolder import FIGURES, load_run

    run = load_run(Path(folder))
    out = run.folder / FIGURES
    made = []
    for metric in RUN_EXPOSURE:
        values = {label: run.values(label, metric) for label in run.labels}
        if any(np.any(v > 0) for v in values.values()):
            made.append(exposure_distribution(values, metric, out / f"exposure_{metric}.png"))
    made.append(protection_bars(run.summary, RUN_PROTECTION, out / "protection.png"))
    if run.kind == "sweep" and len(run.vary) == 1:
        path, values = run.vary[0]
        p50 = {m: [run.stats(label, m).get("p50") for label in run.labels] for m in RUN_SWEEP}
        p95 = {m: [run.stats(label, m).get("p95") for label in run.labels] for m in RUN_SWEEP}
        made.append(sweep_curves(list(values), p50, p95, path, out / "sweep.png"))
    return made
