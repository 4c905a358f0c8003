"""Issue 11, input side: every repro of a bad input, run through the `hpa` command line as a user would.

Each case ran into a traceback, a hang, a crash or a wrong result before; now each ends in one
message naming the file and where (exit 2, nothing written), or settles exactly. Black-box: the
claims reader and scenario validation will be rewritten, and these must still hold.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, SEED_SCHEMES
from model.cli import main
from model.codes import CATEGORIES, CHRONIC_CODES, DISEASES, LEVELS, SPEC_COLUMNS, SERVICES
from model.rules.reference import Claim
from model.rules.reference import settle as reference_settle
from model.scenario import load_scenario

HEADER = "claim_id,person_id,date,service,level,disease,total_cost,eligible_cost,compliant,category"
HOUSEHOLD_HEADER = "household_id,category,exited_poverty,household_size,household_income,household_consumption,township,village"
GOOD_HOUSEHOLD = "H1,registered_poor,true,3,9600.00,9100,Anle,Dongcun"


def hpa(cwd: Path, *args: str, timeout: float = 120, env: dict | None = None) -> subprocess.CompletedProcess:
    """The command line in a fresh process (a crash of the interpreter must not take the tests with it)."""
    return subprocess.run([sys.executable, "-m", "model", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def claim(claim_id: str, amount: str = "100.00", date: str = "2019-03-01", person: str = "p1") -> str:
    return f"{claim_id},{person},{date},inpatient,county,,{amount},{amount},true,registered_poor"


def refused(result: subprocess.CompletedProcess, *expected: str) -> str:
    """Exit 2, no traceback, one message (its first line names the fault) holding each expected text."""
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert result.returncode == 2, (result.returncode, result.stderr[-3000:])
    assert result.stderr.startswith("hpa: error: "), result.stderr[:500]
    assert result.stdout.count("\n") <= 3  # argparse may print usage; no payments
    for text in expected:
        assert text in result.stderr, (text, result.stderr[:3000])
    return result.stderr


def written(folder: Path, inputs: set[str]) -> set[str]:
    return {p.name for p in folder.iterdir()} - inputs


# -- item 3: money bounded so that rate × amount cannot overflow ------------------------------------

def test_claims_beyond_the_bound_are_refused_not_settled_wrong(tmp_path: Path) -> None:
    # 12 claims of 9,999,999,999.99 for one person settled to CII 0.00 (int64 overflow in the kernel)
    rows = [claim(f"c{i}", "9999999999.99", f"2019-03-{i + 10}") for i in range(1, 13)]
    (tmp_path / "claims.csv").write_text(HEADER + "\n" + "\n".join(rows) + "\n")
    message = refused(hpa(tmp_path, "adjudicate", "sui_county", "claims.csv", "-o", "payments.csv"),
                      "claims.csv: 12 bad rows", "line 2 (claim_id c1), column total_cost:", "at most 100,000,000")
    assert "line 13 (claim_id c12), column eligible_cost:" in message
    assert written(tmp_path, {"claims.csv"}) == set()


def test_a_person_year_beyond_the_bound_is_refused_at_the_claim_that_passes_it(tmp_path: Path) -> None:
    rows = [claim(f"c{i}", "83333333.34", f"2019-03-{i + 10}") for i in range(1, 13)]
    rows.append(claim("other-year", "83333333.34", "2020-01-01"))
    (tmp_path / "claims.csv").write_text(HEADER + "\n" + "\n".join(rows) + "\n")
    refused(hpa(tmp_path, "adjudicate", "sui_county", "claims.csv", "-o", "payments.csv"),
            "claims.csv: 1 bad row", "line 13 (claim_id c12), column total_cost: expected one person's claims in one year "
            "to total at most 1,000,000,000.00 yuan, found 1,000,000,000.08")
    assert written(tmp_path, {"claims.csv"}) == set()


# -- item 8: faults of the inputs, each one message -------------------------------------------------

def _deep_yaml(depth: int) -> str:
    return "id: deep\nname: " + "[" * depth + "]" * depth + "\n"


def _alias_bomb() -> str:
    lines = ["id: bomb", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
        previous = name
    return "\n".join(lines + ["name: *i", "layers: []"]) + "\n"


def _scheme(scheme_id: str, layers: list) -> str:
    return yaml.safe_dump({"id": scheme_id, "name": {"zh": scheme_id, "en": scheme_id}, "layers": layers})


def _ceiling_layer(number: int) -> dict:
    return {"id": f"l{number}", "name": {"zh": "a", "en": "a"}, "payer": "cii", "source": "assumed: test",
            "ceiling": {"amount": {"value": 1, "source": "assumed: test"}}}


SCHEME_FAULTS = {
    # name: (file text, expected texts)
    "huge float": ("id: x\nname: {zh: a, en: b}\nlayers: []\npayer_caps:\n  cii: {value: 1.0e+999999, source: x}\n",
                   ("x.yaml: line 5, column 16: expected a number", "found '1.0e+999999'")),
    "tiny float read as 0": ("id: x\nname: {zh: a, en: b}\nlayers: []\npayer_caps:\n  cii: {value: 1.0e-99999999, source: x}\n",
                             ("x.yaml: line 5", "between 1e-20 and 1e21", "found '1.0e-99999999'")),
    "5,000-digit integer": ("id: x\nname: {zh: a, en: b}\nlayers: []\npayer_caps:\n  cii: {value: " + "9" * 5000 + ", source: x}\n",
                            ("x.yaml: line 5, column 16: expected a number of at most 20 digits",)),
    "nested 3,000 deep": (_deep_yaml(3000), ("x.yaml: line 2", "nested at most 64 deep")),
    "nested 100,000 deep": (_deep_yaml(100_000), ("x.yaml: line 2", "nested at most 64 deep")),
    "alias bomb": (_alias_bomb(), ("x.yaml: line", "at most 200,000 values (aliases expanded)")),
    "20,000 layers": (_scheme("x", [_ceiling_layer(i) for i in range(20_000)]), ("x.yaml: line", "at most 200,000 values")),
    "300 layers": (_scheme("x", [_ceiling_layer(i) for i in range(300)]), ("x.yaml: layers: expected at most 200 layers",)),
    "a structure containing itself": ("id: x\nname: &n {zh: a, en: *n}\nlayers: []\n", ("x.yaml: line 2", "contains itself")),
}


@pytest.mark.parametrize("case", list(SCHEME_FAULTS))
def test_scheme_file_faults_are_one_message(case: str, tmp_path: Path) -> None:
    text, expected = SCHEME_FAULTS[case]
    (tmp_path / "x.yaml").write_text(text)
    (tmp_path / "claims.csv").write_text(HEADER + "\n" + claim("c1") + "\n")
    refused(hpa(tmp_path, "adjudicate", "x.yaml", "claims.csv", "-o", "payments.csv", timeout=60), *expected)
    assert written(tmp_path, {"x.yaml", "claims.csv"}) == set()


SET_FAULTS = {
    "huge float": ("payer_caps.cii=1.0e+999999", "found '1.0e+999999'"),
    "5,000-digit integer": ("layers.cii.tiered.deductible=" + "9" * 5000, "expected a number of at most 20 digits"),
    "tiny float": ("layers.cii.tiered.deductible=1.0e-99999999", "found '1.0e-99999999'"),
}


@pytest.mark.parametrize("case", list(SET_FAULTS))
def test_set_values_out_of_range_are_one_message(case: str, tmp_path: Path) -> None:
    option, expected = SET_FAULTS[case]
    (tmp_path / "claims.csv").write_text(HEADER + "\n" + claim("c1") + "\n")
    refused(hpa(tmp_path, "adjudicate", "sui_county", "claims.csv", "--set", option, "-o", "payments.csv"), "--set ", expected)
    assert written(tmp_path, {"claims.csv"}) == set()


def test_include_and_copy_cycles_are_named(tmp_path: Path) -> None:
    library = tmp_path / "library"
    for folder in ("", "care", "outcomes", "populations"):
        (library / folder).mkdir(parents=True, exist_ok=True)
        for file in (ROOT / "scenarios" / folder).glob("*.yaml"):
            (library / folder / file.name).write_bytes(file.read_bytes())
    source = "assumed: test"
    (library / "inc_a.yaml").write_text(_scheme("inc_a", [{"include": "inc_b", "source": source}]))
    (library / "inc_b.yaml").write_text(_scheme("inc_b", [{"include": "inc_a", "source": source}]))
    (library / "copy_a.yaml").write_text(_scheme("copy_a", [{"copy": {"layer": "copy_b.x", "source": source}, "id": "x"}]))
    (library / "copy_b.yaml").write_text(_scheme("copy_b", [{"copy": {"layer": "copy_a.x", "source": source}, "id": "x"}]))
    (tmp_path / "claims.csv").write_text(HEADER + "\n" + claim("c1") + "\n")
    env = {"HPA_SCENARIOS": str(library)}
    refused(hpa(tmp_path, "adjudicate", "inc_a", "claims.csv", env=env), "refers back to itself (inc_a.yaml → inc_b.yaml → inc_a.yaml)")
    refused(hpa(tmp_path, "adjudicate", "copy_a", "claims.csv", env=env), "refers back to itself (copy_a.yaml → copy_b.yaml → copy_a.yaml)")


DEVICE_INPUTS = {
    "claims file": (["adjudicate", "sui_county", "/dev/zero", "-o", "payments.csv"], "/dev/zero: expected a claims file, found a device"),
    "household table": (["population", "poor_households", "--households", "/dev/zero", "-o", "persons.csv"],
                        "/dev/zero: expected a household file, found a device"),
    "scheme file": (["adjudicate", "/dev/zero", "claims.csv", "-o", "payments.csv"], "/dev/zero: expected a scenario file, found a device"),
    "household folder": (["population", "poor_households", "--households", ".", "-o", "persons.csv"],
                         ".: expected a household file, found a folder"),
}


@pytest.mark.parametrize("case", list(DEVICE_INPUTS))
def test_devices_and_folders_as_inputs_are_one_message(case: str, tmp_path: Path) -> None:
    args, expected = DEVICE_INPUTS[case]
    (tmp_path / "claims.csv").write_text(HEADER + "\n" + claim("c1") + "\n")
    refused(hpa(tmp_path, *args, timeout=60), expected)
    assert written(tmp_path, {"claims.csv"}) == set()


HOUSEHOLD_FAULTS = {
    "header only": (HOUSEHOLD_HEADER + "\n", ("households.csv: expected at least one household after the header",)),
    "field missing, after blank lines": (
        f"{HOUSEHOLD_HEADER}\n{GOOD_HOUSEHOLD}\n\n\nH2,dibao,false,2,6000.5,6100,Anle\n",
        ("households.csv: line 5 (household_id H2): expected 8 comma-separated columns, found 7",)),
    "field extra": (f"{HOUSEHOLD_HEADER}\n{GOOD_HOUSEHOLD}\nH2,dibao,false,2,6000.5,6100,Anle,Xicun,more\n",
                    ("households.csv: line 3 (household_id H2): expected 8 comma-separated columns, found 9",)),
    "undecodable bytes": (f"{HOUSEHOLD_HEADER}\n{GOOD_HOUSEHOLD}\nH\udcff2,dibao,false,2,6000.5,6100,Anle,Xicun\n",
                          ("households.csv: line 3: expected UTF-8 text",)),
    "line after blank lines and a quoted line break": (
        f'{HOUSEHOLD_HEADER}\n{GOOD_HOUSEHOLD}\n\n"H\n2",dibao,false,2,6000.5,6100,Anle,Xicun\n\nH3,poorish,false,1,4300,4200,B,N\n',
        ("households.csv: 2 bad rows", "line 4 (household_id 'H\\n2'), column household_id: expected an id, unique in the file, "
         "without control characters", "line 7 (household_id H3), column category")),
}


@pytest.mark.parametrize("case", list(HOUSEHOLD_FAULTS))
def test_household_table_faults_are_named_by_line(case: str, tmp_path: Path) -> None:
    text, expected = HOUSEHOLD_FAULTS[case]
    (tmp_path / "households.csv").write_bytes(text.encode("utf-8", errors="surrogateescape"))
    refused(hpa(tmp_path, "population", "poor_households", "--households", "households.csv", "-o", "persons.csv"), *expected)
    assert written(tmp_path, {"households.csv"}) == set()


# -- item 9: claim ids and long fields ----------------------------------------------------------------

CLAIM_ID_FAULTS = {
    "field over 131,072 characters": (
        HEADER + "\n" + claim("c1").replace("registered_poor", "x" * 140_000) + "\n",
        ("claims.csv: 1 bad row", "line 2 (claim_id c1), column category: expected ordinary", "found 'xxxx")),
    "quoted line break in claim_id": (
        HEADER + '\n"c\n1",p1,2019-03-01,inpatient,county,,100.00,80.00,true,registered_poor\n' + claim("c2") + "\n",
        ("claims.csv: 1 bad row", "line 2, column claim_id: expected a claim id without control characters", "found 'c\\n1'")),
    "bare carriage return in claim_id": (
        HEADER + "\n" + claim("c\r1") + "\n" + claim("c2") + "\n",
        ("claims.csv: 1 bad row", "line 2 (claim_id 'c\\r1'), column claim_id: expected a claim id without control characters")),
    "NUL in claim_id": (
        HEADER + "\n" + claim("c\x001") + "\n",
        ("claims.csv: 1 bad row", "column claim_id: expected a claim id without control characters", "found 'c\\x001'")),
    "tab in person_id": (
        HEADER + "\n" + claim("c1", person="p\t1") + "\n",
        ("claims.csv: 1 bad row", "column person_id: expected a person id without control characters")),
}


@pytest.mark.parametrize("case", list(CLAIM_ID_FAULTS))
def test_claim_id_faults_are_one_message(case: str, tmp_path: Path) -> None:
    text, expected = CLAIM_ID_FAULTS[case]
    (tmp_path / "claims.csv").write_bytes(text.encode())
    message = refused(hpa(tmp_path, "adjudicate", "sui_county", "claims.csv", "-o", "payments.csv"), *expected)
    assert len(message) < 5000  # the long field is shown shortened
    assert written(tmp_path, {"claims.csv"}) == set()


# -- item 3: amounts up to the bound settle exactly as the plain reference settler does ---------------

MAX_CLAIM_FEN = 100_000_000_00
near_the_bound = st.one_of(st.just(MAX_CLAIM_FEN), st.integers(MAX_CLAIM_FEN - 10**6, MAX_CLAIM_FEN),
                           st.integers(0, MAX_CLAIM_FEN), st.integers(0, 10**6))


@st.composite
def claims_up_to_the_bound(draw) -> list[Claim]:
    """At most 10 claims (so no person-year passes 1,000,000,000 yuan), amounts drawn up to the bound."""
    claims = []
    for number in range(draw(st.integers(1, 10))):
        service = draw(st.sampled_from(SERVICES))
        level = draw(st.sampled_from(LEVELS[1:] if service == "inpatient" else LEVELS))
        disease = draw(st.sampled_from(CHRONIC_CODES)) if service == "chronic_outpatient" else draw(st.sampled_from(DISEASES))
        total = draw(near_the_bound)
        eligible = total if draw(st.booleans()) else draw(st.integers(0, total))
        claims.append(Claim(
            claim_id=f"c{number}", person_id=draw(st.sampled_from(["p1", "p2"])),
            date=f"{draw(st.sampled_from([2019, 2020]))}-0{draw(st.integers(1, 9))}-1{draw(st.integers(0, 9))}",
            service=service, level=level, disease=disease, total=total, eligible=eligible,
            compliant=draw(st.booleans()), category=draw(st.sampled_from(CATEGORIES)),
        ))
    return claims


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scheme=st.sampled_from(SEED_SCHEMES), claims=claims_up_to_the_bound())
def test_amounts_up_to_the_bound_settle_as_the_reference_does(tmp_path_factory, capsys, scheme: str, claims: list[Claim]) -> None:
    folder = tmp_path_factory.mktemp("bound")
    rows = [f"{c.claim_id},{c.person_id},{c.date},{c.service},{c.level},{c.disease},{_yuan(c.total)},{_yuan(c.eligible)},"
            f"{'true' if c.compliant else 'false'},{c.category}" for c in claims]
    (folder / "claims.csv").write_text(HEADER + "\n" + "\n".join(rows) + "\n")
    assert main(["adjudicate", scheme, str(folder / "claims.csv"), "-o", str(folder / "payments.csv")]) == 0, capsys.readouterr().err
    paid = [line.split(",") for line in (folder / "payments.csv").read_text().splitlines()[1:]]
    expected = reference_settle(load_scenario(scheme).scheme, claims).payments
    assert [[int(v.replace(".", "")) for v in row[1:]] for row in paid] == [[p[c] for c in SPEC_COLUMNS] for p in expected]


def test_twelve_claims_just_under_the_person_year_bound_settle_exactly(tmp_path: Path) -> None:
    # the repro's shape at the bound: 12 claims of 83,333,333.33 (999,999,999.96 a year) for one person
    rows = [claim(f"c{i}", "83333333.33", f"2019-03-{i + 10}") for i in range(1, 13)]
    (tmp_path / "claims.csv").write_text(HEADER + "\n" + "\n".join(rows) + "\n")
    result = hpa(tmp_path, "adjudicate", "sui_county", "claims.csv", "-o", "payments.csv")
    assert result.returncode == 0, result.stderr
    claims = [Claim(f"c{i}", "p1", f"2019-03-{i + 10}", "inpatient", "county", "", 8_333_333_333, 8_333_333_333, True,
                    "registered_poor") for i in range(1, 13)]
    expected = reference_settle(load_scenario("sui_county").scheme, claims).payments
    paid = [line.split(",") for line in (tmp_path / "payments.csv").read_text().splitlines()[1:]]
    assert [[int(v.replace(".", "")) for v in row[1:]] for row in paid] == [[p[c] for c in SPEC_COLUMNS] for p in expected]
    assert sum(int(row[2].replace(".", "")) for row in paid) > 700_000_000_00  # the CII pays most of it, not 0.00
