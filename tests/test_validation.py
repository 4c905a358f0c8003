"""`hpa validate`: every simulated figure inside its published band, at a size that runs in seconds."""

from __future__ import annotations

from model.cli import main
from model.validation import validate


def test_every_figure_is_inside_its_band() -> None:
    checks = validate("baseline", persons=60_000, seed=7)
    assert len(checks) >= 15
    outside = [(c.quantity, c.population, round(c.simulated, 4), c.low, c.high) for c in checks if not c.inside]
    assert outside == []
    assert all(c.source for c in checks)
    quantities = " ".join(c.quantity for c in checks)
    for needed in ("share admitted in a year, poor", "non-poor", "outpatient visits", "cost an admission, county",
                   "cost a general outpatient visit, township", "stay in a hospital", "within the county",
                   "hypertension, age 35+", "household size"):
        assert needed in quantities


def test_validate_command_prints_the_table_and_exits_by_the_bands(capsys) -> None:
    assert main(["validate", "--persons", "40000", "--seed", "3"]) == 0
    printed = capsys.readouterr().out
    assert "figures inside their bands" in printed and "calibration:" in printed
    # a scheme is irrelevant to utilization, but an impossible pathway is not: nothing stays in the county
    assert main(["validate", "--persons", "20000", "--set", "care.pathway.bypass_share=1"]) == 1
    assert "OUTSIDE" in capsys.readouterr().out
