"""`hpa validate`: every calibration figure inside its band, validation targets beside the bands of their sources,
at a size that runs in seconds."""

from __future__ import annotations

import copy

import pytest

from model.cli import main
from model.errors import InputError
from model.outcomes.validation import TARGET_IDS, Estimate, TargetsFile, protection_targets, wilson_interval
from model.scenario.messages import Origins, validated
from model.validation import Check, passed, validate


def test_every_calibration_figure_is_inside_its_band() -> None:
    checks = validate("baseline", persons=60_000, seed=7)
    assert len(checks) >= 15
    outside = [(c.quantity, c.population, round(c.simulated, 4), c.low, c.high) for c in checks
               if not c.inside and c.role == "calibration"]
    assert outside == []
    assert all(c.source for c in checks)
    quantities = " ".join(c.quantity for c in checks)
    for needed in ("share admitted in a year, poor", "non-poor", "outpatient visits", "cost an admission, county",
                   "cost a general outpatient visit, township", "stay in a hospital", "within the county",
                   "hypertension, age 35+", "household size", "spread of yearly outpatient visits between persons"):
        assert needed in quantities


def test_validate_command_prints_the_table_and_exits_by_the_bands(capsys) -> None:
    assert main(["validate", "--persons", "40000", "--seed", "3"]) == 0
    printed = capsys.readouterr().out
    assert "calibration figures inside their bands" in printed and "calibration:" in printed
    assert "band rule 区间规则: Every band comes from its sources alone" in printed
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
    for needed in ("capacity to pay", "impoverishment", "schemes' relative cut", "schemes' cut in CHE at 10% of income",
                   "inpatient OOP share, poor", "inpatient OOP share, non-poor"):
        assert needed in quantities
    # each band is the one its sources give, whatever was simulated
    targets = protection_targets()
    assert len(validation) == len(TARGET_IDS)
    for check in validation:
        target = next(t for t in targets.targets.values() if check.quantity.endswith(t.quantity.en))
        assert (check.low, check.high) == target.bounds() and check.detail.startswith("compared: ")
    # a mean over the seed schemes shows its parts, and they average to it
    from model.outcomes.validation import poverty_schemes

    share = next(c for c in validation if "inpatient OOP share, poor" in c.quantity)
    parts = dict(item.rsplit(" ", 1) for item in share.detail.split(" | by scheme: ")[1].split(" | ")[0].split(", "))
    assert set(parts) == set(poverty_schemes())
    assert abs(sum(float(v) for v in parts.values()) / len(parts) - share.simulated) < 1e-3
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


def test_bands_come_from_the_published_figures() -> None:
    targets = protection_targets().targets
    # a point published without an interval: half a unit of its last digit either side (10.9%: 10.85-10.95%)
    assert targets["che_ctp40_rural"].bounds() == pytest.approx((0.1085, 0.1095))
    # a published 95% interval, taken as published
    assert targets["impoverishment_rural"].bounds() == (0.018, 0.021)
    # a range of specifications
    assert targets["che_10_cut"].bounds() == (0.072, 0.077)
    # context figures set no band
    assert targets["che_ctp40_rural"].context and targets["che_ctp40_rural"].bounds()[1] < 0.11
    # a share whose study gives its sample size and no interval: the Wilson interval of that share in that sample
    share = Estimate.model_validate({"estimate": 0.5, "sample_size": 100})
    assert share.interval() == pytest.approx((0.4038, 0.5962), abs=1e-4)
    assert wilson_interval(0.109, 10_000) == pytest.approx((0.1030, 0.1153), abs=1e-4)


def test_validation_targets_do_not_set_the_exit_status() -> None:
    def check(role: str, simulated: float) -> Check:
        return Check("q", "p", simulated, 0.5, 0.4, 0.6, "s", role=role)

    assert passed([check("calibration", 0.5), check("validation", 0.9)])
    assert not passed([check("calibration", 0.9), check("validation", 0.5)])


def test_targets_file_refused_naming_the_field() -> None:
    from model.scenario.resolve import scenarios_dir
    from model.scenario.yamlio import read_yaml

    tree = read_yaml(scenarios_dir() / "validation" / "protection.yaml")

    def refused(change) -> str:
        changed = copy.deepcopy(tree)
        change(changed)
        with pytest.raises(InputError) as caught:
            validated(TargetsFile, changed, Origins("protection.yaml"))
        return str(caught.value)

    assert refused(lambda t: t["targets"].pop("che_10_cut")) == "protection.yaml: targets: missing key 'che_10_cut'"
    assert refused(lambda t: t["targets"].__setitem__("che_99", t["targets"]["che_10_cut"])).startswith(
        "protection.yaml: targets.che_99: expected a validation target (che_ctp40_rural, ")
    assert refused(lambda t: t["targets"]["che_10_cut"]["band"][0]["value"].pop("low")) == (
        "protection.yaml: targets.che_10_cut.band.[0]: expected both 'low' and 'high' (a published interval), or neither")
    assert refused(lambda t: t["targets"]["che_10_cut"]["band"][0].pop("source")) == (
        "protection.yaml: targets.che_10_cut.band.[0]: missing key 'source'")
    assert refused(lambda t: t["targets"]["impoverishment_rural"]["band"][0]["value"].__setitem__("sample_size", 500)) == (
        "protection.yaml: targets.impoverishment_rural.band.[0]: expected a published interval ('low', 'high') or a "
        "'sample_size', not both")


def test_validation_targets_carry_the_models_interval_over_its_parameter_draws(capsys, tmp_path) -> None:
    """`hpa validate --draws N`: each validation target gets the 2.5th-97.5th percentile of its simulated figure over
    N draws of the default uncertainty file, computed as `model_intervals` says; the published band stays the
    source's, and calibration targets get no interval."""
    from model.outcomes.validation import compared_schemes
    from model.validation import model_intervals

    checks = validate("baseline", persons=6_000, seed=5, draws=3, draw_persons=3_000)
    validation = [c for c in checks if c.role == "validation"]
    assert len(validation) == len(TARGET_IDS)
    assert all(c.draws == 3 and c.draw_persons == 3_000 and c.model_interval[0] <= c.model_interval[1] for c in validation)
    assert all(c.draws == 0 and not c.overlaps for c in checks if c.role == "calibration")
    # the interval is the draws' own, at the draws' size: the same call gives it again, and the draws differ
    compared = compared_schemes("baseline")
    again = model_intervals(compared, "baseline", (), 3, 3_000, 5)
    by_target = {target: next(c for c in validation if c.quantity.endswith(t.quantity.en))
                 for target, t in protection_targets().targets.items()}
    assert {target: c.model_interval for target, c in by_target.items()} == again
    assert any(low < high for low, high in again.values())
    # drawn parameters move the figures more than new people alone: a file that draws nothing gives a narrower spread
    # of the non-poor's inpatient OOP share than one drawing the out-of-list share over a wide range
    def spread(tmp_file: str) -> float:
        low, high = model_intervals(compared, "baseline", (), 4, 3_000, 5, uncertainty=tmp_file)["inpatient_oop_share_nonpoor"]
        return high - low

    import yaml

    files = {}
    for name, (low, high) in {"narrow": (0.999, 1.001), "wide": (0.2, 3.0)}.items():
        files[name] = tmp_path / f"{name}.yaml"
        files[name].write_text(yaml.safe_dump({"id": name, "parameters": {"out_of_list_share": {
            "path": "population.costs.out_of_list_share", "of": "factor",
            "distribution": {"uniform": {"low": low, "high": high}}, "source": "assumed: test"}}}), encoding="utf-8")
    assert spread(str(files["wide"])) > 2 * spread(str(files["narrow"]))
    # the command: a column for the interval, a verdict for each target, the count in the last line
    assert main(["validate", "--persons", "6000", "--seed", "5", "--draws", "2", "--draw-persons", "2000"]) == 0
    printed = capsys.readouterr().out
    assert "model 95% 模型区间" in printed and "over 2 draws of the parameters of scenarios/uncertainty/default.yaml" in printed
    assert sum(printed.count(word) for word in (" overlaps ", " APART ")) >= len(TARGET_IDS)
    assert "with the model's 95% interval over its parameter draws meeting the band" in printed.splitlines()[-1]
    # one draw gives no interval: refused, naming the option
    assert main(["validate", "--draws", "1"]) == 2
    assert "argument --draws: expected 0, or a number from 2 to 2,000, found '1'" in capsys.readouterr().err
