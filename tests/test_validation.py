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


def test_protection_section_keeps_calibration_and_validation_targets_apart() -> None:
    tables: dict = {}
    checks = validate("baseline", persons=20_000, seed=11, protection_tables=tables)
    roles = {c.role for c in checks}
    assert roles == {"calibration", "validation"}
    validation = [c for c in checks if c.role == "validation"]
    assert validation and all("doi" in c.source for c in validation)
    quantities = " ".join(c.quantity for c in validation)
    for needed in ("capacity to pay", "impoverishment", "schemes' relative cut", "schemes' cut in CHE at 10% of income"):
        assert needed in quantities
    # every protection metric, both scopes, for both populations and every seed scheme
    from model.outcomes.protection import PROTECTION_METRICS

    assert set(tables) == {"poor_households", "rural_county"}
    for by_scheme in tables.values():
        assert "baseline" in by_scheme and len(by_scheme) >= 5
        for metrics in by_scheme.values():
            assert all(0 <= metrics[m] <= 1 for m in PROTECTION_METRICS)
            # out-of-pocket on some claims can never be catastrophic more often than on all of them
            for base in ("che_10", "che_25", "che_ctp40"):
                assert metrics[base + "_inpatient_chronic"] <= metrics[base]
