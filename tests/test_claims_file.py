"""Claims files (spec §1): every bad row named by line, claim_id and column; nothing written; non-zero exit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from model.cli import main
from model.errors import InputError
from model.rules.claims_csv import COLUMNS, read_claims
from model.rules.payments_csv import payments_csv
from model.rules.engine import settle
from model.scenario import load_scenario

HEADER = ",".join(COLUMNS)
GOOD = "c1,p1,2019-03-01,inpatient,county,,100.00,80.00,true,registered_poor"


def _row(**changes: str) -> str:
    values = dict(zip(COLUMNS, GOOD.split(",")))
    values.update(changes)
    return ",".join(values[c] for c in COLUMNS)


BAD_ROWS = {
    "empty claim_id": (_row(claim_id=""), "claim_id", "a claim id"),
    "empty person_id": (_row(person_id=""), "person_id", "a person id"),
    "impossible date": (_row(date="2019-02-30"), "date", "a date YYYY-MM-DD that exists"),
    "date format": (_row(date="2019/03/01"), "date", "a date YYYY-MM-DD"),
    "unknown service": (_row(service="dental"), "service", "outpatient, chronic_outpatient or inpatient"),
    "unknown level": (_row(level="clinic"), "level", "village, township"),
    "unknown disease": (_row(disease="flu"), "disease", "a disease code of spec §5"),
    "unknown category": (_row(category="rich"), "category", "ordinary, or one or more of registered_poor"),
    # spec §1: a category set's own faults
    "ordinary combined": (_row(category="ordinary+dibao"), "category", "'ordinary' combined with another category"),
    "category repeated": (_row(category="dibao+dibao"), "category", "'dibao' more than once"),
    "empty category part": (_row(category="dibao+"), "category", "an empty part"),
    "unknown category part": (_row(category="dibao+rich"), "category", "an unknown category 'rich'"),
    "uppercase boolean": (_row(compliant="TRUE"), "compliant", "true or false (lowercase)"),
    "exponent": (_row(total_cost="1e3"), "total_cost", "yuan as digits"),
    "negative": (_row(total_cost="-5"), "total_cost", "yuan as digits"),
    "leading space": (_row(total_cost=" 5"), "total_cost", "yuan as digits"),
    "trailing point": (_row(total_cost="5."), "total_cost", "yuan as digits"),
    "leading point": (_row(eligible_cost=".5"), "eligible_cost", "yuan as digits"),
    "three decimals": (_row(total_cost="5.001"), "total_cost", "yuan as digits"),
    "eligible above total": (_row(total_cost="50.00", eligible_cost="80.00"), "eligible_cost", "at most total_cost"),
    "chronic without chronic code": (_row(service="chronic_outpatient", disease=""), "disease", "a chronic code"),
    "chronic with a non-chronic code": (_row(service="chronic_outpatient", disease="cataract"), "disease", "a chronic code"),
    "admission at a village clinic": (_row(level="village"), "level", "village clinics do not admit"),
}


@pytest.mark.parametrize("case", list(BAD_ROWS), ids=list(BAD_ROWS))
def test_bad_row_is_named_by_line_and_column(case: str, claims_file) -> None:
    row, column, expected = BAD_ROWS[case]
    path = claims_file(f"{HEADER}\n{GOOD.replace('c1', 'c0')}\n{row}\n")
    with pytest.raises(InputError) as caught:
        read_claims(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: 1 bad row; nothing was written")
    assert "line 3" in message and f"column {column}: expected" in message, message
    assert expected in message, message


def test_money_forms_that_are_allowed(claims_file) -> None:
    rows = [_row(claim_id=f"c{i}", total_cost=v, eligible_cost="0") for i, v in enumerate(["5", "5.0", "5.00", "0", "1234567.89"])]
    parsed = read_claims(claims_file(HEADER + "\n" + "\n".join(rows)))
    assert parsed.claims.total.tolist() == [500, 500, 500, 0, 123456789]


def test_duplicate_claim_id_names_the_later_line(claims_file) -> None:
    path = claims_file(f"{HEADER}\n{GOOD}\n{_row(person_id='p2')}\n")
    with pytest.raises(InputError, match=r"line 3 \(claim_id c1\), column claim_id: expected a claim id not used on an earlier line"):
        read_claims(path)


def test_all_bad_rows_are_listed(claims_file) -> None:
    rows = [_row(claim_id=f"c{i}", level="moon") for i in range(30)]
    path = claims_file(HEADER + "\n" + "\n".join(rows))
    message = str(pytest.raises(InputError, read_claims, path).value)
    assert message.startswith(f"{path}: 30 bad rows")
    assert all(f"line {i + 2} (claim_id c{i})" in message for i in range(30))


def test_missing_column(claims_file) -> None:
    path = claims_file("claim_id,person_id,date\nc1,p1,2019-01-01\n")
    message = str(pytest.raises(InputError, read_claims, path).value)
    lines = message.splitlines()
    assert [line.split("missing column ")[1].split(" ")[0] for line in lines] == list(COLUMNS[3:])
    assert all(line.startswith(f"{path}: line 1 (header): missing column") for line in lines)


def test_wrong_number_of_fields(claims_file) -> None:
    path = claims_file(f"{HEADER}\n{GOOD}\nc2,p1,2019-03-01\n")
    with pytest.raises(InputError, match=r"line 3 \(claim_id c2\): expected 10 comma-separated columns, found 3"):
        read_claims(path)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "\n" + GOOD + "\n").encode() + b"c2,p\xe9,2019-03-01,inpatient,county,,1,1,true,ordinary\n")
    with pytest.raises(InputError, match=r"line 3 \(claim_id c2\), column person_id: expected UTF-8 text"):
        read_claims(path)


def test_extra_columns_quotes_and_trailing_blank_line_are_fine(claims_file) -> None:
    path = claims_file(f"{HEADER},episode_id\n\"c,1\",p1,2019-03-01,inpatient,county,,100.00,80.00,true,dibao,e7\n\n")
    parsed = read_claims(path)
    assert parsed.claim_id(0) == "c,1"
    assert parsed.find("c,1") == 0
    assert payments_csv(parsed, settle(load_scenario("baseline").scheme, parsed.claims)).splitlines()[1].startswith(b'"c,1",')


def test_blank_lines_are_ignored_and_lines_keep_their_numbers(claims_file, tmp_path) -> None:
    """Spec §1 (v2): a line with nothing, or only spaces and tabs, is blank and ignored; messages
    still count lines as in the file."""
    path = tmp_path / "crlf.csv"
    path.write_bytes((HEADER + "\r\n" + GOOD + "\r\n" + _row(claim_id="c2") + "\r\n").encode())
    assert read_claims(path).claims.total.tolist() == [10000, 10000]
    parsed = read_claims(claims_file(f"\n{HEADER}\n{GOOD}\n\n \t\n\r\n{_row(claim_id='c2')}\n  \n"))
    assert parsed.claims.total.tolist() == [10000, 10000] and parsed.claim_id(1) == "c2"
    with pytest.raises(InputError, match=r"line 6 \(claim_id c2\), column level: expected"):
        read_claims(claims_file(f"{HEADER}\n{GOOD}\n\n \t\n\n{_row(claim_id='c2', level='moon')}\n"))
    with pytest.raises(InputError, match=r"found no line that is not blank"):
        read_claims(claims_file(" \n\t\n\n"))


def test_category_sets_in_any_order(claims_file) -> None:
    """Spec §1: registered_poor+dibao and dibao+registered_poor are the same set."""
    from model.codes import CATEGORY_SET_NAMES

    rows = [_row(claim_id=f"c{i}", category=c) for i, c in enumerate(
        ["registered_poor+dibao", "dibao+registered_poor", "extreme_poor+dibao+registered_poor", "extreme_poor+registered_poor", "ordinary"])]
    codes = read_claims(claims_file(HEADER + "\n" + "\n".join(rows))).claims.category.tolist()
    assert [CATEGORY_SET_NAMES[c] for c in codes] == [
        "registered_poor+dibao", "registered_poor+dibao", "registered_poor+dibao+extreme_poor", "registered_poor+extreme_poor", "ordinary"]


def test_columns_in_any_order(claims_file) -> None:
    order = list(reversed(COLUMNS)) + ["note"]
    values = dict(zip(COLUMNS, GOOD.split(",")), note="x")
    parsed = read_claims(claims_file(",".join(order) + "\n" + ",".join(values[c] for c in order)))
    assert parsed.claims.total.tolist() == [10000] and parsed.claims.eligible.tolist() == [8000]


def test_stray_quote(claims_file) -> None:
    with pytest.raises(InputError, match=r"line 2 \(claim_id c\"1\): expected fields quoted as CSV does"):
        read_claims(claims_file(f'{HEADER}\n{_row(claim_id="c" + chr(34) + "1")}\n'))


def test_header_only_is_an_empty_claims_file(claims_file) -> None:
    assert len(read_claims(claims_file(HEADER)).claims) == 0


def test_missing_file() -> None:
    with pytest.raises(InputError, match="nowhere.csv: no such claims file"):
        read_claims(Path("nowhere.csv"))


def test_cli_rejects_bad_file_writes_nothing_exits_nonzero(claims_file, tmp_path: Path, capsys) -> None:
    path = claims_file(f"{HEADER}\n{_row(total_cost='1e3')}\n")
    out = tmp_path / "payments.csv"
    assert main(["adjudicate", "sui_county", str(path), "-o", str(out)]) == 2
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [path]  # no partial files either
    error = capsys.readouterr().err
    assert "line 2 (claim_id c1), column total_cost" in error


def test_large_file_scanned_in_parts_keeps_line_numbers(tmp_path: Path) -> None:
    from model.rules import claims_csv

    rows = [_row(claim_id=f"c{i}", person_id=f"p{i % 977}") for i in range(120_000)]
    rows[-3] = _row(claim_id="c-bad", level="moon")
    path = tmp_path / "big.csv"
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert path.stat().st_size > claims_csv.PARALLEL_BYTES
    message = str(pytest.raises(InputError, read_claims, path).value)
    assert f"line {len(rows) - 3 + 2} (claim_id c-bad), column level" in message
    rows[-3] = _row(claim_id="c-good")
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    parsed = read_claims(path)
    assert len(parsed) == 120_000 and parsed.claims.n_persons == 977
    assert parsed.claim_id(119_999) == "c119999"
    assert parsed.claims.person[:3].tolist() == [0, 1, 2]


def test_claims_read_from_a_pipe_as_from_a_file(tmp_path: Path) -> None:
    """A pipe (`<(zcat claims.csv.gz)`) cannot be mapped; it is read instead, to the same claims."""
    import os
    import threading

    text = f"{HEADER}\n{GOOD}\n{_row(claim_id='c2', total_cost='250.50')}\n".encode()
    fifo = tmp_path / "claims.pipe"
    os.mkfifo(fifo)
    writer = threading.Thread(target=fifo.write_bytes, args=(text,))
    writer.start()
    piped = read_claims(fifo)
    writer.join()
    regular = tmp_path / "claims.csv"
    regular.write_bytes(text)
    scheme = load_scenario("sui_county").scheme
    assert payments_csv(piped, settle(scheme, piped.claims)) == payments_csv(read_claims(regular), settle(scheme, read_claims(regular).claims))
    assert piped.claims.total.tolist() == [10000, 25050]


def test_quoted_last_field_before_a_crlf_line_end(tmp_path: Path) -> None:
    path = tmp_path / "quoted_crlf.csv"
    path.write_bytes((HEADER + "\r\n" + GOOD[: -len("registered_poor")] + '"registered_poor"\r\n' + _row(claim_id="c2") + "\r\n").encode())
    parsed = read_claims(path)
    assert len(parsed) == 2 and parsed.claims.total.tolist() == [10000, 10000]


def test_blank_lines_where_a_large_file_is_cut_in_parts_are_skipped(tmp_path: Path) -> None:
    """The file is cut for parallel scanning near its middle byte: blank lines there are no rows, and
    the rows after them keep their line numbers."""
    from model.rules import claims_csv

    rows = [_row(claim_id=f"c{i}") for i in range(120_000)]
    ends = np.cumsum([len(row) + 1 for row in rows])
    middle = int(np.searchsorted(ends, ends[-1] // 2))
    lines = rows[:middle] + [""] * 20_000 + rows[middle:]
    text = HEADER + "\n" + "\n".join(lines) + "\n"
    start = text.index(f"\n{rows[middle]}\n")
    assert start - 20_000 < len(text) // 2 < start  # the middle byte falls among the blank lines
    path = tmp_path / "blank_middle.csv"
    path.write_text(text, encoding="utf-8")
    assert path.stat().st_size > claims_csv.PARALLEL_BYTES
    parsed = read_claims(path)
    assert len(parsed) == len(rows) and parsed.claim_id(middle) == f"c{middle}"
    path.write_text(text.replace(f"\n{rows[middle]}\n", f"\n{_row(claim_id=f'c{middle}', level='moon')}\n"), encoding="utf-8")
    message = str(pytest.raises(InputError, read_claims, path).value)
    assert message.startswith(f"{path}: 1 bad row")
    assert f"line {middle + 2 + 20_000} (claim_id c{middle}), column level" in message


def test_a_carriage_return_inside_a_field_is_named_not_a_crash(claims_file) -> None:
    """The csv module refuses a lone CR in an unquoted field; the message for the row must still be made."""
    path = claims_file(f"{HEADER}\n{_row(level='coun' + chr(13) + 'ty')}\n")
    with pytest.raises(InputError, match=r"line 2 \(claim_id c1\), column level: expected village"):
        read_claims(path)


def test_fully_quoted_file_reads_through_pyarrow_and_settles_as_its_unquoted_twin(tmp_path: Path, monkeypatch) -> None:
    from benchmarks.engine import random_claims, write_claims_csv
    from model.rules import claims_csv

    plain = tmp_path / "plain.csv"
    write_claims_csv(plain, random_claims(100_000))
    lines = plain.read_bytes().decode().splitlines()
    quoted = tmp_path / "quoted.csv"  # every field quoted, a comma and a doubled quote inside some ids, CRLF, BOM
    rows = [",".join(f'"{field.strip(chr(34))}"' for field in line.split(",")) for line in lines]
    rows[7] = rows[7].replace('"c6"', '"c,6"', 1)
    rows[9] = rows[9].replace('"c8"', '"c""8"', 1)
    quoted.write_bytes(b"\xef\xbb\xbf" + ("\r\n".join(rows) + "\r\n").encode())

    def careful(*args):
        raise AssertionError("a good quoted file took the line-by-line reading")

    monkeypatch.setattr(claims_csv, "_careful", careful)
    scheme = load_scenario("baseline").scheme
    plain_file, quoted_file = read_claims(plain), read_claims(quoted)
    plain_rows = payments_csv(plain_file, settle(scheme, plain_file.claims)).splitlines()
    quoted_rows = payments_csv(quoted_file, settle(scheme, quoted_file.claims)).splitlines()
    assert quoted_file.claims.n_persons == plain_file.claims.n_persons
    assert np.array_equal(quoted_file.claims.person, plain_file.claims.person)
    assert quoted_rows[7].startswith(b'"c,6",') and quoted_rows[9].startswith(b'"c""8",')
    assert [row for row in quoted_rows[1:] if b'"c,6"' not in row and b'"c""8"' not in row] == \
        [b'"' + row.replace(b",", b'",', 1) for row in plain_rows[1:] if not row.startswith((b"c6,", b"c8,"))]


@pytest.mark.parametrize("largest", [10, 1000, 10**10, 10**12, 2**62])
def test_payment_rows_write_fen_as_yuan_with_two_decimals(largest: int) -> None:
    import pyarrow as pa

    from model.money import fen_to_yuan
    from model.rules.payments_csv import payment_rows

    amounts = np.random.default_rng(largest % 1000).integers(0, largest, (500, 7))
    amounts[0], amounts[1] = 0, largest - 1
    ids = pa.array([f'"c,{i}"' if i % 7 == 0 else f"c{i}" for i in range(500)])
    expected = "".join(f"{claim_id}," + ",".join(fen_to_yuan(int(v)) for v in row) + "\n"
                       for claim_id, row in zip(ids.to_pylist(), amounts))
    assert payment_rows(ids, amounts).to_pybytes().decode() == expected


@pytest.mark.parametrize("largest", [10, 10**10, 2**62])
def test_payment_rows_where_most_amounts_are_zero(largest: int) -> None:
    """Columns mostly 0 (most payers pay most claims nothing) are formatted value by value only where paid."""
    import pyarrow as pa

    from model.money import fen_to_yuan
    from model.rules.payments_csv import payment_rows

    rng = np.random.default_rng(largest % 1000)
    amounts = rng.integers(0, largest, (500, 7)) * (rng.random((500, 7)) < [0.9, 0.5, 0.2, 0.01, 0.0, 0.6, 1.0])
    amounts[-1] = largest - 1
    ids = pa.array([f"c{i}" for i in range(500)])
    expected = "".join(f"{claim_id}," + ",".join(fen_to_yuan(int(v)) for v in row) + "\n"
                       for claim_id, row in zip(ids.to_pylist(), amounts))
    assert payment_rows(ids, amounts).to_pybytes().decode() == expected
