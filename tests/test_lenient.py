"""Excel-shaped claims (--lenient, .xlsx): the same payments as their strict twin; messages name the user's own
line or row and column; strict files and the strict default are unchanged; the template reads back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from model.cli import main
from model.errors import InputError
from model.rules.claims_csv import read_claims
from model.rules.lenient import LABELS, normalize, read_lenient

DATA = Path(__file__).parent / "data"


def _payments(tmp_path: Path, claims: Path, *options: str) -> bytes:
    out = tmp_path / f"{claims.stem}.payments.csv"
    assert main(["adjudicate", "x_prefecture", str(claims), "-o", str(out), *options]) == 0
    return out.read_bytes()


def test_excel_shaped_twins_settle_to_the_strict_payments(tmp_path: Path) -> None:
    strict = _payments(tmp_path, DATA / "sample_claims.csv")
    assert strict.count(b"\n") == 178
    assert _payments(tmp_path, DATA / "excel_claims_gbk.csv", "--lenient") == strict
    assert _payments(tmp_path, DATA / "excel_claims.xlsx") == strict
    # the twins really are Excel-shaped: GBK bytes, Chinese labels, slashes, separators, Excel cells
    raw = (DATA / "excel_claims_gbk.csv").read_bytes()
    assert "住院".encode("gbk") in raw and b"2019/5/2" in raw and b'"2,739.74"' in raw and b"TRUE" in raw
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    cells = list(load_workbook(DATA / "excel_claims.xlsx", read_only=True).worksheets[0].iter_rows(min_row=2, max_row=3, values_only=True))
    assert isinstance(cells[0][2], dt.datetime) and isinstance(cells[0][8], bool) and isinstance(cells[0][6], float)


def test_without_lenient_a_csv_is_read_as_spec_1_says(tmp_path: Path, capsys) -> None:
    assert main(["adjudicate", "sui_county", str(DATA / "excel_claims_gbk.csv"), "-o", str(tmp_path / "p.csv")]) == 2
    assert "line 1 (header): expected UTF-8 text" in capsys.readouterr().err
    assert not (tmp_path / "p.csv").exists()


def test_strict_file_read_leniently_is_unchanged() -> None:
    strict, lenient = read_claims(DATA / "sample_claims.csv"), read_lenient(DATA / "sample_claims.csv")
    for name in ("person", "day", "service", "level", "disease", "compliant", "category", "total", "eligible"):
        assert (getattr(strict.claims, name) == getattr(lenient.claims, name)).all(), name


def test_messages_name_the_users_line_and_column(tmp_path: Path) -> None:
    lines = (DATA / "excel_claims_gbk.csv").read_bytes().split(b"\r\n")
    assert lines[42] == b""  # a blank line: the strict CSV made from it has none, yet lines keep their numbers
    lines[51] = lines[51].replace("住院".encode("gbk"), "急诊".encode("gbk"), 1)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\r\n".join(lines))
    with pytest.raises(InputError) as caught:
        read_lenient(bad)
    message = str(caught.value)
    assert message.startswith(f"{bad}: 1 bad row; nothing was written\n{bad}: line 52 (claim_id c1-170)")
    assert "column service: expected outpatient, chronic_outpatient or inpatient, found '急诊'" in message

    book = Workbook()
    sheet = book.active
    sheet.append(["结算单号", "个人编号", "结算日期", "就诊类型", "医院级别", "病种编码", "总费用", "政策范围内费用", "是否规范转诊", "人员类别"])
    sheet.append(["a1", "p1", dt.datetime(2019, 2, 10), "住院", "县", None, 12000.0, 9000.0, True, "建档立卡"])
    sheet.append([])
    sheet.append(["a2", "p1", "2019-2-30", "门诊", "村卫生室", None, "1,200", "1,300", "否", "低保"])
    workbook = tmp_path / "bad.xlsx"
    book.save(workbook)
    with pytest.raises(InputError) as caught:
        read_lenient(workbook)
    message = str(caught.value)
    assert f"{workbook}: row 4 (claim_id a2), column date: expected a date YYYY-MM-DD that exists, found '2019-02-30'" in message
    assert f"{workbook}: row 4 (claim_id a2), column eligible_cost: expected at most total_cost (1200.00), found '1300.00'" in message


def test_normalizer_reads_every_label_of_the_table(tmp_path: Path) -> None:
    rows = ["结算单号,个人编号,结算日期,就诊类型,医院级别,病种编码,总费用,政策范围内费用,是否规范转诊,人员类别"]
    services = {"inpatient": "", "outpatient": "", "chronic_outpatient": "hypertension"}
    number = 0
    for column in ("service", "level", "compliant", "category"):
        for label, code in LABELS[column].items():
            number += 1
            values = {"service": "住院", "level": "县", "compliant": "是", "category": "普通"} | {column: label}
            service = LABELS["service"].get(values["service"], "inpatient")
            level = LABELS["level"].get(values["level"], values["level"])
            if service == "inpatient" and level == "village":
                service, values["service"] = "outpatient", "门诊"
            rows.append(f"c{number},p1,2019/2/10,{values['service']},{values['level']},{services[service]},"
                        f"\"1,000.5\",800,{values['compliant']},{values['category']}")
    path = tmp_path / "labels.csv"
    path.write_text("\n".join(rows) + "\n", encoding="gbk")
    claims = read_lenient(path)
    assert len(claims) == number
    data, lines = normalize(path)
    assert lines == {i: i for i in range(1, number + 2)}
    assert b"2019-02-10" in data and b"1000.50" in data and b"registered_poor" in data and b"chronic_outpatient" in data


def test_template_has_both_header_languages_and_reads_back(tmp_path: Path) -> None:
    for name in ("template.xlsx", "template.csv"):
        assert main(["adjudicate", "--template", str(tmp_path / name)]) == 0
        assert read_lenient(tmp_path / name).claims.total.size == 0
    header = (tmp_path / "template.csv").read_text(encoding="utf-8-sig").strip().split(",")
    assert header[0] == "结算单号/claim_id" and header[-1] == "人员类别/category"
    assert main(["adjudicate", "--template", str(tmp_path / "template.csv")]) == 2  # never replaced
