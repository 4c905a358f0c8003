"""Excel-shaped claims (an .xlsx, or a UTF-8/GBK CSV read with --lenient) normalized into a strict spec §1 CSV in
memory and read by the strict reader, so every check and message is the strict one, pointed back at the user's
own file, line (or sheet row) and column.

One table (`LABELS`) holds every Chinese label and Excel spelling the normalizer reads; the README prints it.
A value it cannot read is passed on unchanged, so the strict reader names it as the user wrote it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from model.errors import InputError
from model.rules.claims_csv import COLUMNS, ClaimsFile, read_claims

# column → {what a user's file may say: what spec §1 says}. Headers, service, level, compliant and category.
LABELS: dict[str, dict[str, str]] = {
    "header": {
        "结算单号": "claim_id", "单据号": "claim_id", "就诊流水号": "claim_id", "报销单号": "claim_id",
        "个人编号": "person_id", "人员编号": "person_id", "身份证号": "person_id",
        "结算日期": "date", "日期": "date", "出院日期": "date",
        "就诊类型": "service", "医疗类别": "service", "服务类型": "service",
        "医院级别": "level", "就诊机构级别": "level", "机构级别": "level",
        "病种": "disease", "病种编码": "disease", "疾病编码": "disease",
        "总费用": "total_cost", "医疗总费用": "total_cost",
        "政策范围内费用": "eligible_cost", "目录内费用": "eligible_cost", "合规费用": "eligible_cost",
        "是否规范转诊": "compliant", "规范转诊": "compliant", "是否合规转诊": "compliant",
        "人员类别": "category", "人群类别": "category", "身份类别": "category",
    },
    "service": {
        "住院": "inpatient", "门诊": "outpatient", "普通门诊": "outpatient",
        "门诊慢特病": "chronic_outpatient", "慢特病门诊": "chronic_outpatient", "门诊慢性病": "chronic_outpatient",
        "门诊特殊病": "chronic_outpatient", "门诊慢性病特殊病": "chronic_outpatient", "慢特病": "chronic_outpatient",
    },
    "level": {
        "村": "village", "村级": "village", "村卫生室": "village",
        "乡": "township", "镇": "township", "乡镇": "township", "乡级": "township", "乡镇级": "township",
        "乡镇卫生院": "township", "社区卫生服务中心": "township",
        "县": "county", "县级": "county", "县区级": "county", "县级医院": "county",
        "市": "prefecture", "市级": "prefecture", "市州": "prefecture", "市州级": "prefecture", "地市级": "prefecture",
        "市级医院": "prefecture",
        "省": "province", "省级": "province", "省级及以上": "province", "省级医院": "province", "省外": "province",
    },
    "compliant": {
        "true": "true", "false": "false", "是": "true", "否": "false", "y": "true", "n": "false", "yes": "true",
        "no": "false", "1": "true", "0": "false", "√": "true", "×": "false",
    },
    "category": {
        "普通": "ordinary", "普通居民": "ordinary", "一般": "ordinary", "一般人群": "ordinary",
        "建档立卡": "registered_poor", "建档立卡贫困户": "registered_poor", "建档立卡贫困人口": "registered_poor",
        "贫困户": "registered_poor", "贫困人口": "registered_poor",
        "低保": "dibao", "低保户": "dibao", "低保对象": "dibao",
        "特困": "extreme_poor", "特困供养": "extreme_poor", "特困人员": "extreme_poor", "特困供养人员": "extreme_poor",
        "五保": "extreme_poor", "五保户": "extreme_poor",
    },
}
ZH_HEADER = {
    "claim_id": "结算单号", "person_id": "个人编号", "date": "结算日期", "service": "就诊类型", "level": "医院级别",
    "disease": "病种编码", "total_cost": "总费用", "eligible_cost": "政策范围内费用", "compliant": "是否规范转诊",
    "category": "人员类别",
}
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_MONEY_CLUTTER = re.compile(r"[,，\s¥￥元]")
_CATEGORY_SPLIT = re.compile(r"[+＋、/]")


def _header_name(cell: object) -> str:
    """A header cell as a spec §1 column name: the English name, a Chinese label, or both ('结算单号/claim_id')."""
    text = str(cell if cell is not None else "").strip().lstrip("\ufeff")
    for part in [text] + re.split(r"[/／()（）\s]+", text):
        part = part.strip()
        if part in COLUMNS:
            return part
        if part in LABELS["header"]:
            return LABELS["header"][part]
    return text


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an id Excel stored as a number
    return str(value).strip()


def _date(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = _text(value)
    found = _DATE.match(text)
    if found:
        return f"{found.group(1)}-{int(found.group(2)):02d}-{int(found.group(3)):02d}"
    return text


def _money(value: object) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        text = _MONEY_CLUTTER.sub("", _text(value))
        try:
            number = Decimal(text) if re.fullmatch(r"\d+(\.\d+)?", text) else None
        except InvalidOperation:
            number = None
        if number is None:
            return _text(value)
    if number < 0 or number != number.quantize(Decimal("0.01")):
        return _text(value)  # a sign or a third decimal: refused by the strict reader as written
    return f"{number.quantize(Decimal('0.01'))}"


def _label(column: str, value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = _text(value)
    vocabulary = LABELS[column]
    return vocabulary.get(text) or vocabulary.get(text.lower()) or (text.lower() if text.lower() in vocabulary.values() else text)


def _category(value: object) -> str:
    parts = [part.strip() for part in _CATEGORY_SPLIT.split(_text(value))]
    return "+".join(_label("category", part) for part in parts)


NORMALIZE = {"claim_id": _text, "person_id": _text, "date": _date, "service": lambda v: _label("service", v),
             "level": lambda v: _label("level", v), "disease": _text, "total_cost": _money, "eligible_cost": _money,
             "compliant": lambda v: _label("compliant", v), "category": _category}


def _rows_of_xlsx(path: Path) -> list[tuple[int, list[object]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise InputError(f"{path}: expected an Excel workbook (.xlsx), found a file openpyxl cannot open ({type(exc).__name__})") from None
    sheet = book.worksheets[0]
    rows = [(number, list(row)) for number, row in enumerate(sheet.iter_rows(values_only=True), start=1)]
    book.close()
    return [(n, r) for n, r in rows if any(c is not None and str(c).strip() for c in r)]


def _rows_of_csv(path: Path) -> list[tuple[int, list[object]]]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such claims file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    for encoding in ("utf-8-sig", "gb18030"):  # GB18030 reads every GBK file
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any bytes that are not malformed multibyte sequences
        raise InputError(f"{path}: line 1: expected text in UTF-8 or GBK, found bytes that are neither")
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    line = 1
    try:
        for fields in reader:
            if any(field.strip() for field in fields):
                rows.append((line, fields))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(f"{path}: line {reader.line_num}: expected CSV fields, found {exc}") from None
    return rows


def normalize(path: Path) -> tuple[bytes, dict[int, int]]:
    """The strict spec §1 CSV of an Excel-shaped file, and the map from its lines to the file's own lines (or rows)."""
    rows = _rows_of_xlsx(path) if path.suffix.lower() == ".xlsx" else _rows_of_csv(path)
    if not rows:
        return b"", {}
    header_line, header_cells = rows[0]
    names = [_header_name(cell) for cell in header_cells]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(names)
    lines = {1: header_line}
    written = 1
    for number, cells in rows[1:]:
        cells = list(cells) + [None] * (len(names) - len(cells))
        if len(cells) > len(names) and any(_text(c) for c in cells[len(names):]):
            out = [_text(c) for c in cells]  # more fields than the header: left for the strict reader to refuse
        else:
            out = [NORMALIZE[name](cell) if name in NORMALIZE else _text(cell) for name, cell in zip(names, cells)]
        before = buffer.tell()
        writer.writerow(out)
        lines[written + 1] = number
        written += buffer.getvalue().count("\n", before)
    return buffer.getvalue().encode("utf-8"), lines


def _in_memory_file(data: bytes) -> tuple[Path, int]:
    """A path the strict reader can open for `data`, held in memory (memfd) where the system has it."""
    if hasattr(os, "memfd_create") and Path("/proc/self/fd").is_dir():
        fd = os.memfd_create("hpa-lenient-claims")
        os.write(fd, data)
        return Path(f"/proc/self/fd/{fd}"), fd
    import tempfile

    fd, name = tempfile.mkstemp(prefix="hpa-lenient-", suffix=".csv")
    os.write(fd, data)
    return Path(name), fd


def read_lenient(path: Path | str) -> ClaimsFile:
    """Read an Excel-shaped claims file (see the module's note); InputError naming the user's file, line and column."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: expected a claims file, found a folder")
    if not path.is_file():
        raise InputError(f"{path}: no such claims file")
    data, lines = normalize(path)
    where, fd = _in_memory_file(data)
    try:
        claims = read_claims(where)
    except InputError as exc:
        word = "row" if path.suffix.lower() == ".xlsx" else "line"
        message = str(exc).replace(str(where), str(path))
        message = re.sub(r"\bline (\d+)", lambda m: f"{word} {lines.get(int(m.group(1)), int(m.group(1)))}", message)
        raise InputError(message) from None
    finally:
        os.close(fd)
        if not str(where).startswith("/proc/"):
            os.unlink(where)
    claims.path = path
    return claims


def template_bytes(kind: str) -> bytes:
    """An empty claims template with both header languages: 'xlsx' (Chinese row above the spec's names, which
    the lenient reader takes as the header) or 'csv' (each header cell '中文/english')."""
    if kind == "csv":
        return ("\ufeff" + ",".join(f"{ZH_HEADER[c]}/{c}" for c in COLUMNS) + "\n").encode("utf-8")
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "结算单 claims"
    sheet.append([f"{ZH_HEADER[c]}/{c}" for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    notes = {"date": "2019/2/10 或日期单元格", "service": "住院/门诊/门诊慢特病", "level": "村/乡镇/县/市/省",
             "compliant": "是/否 或 TRUE/FALSE", "category": "建档立卡/低保/特困/普通，可用+连接", "total_cost": "元，可带千分位",
             "eligible_cost": "元，不超过总费用", "disease": "spec §5 编码，可空"}
    for index, column in enumerate(COLUMNS, start=1):
        sheet.cell(row=1, column=index).comment = None
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(14, len(notes.get(column, "")) * 2)
    guide = book.create_sheet("填写说明 guide")
    guide.append(["列 / column", "填写 / how to fill"])
    for column in COLUMNS:
        guide.append([f"{ZH_HEADER[column]}/{column}", notes.get(column, "文本 / text")])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
