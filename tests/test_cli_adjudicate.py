"""`hpa adjudicate` as a user runs it: spec output, settlement slips, --set, reforms, python -m model."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import ROOT, SPEC_CASES
from model.cli import main


def test_writes_spec_output_and_prints_totals(tmp_path: Path, capsys) -> None:
    out = tmp_path / "payments.csv"
    assert main(["adjudicate", "maiji_district", str(SPEC_CASES / "claims.csv"), "-o", str(out)]) == 0
    assert out.read_bytes() == (SPEC_CASES / "expected_maiji_district.csv").read_bytes()
    printed = capsys.readouterr().out
    assert "259 claims settled" in printed and "医院扶贫基金 / hospital fund" in printed


def test_standard_output_when_no_file_is_named(capsys) -> None:
    assert main(["adjudicate", "baseline", str(SPEC_CASES / "claims.csv")]) == 0
    assert capsys.readouterr().out == (SPEC_CASES / "expected_baseline.csv").read_text()


def test_explain_prints_a_slip_that_adds_up(capsys) -> None:
    assert main(["adjudicate", "sui_county", str(SPEC_CASES / "claims.csv"), "--explain", "c1-95"]) == 0
    slip = capsys.readouterr().out
    assert "结算单 Settlement slip — claim c1-95" in slip
    assert "supplementary_topup" in slip and "does not apply" not in slip.split("不适用")[0]
    assert "6,160.13" in slip  # the supplementary payment of spec case c1-95 under sui_county
    assert "total 9,160.13 ✓" in slip


def test_explain_names_a_category_set(capsys) -> None:
    """Spec §1: c1-44 is extreme_poor+registered_poor; XZ's registered layers apply to it (§4.2: any of them)."""
    assert main(["adjudicate", "x_prefecture", str(SPEC_CASES / "claims.csv"), "--explain", "c1-44"]) == 0
    slip = capsys.readouterr().out
    assert "建档立卡 + 特困供养 / registered poor + extreme poor" in slip
    assert "inpatient_registered_unreferred" in slip.split("不适用")[0]
    assert "civil_affairs_assistance" in slip.split("不适用")[1]


def test_explain_unknown_claim(capsys) -> None:
    assert main(["adjudicate", "sui_county", str(SPEC_CASES / "claims.csv"), "--explain", "nope"]) == 2
    assert "--explain nope: no claim with that claim_id" in capsys.readouterr().err


def test_reform_file_and_set_give_the_same_result(tmp_path: Path) -> None:
    by_reform, by_set = tmp_path / "a.csv", tmp_path / "b.csv"
    claims = str(SPEC_CASES / "claims.csv")
    assert main(["adjudicate", str(ROOT / "scenarios/reforms/sui_ceiling_3000.yaml"), claims, "-o", str(by_reform)]) == 0
    assert main(["adjudicate", "sui_county", claims, "-o", str(by_set),
                 "--set", "layers.supplementary_ceiling_poor.ceiling.amount=3000"]) == 0
    assert by_reform.read_bytes() == by_set.read_bytes()
    assert by_reform.read_bytes() != (SPEC_CASES / "expected_sui_county.csv").read_bytes()


def test_python_dash_m_model(tmp_path: Path, capsys) -> None:
    """The command's own process (which skips walking its objects at exit) writes and prints everything, the same
    as main() in process, and never imports pandas (pyarrow imports it to convert a Python value), scipy.linalg or
    cffi (numba's probes, refused while its target loads)."""
    out = tmp_path / "p.csv"
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "model", "adjudicate", "gansu_province_2016",
                           str(SPEC_CASES / "claims.csv"), "-o", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == (SPEC_CASES / "expected_gansu_province_2016.csv").read_bytes()
    imported = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")]
    # a refused import is listed too, under the name asked for: what a real one loads is not
    assert "numba" in imported and "scipy.linalg._basic" not in imported and "cffi.api" not in imported
    assert "pandas" not in imported
    assert main(["adjudicate", "gansu_province_2016", str(SPEC_CASES / "claims.csv"), "-o", str(tmp_path / "q.csv")]) == 0
    assert done.stdout == capsys.readouterr().out.replace(str(tmp_path / "q.csv"), str(out))
    to_stdout = subprocess.run([sys.executable, "-m", "model", "adjudicate", "baseline", str(SPEC_CASES / "claims.csv")],
                               capture_output=True)
    assert to_stdout.returncode == 0 and to_stdout.stderr == b""
    assert to_stdout.stdout == (SPEC_CASES / "expected_baseline.csv").read_bytes()


def test_bad_arguments_exit_non_zero(capsys) -> None:
    assert main(["adjudicate", "sui_county"]) == 2
    assert "required: CLAIMS.csv" in capsys.readouterr().err


def test_outputs_get_the_usual_permissions(tmp_path: Path) -> None:
    import os
    import stat

    out = tmp_path / "payments.csv"
    assert main(["adjudicate", "baseline", str(SPEC_CASES / "claims.csv"), "-o", str(out)]) == 0
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~mask


def test_charity_scheme_writes_a_charity_column_before_oop(tmp_path: Path, capsys) -> None:
    """Spec §2 (issue 18): a scheme with a layer paid by charity has a `charity` column before `oop`;
    on the spec cases it differs from Maiji District only where a registered person's compliant
    cataract admission left something to pay, and the rows still add up to the total cost."""
    import csv

    cataract = [  # beside the spec cases (which have no cataract claim): covered, not registered, not compliant, outpatient
        "k1,cat1,2019-04-02,inpatient,county,cataract,8000.00,7000.00,true,registered_poor",
        "k2,cat1,2019-09-02,inpatient,prefecture,cataract,9000.00,9000.00,true,registered_poor+dibao",
        "k3,cat2,2019-04-02,inpatient,county,cataract,8000.00,7000.00,true,dibao",
        "k4,cat3,2019-04-02,inpatient,county,cataract,8000.00,7000.00,false,registered_poor",
        "k5,cat3,2019-05-02,outpatient,township,cataract,80.00,70.00,true,registered_poor",
    ]
    claims_path = tmp_path / "claims.csv"
    claims_path.write_text((SPEC_CASES / "claims.csv").read_text(encoding="utf-8").rstrip("\n") + "\n" + "\n".join(cataract) + "\n",
                           encoding="utf-8")
    out = tmp_path / "payments.csv"
    maiji_out = tmp_path / "maiji.csv"
    assert main(["adjudicate", "maiji_district", str(claims_path), "-o", str(maiji_out)]) == 0
    assert main(["adjudicate", "maiji_charity_cataract", str(claims_path), "-o", str(out)]) == 0
    assert "社会资金（慈善） / charity (social funds)" in capsys.readouterr().out
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == ["claim_id", "bmi", "cii", "ma", "backstop", "supplementary", "hospital", "charity", "oop"]
    maiji = {row["claim_id"]: row for row in csv.DictReader(maiji_out.open(encoding="utf-8"))}
    claims = {row["claim_id"]: row for row in csv.DictReader(claims_path.open(encoding="utf-8"))}
    charity_claims = 0
    for row in rows:
        claim = claims[row["claim_id"]]
        covered = (claim["disease"] == "cataract" and claim["service"] == "inpatient" and claim["compliant"] == "true"
                   and "registered_poor" in claim["category"].split("+"))
        paid = {key: round(float(value) * 100) for key, value in row.items() if key != "claim_id"}
        assert sum(paid.values()) == round(float(claim["total_cost"]) * 100)
        if covered:
            charity_claims += paid["charity"] > 0
            assert paid["oop"] == 0
            assert paid["charity"] == round(float(maiji[row["claim_id"]]["oop"]) * 100)  # it pays what was left
        else:
            assert paid["charity"] == 0
            assert {key: row[key] for key in maiji[row["claim_id"]]} == maiji[row["claim_id"]]
    assert charity_claims == 2


def test_charity_slip_lists_the_charity_payer(capsys) -> None:
    assert main(["adjudicate", "maiji_charity_cataract", str(SPEC_CASES / "claims.csv"), "--explain", "c1-1"]) == 0
    assert "社会资金（慈善） / charity (social funds)" in capsys.readouterr().out
    assert main(["adjudicate", "maiji_district", str(SPEC_CASES / "claims.csv"), "--explain", "c1-1"]) == 0
    assert "charity" not in capsys.readouterr().out


def test_a_bad_scheme_is_reported_before_a_bad_claims_file(tmp_path: Path, capsys) -> None:
    """The scheme loads beside the claims read; when both are wrong the scheme's error is the one message."""
    bad_claims = tmp_path / "claims.csv"
    bad_claims.write_text((SPEC_CASES / "claims.csv").read_text().replace("2019-", "2019-13-", 1), encoding="utf-8")
    for claims in (bad_claims, tmp_path / "nowhere.csv"):
        assert main(["adjudicate", "no_such_scheme", str(claims), "-o", str(tmp_path / "p.csv")]) == 2
        assert capsys.readouterr().err.startswith("hpa: error: scenario 'no_such_scheme': not a file and not an id")
        assert main(["adjudicate", "sui_county", str(claims), "-o", str(tmp_path / "p.csv"),
                     "--set", "layers.no_such_layer.x=1"]) == 2
        assert "no such path: layers has no entry 'no_such_layer'" in capsys.readouterr().err
    assert main(["adjudicate", "sui_county", str(bad_claims)]) == 2
    assert "column date" in capsys.readouterr().err
    assert not (tmp_path / "p.csv").exists()
