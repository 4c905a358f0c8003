"""Fuzzing the inputs (issue 11): random mutations of valid claims files, household tables and scheme
files, each run through the command line's entry point (`model.cli.main`, in process).

The property: either a correct result (exit 0 and output that adds up) or exit 2 with one message
naming the file and where, and nothing written; never a traceback (any exception escaping `main`
fails the test), never a hang (an alarm fails an example that runs past FUZZ_SECONDS).

`make test` runs a few dozen examples of each (about half a minute in all); `make fuzz` runs the
`fuzz` profile: many more, freshly drawn each time.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import signal
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, SPEC_CASES, TESTS
from model.cli import main
from model.codes import OUTPUT_COLUMNS, SPEC_COLUMNS

FUZZING = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"
FUZZ_SETTINGS = settings(max_examples=3000 if FUZZING else 40, deadline=None,
                         suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                                HealthCheck.data_too_large])
FUZZ_SECONDS = 60  # an example running longer than this is a hang

CLAIMS_FILES = [SPEC_CASES / "claims.csv", TESTS / "data" / "sample_claims.csv"]
HOUSEHOLDS = (
    "household_id,category,exited_poverty,household_size,household_income,household_consumption,township,village\n"
    "H1,registered_poor,true,3,9600.00,9100,Anle,Dongcun\n"
    'H2,dibao,false,2,6000.5,6100,"Anle",Xicun\n'
    "H3,extreme_poor,false,1,4300,4200,Baishui,Nancun\n"
    "H4,ordinary,false,4,52000,43000,Baishui,Dongcun\n"
).encode()
SCHEME_FILES = sorted((ROOT / "scenarios").glob("*.yaml")) + sorted((ROOT / "scenarios" / "reforms").glob("*.yaml"))

# Bytes that break files in the ways users and attackers do: CSV and YAML syntax, line ends, bytes
# that are not UTF-8, control characters, numbers out of range, words near the vocabulary.
TOKENS = [
    b'"', b",", b"\n", b"\r", b"\r\n", b"\x00", b"\t", b"\xff", b"\xc3", b"\xef\xbb\xbf", b'""', b" ", b"-", b".",
    b"9" * 12, b"100000000.00", b"100000000.01", b"83333333.34", b"9999999999.99", b"1e3", b"2019-02-29", b"0000-01-01",
    b"inpatient", b"village", b"chronic_outpatient", b"true", b"TRUE", b"ordinary", b"registered_poor+dibao",
    b"1.0e+999999", b"1.0e-99999999", b"9" * 400, b"&a ", b"*a", b"<<: *a", b"[", b"]", b"{", b"}", b": ", b"- ",
    b"    ", b"#", b"!!python/object/apply:os.system ['true']", b"~", b"null", b"0x1F", b"1:30.5", b".inf",
    b"include: sui_county", b"base: sui_county", b"x" * 300,
]


@st.composite
def mutated(draw, original: bytes) -> bytes:
    """The original with one to four changes: a token inserted or written over, bytes or lines deleted,
    a line repeated or moved, the end cut off."""
    data = original
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["insert", "overwrite", "delete", "repeat_line", "delete_line", "move_line", "cut"]))
        at = draw(st.integers(0, len(data)))
        token = draw(st.one_of(st.sampled_from(TOKENS), st.binary(min_size=1, max_size=6)))
        if kind == "insert":
            data = data[:at] + token + data[at:]
        elif kind == "overwrite":
            data = data[:at] + token + data[at + len(token):]
        elif kind == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 40)):]
        elif kind == "cut":
            data = data[:at]
        else:
            lines = data.split(b"\n")
            line = draw(st.integers(0, len(lines) - 1))
            if kind == "repeat_line":
                lines.insert(line, lines[line])
            elif kind == "delete_line":
                del lines[line]
            else:
                lines.insert(draw(st.integers(0, len(lines) - 1)), lines.pop(line))
            data = b"\n".join(lines)
    return data


class _Hang(Exception):
    pass


def _alarm(signum, frame):
    raise _Hang(f"an example ran past {FUZZ_SECONDS} s")


def run_cli(*args: str) -> tuple[int, str, str]:
    """main(args) with its output captured, and an alarm against hangs."""
    out, err = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(FUZZ_SECONDS)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return code, out.getvalue(), err.getvalue()


def one_message(code: int, stderr: str, path: Path, output: Path) -> None:
    """Exit 2, one message that names the file and where in it, nothing written."""
    assert code == 2, (code, stderr[:2000])
    assert stderr.startswith("hpa: error: "), stderr[:2000]
    assert str(path) in stderr.splitlines()[0] or stderr.startswith(f"hpa: error: {path}"), stderr[:2000]
    assert not output.exists()
    assert len(stderr) < 200_000  # every shown value shortened


def where_named(stderr: str, path: Path) -> bool:
    """The message says where: a line, a field path after the file name, or that the fault is the
    whole file's ('FILE: expected a mapping at the top level ...')."""
    first = stderr.splitlines()[0]
    return bool(re.search(r"line \d+", stderr)) or bool(
        re.search(re.escape(str(path)) + r": (.+?: |expected |missing |refers back )", first))


def _money(text: str) -> int:
    return int(Decimal(text) * 100)


def payments_add_up(claims_bytes: bytes, payments: Path) -> None:
    """Every claim of the (valid) input has a row, in order, whose payers and OOP sum to its total."""
    text = claims_bytes.decode("utf-8-sig")
    rows = [row for row in csv.DictReader(io.StringIO(text, newline="")) if any(row.values())]
    with payments.open(newline="", encoding="utf-8") as file:
        paid = list(csv.reader(file))
    assert paid[0] in (["claim_id", *SPEC_COLUMNS], ["claim_id", *OUTPUT_COLUMNS])  # charity: a reform with a charity layer
    assert len(paid) - 1 == len(rows)
    for row, out in zip(rows, paid[1:]):
        assert out[0] == row["claim_id"]
        assert all(re.fullmatch(r"\d+\.\d\d", value) for value in out[1:]), out
        assert sum(_money(value) for value in out[1:]) == _money(row["total_cost"])


@FUZZ_SETTINGS
@given(original=st.sampled_from(CLAIMS_FILES).map(Path.read_bytes).flatmap(mutated), scheme=st.sampled_from(["sui_county", "baseline"]))
def test_mutated_claims_files(tmp_path_factory, original: bytes, scheme: str) -> None:
    folder = tmp_path_factory.mktemp("claims")
    path, output = folder / "claims.csv", folder / "payments.csv"
    path.write_bytes(original)
    code, _, stderr = run_cli("adjudicate", scheme, str(path), "-o", str(output))
    if code == 0:
        payments_add_up(original, output)
    else:
        one_message(code, stderr, path, output)
        assert where_named(stderr, path), stderr[:2000]
    assert {p.name for p in folder.iterdir()} <= {"claims.csv", "payments.csv"}


@FUZZ_SETTINGS
@given(original=mutated(HOUSEHOLDS))
def test_mutated_household_tables(tmp_path_factory, original: bytes) -> None:
    folder = tmp_path_factory.mktemp("households")
    path, output = folder / "households.csv", folder / "persons.csv"
    path.write_bytes(original)
    code, _, stderr = run_cli("population", "poor_households", "--households", str(path), "-o", str(output))
    if code == 0:
        with output.open(newline="", encoding="utf-8") as file:
            persons = list(csv.DictReader(file))
        assert persons and all(row["person_id"] and row["household_id"] for row in persons)
    else:
        one_message(code, stderr, path, output)
        assert where_named(stderr, path), stderr[:2000]
    assert {p.name for p in folder.iterdir()} <= {"households.csv", "persons.csv"}


SPEC_CLAIMS = (SPEC_CASES / "claims.csv").read_bytes()


@FUZZ_SETTINGS
@given(original=st.sampled_from(SCHEME_FILES).map(Path.read_bytes).flatmap(mutated))
def test_mutated_scheme_files(tmp_path_factory, original: bytes) -> None:
    folder = tmp_path_factory.mktemp("scheme")
    path, output = folder / "scheme.yaml", folder / "payments.csv"
    path.write_bytes(original)
    code, _, stderr = run_cli("adjudicate", str(path), str(SPEC_CASES / "claims.csv"), "-o", str(output))
    if code == 0:
        payments_add_up(SPEC_CLAIMS, output)
    else:
        one_message(code, stderr, path, output)
        assert where_named(stderr, path), stderr[:2000]
    assert {p.name for p in folder.iterdir()} <= {"scheme.yaml", "payments.csv"}


PRESET_FILES = sorted((ROOT / "scenarios" / "populations").glob("*.yaml"))


@settings(FUZZ_SETTINGS, max_examples=1000 if FUZZING else 20)
@given(original=st.sampled_from(PRESET_FILES).map(Path.read_bytes).flatmap(mutated))
def test_mutated_population_presets(tmp_path_factory, original: bytes) -> None:
    folder = tmp_path_factory.mktemp("preset")
    path, output = folder / "preset.yaml", folder / "persons.csv"
    path.write_bytes(original)
    code, _, stderr = run_cli("population", "baseline", "--population", str(path), "--persons", "300", "-o", str(output))
    if code == 0:
        with output.open(newline="", encoding="utf-8") as file:
            assert next(csv.reader(file))[0] == "person_id"
    else:
        one_message(code, stderr, path, output)
        assert where_named(stderr, path), stderr[:2000]
    assert {p.name for p in folder.iterdir()} <= {"preset.yaml", "persons.csv"}
