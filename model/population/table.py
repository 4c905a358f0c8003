"""A user's own household table in place of synthetic households: read, validated row by row, made a Population."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from model.seeds import child_seed
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from model.codes import CATEGORY_CODE, category_set_code
from model.errors import InputError, describe_found
from model.inputfile import any_csv_field_size, read_bounded
from model.population.households import County, Population, draw_county, draw_members, household_food
from model.population.params import PopulationParams
from model.rules.program import MEMBERS
from model.arrowtext import parse_money

COLUMNS = (
    "household_id", "category", "exited_poverty", "household_size", "household_income", "household_consumption",
    "township", "village",
)
COLUMN_HELP = {
    "household_id": "an id, unique in the file",
    "category": "ordinary, or one or more of registered_poor, dibao, extreme_poor joined by + (registered_poor+dibao)",
    "exited_poverty": "true or false (lowercase); true only for a category set with registered_poor",
    "household_size": "a whole number of members, 1-20",
    "household_income": "yuan a year for the whole household: digits with an optional point and 1–2 decimals, at most 100,000,000",
    "household_consumption": "yuan a year for the whole household: digits with an optional point and 1–2 decimals, at most 100,000,000",
    "township": "the township's name",
    "village": "the village's name (within its township)",
}
for _name in ("household_id", "township", "village"):
    COLUMN_HELP[_name] += ", without control characters (a line break, tab, NUL, ...)"
MAX_LISTED = 50
MAX_TABLE_BYTES = 2 << 30  # a household table is read whole into memory: at most this
MAX_HEADER_BYTES = 1 << 16
CONTROL = r"[\x00-\x1f\x7f-\x9f]"  # a control character: no name or id may hold one


class HouseholdTable:
    """A household table as read: its columns as text, and where each row starts in the file."""

    def __init__(self, path: Path, text: str, header: list[str], table: pa.Table, records: np.ndarray) -> None:
        self.path, self.text, self.header, self.table = path, text, header, table
        self.records = records  # the CSV record number (the header is 1, blank lines not counted) of each row

    def lines(self, rows: list[int]) -> dict[int, int]:
        """The line each of these rows starts on, counted as in the file (blank lines and line breaks
        inside quoted fields included). Only for the few rows a message names: a pass in Python."""
        return _record_lines(self.text, {int(self.records[row]) for row in rows}, {row: int(self.records[row]) for row in rows})


def _record_lines(text: str, wanted: set[int], by_row: dict[int, int]) -> dict[int, int]:
    line_of: dict[int, int] = {}
    try:
        with any_csv_field_size():
            reader = csv.reader(io.StringIO(text.replace("\r\n", "\n"), newline="\n"))
            record = 0
            before = 0
            for fields in reader:
                if fields:
                    record += 1
                    if record in wanted:
                        line_of[record] = before + 1
                        if len(line_of) == len(wanted):
                            break
                before = reader.line_num
    except csv.Error:
        pass
    # a record the csv module read differently (a bare carriage return) is named by its record number
    return {row: line_of.get(record, record) for row, record in by_row.items()}



def _problems_message(table: HouseholdTable, problems: list[tuple[int, str, str]], ids: np.ndarray) -> str:
    path = table.path
    problems.sort(key=lambda p: (p[0], COLUMNS.index(p[1]) if p[1] in COLUMNS else -1))
    rows = sorted({p[0] for p in problems})
    lines_of = table.lines(sorted({p[0] for p in problems[:MAX_LISTED]}))
    lines = []
    for row, column, found in problems[:MAX_LISTED]:
        label = str(ids[row]) if row < len(ids) else ""
        named = f" (household_id {label if label.isprintable() and len(label) <= 40 else describe_found(label, 40)})" if label else ""
        if column == "columns":
            lines.append(f"{path}: line {lines_of[row]}{named}: expected {len(table.header)} comma-separated columns, found {found}")
        else:
            lines.append(f"{path}: line {lines_of[row]}{named}, column {column}: expected {COLUMN_HELP[column]}, found {found}")
    more = f"\n... and {len(problems) - MAX_LISTED} more problems" if len(problems) > MAX_LISTED else ""
    return f"{path}: {len(rows)} bad row{'s' if len(rows) != 1 else ''}; nothing was written\n" + "\n".join(lines) + more


def _header(path: Path, body: bytes) -> list[str]:
    end = body.find(b"\n", 0, MAX_HEADER_BYTES + 1)
    if end < 0 and len(body) > MAX_HEADER_BYTES:
        raise InputError(f"{path}: line 1 (header): expected the columns {','.join(COLUMNS)}, "
                         f"found a line of more than {MAX_HEADER_BYTES:,} bytes")
    line = body[: end if end >= 0 else len(body)].decode("utf-8").rstrip("\r")
    if not line.strip():
        found = "an empty file" if not body.strip() else "an empty line"
        raise InputError(f"{path}: line 1 (header): expected the columns {','.join(COLUMNS)}, found {found}")
    if "\r" in line or line.count('"') % 2:
        raise InputError(f"{path}: line 1 (header): expected the column names on one line, found "
                         f"{'a carriage return' if chr(13) in line else 'a quote left open'} in {describe_found(line, 80)}")
    with any_csv_field_size():
        header = [name.strip() for name in next(csv.reader([line]), [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InputError(f"{path}: line 1 (header): missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                         f"(expected the columns {','.join(COLUMNS)}; found {describe_found(','.join(header), 300)})")
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise InputError(f"{path}: line 1 (header): column {describe_found(duplicated[0])} appears more than once")
    return header


def read_households(path: Path | str) -> HouseholdTable:
    """Read a household table (a regular file or a pipe, at most MAX_TABLE_BYTES): header checked,
    every row's fields as text. Rows with too many or too few fields are named with their line."""
    path = Path(path)
    raw = read_bounded(path, "household file", MAX_TABLE_BYTES)
    body = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = body.count(b"\n", 0, exc.start) + 1
        raise InputError(f"{path}: line {line}: expected UTF-8 text, found bytes that are not UTF-8") from None
    header = _header(path, body)
    wrong_width: list[tuple[int, int, str]] = []  # (record number, fields found, household_id if it shows)
    id_column = header.index("household_id")

    def on_wrong_width(row) -> str:
        try:
            with any_csv_field_size():
                fields = next(csv.reader([row.text or ""]), [])
        except csv.Error:
            fields = []
        label = fields[id_column] if id_column < len(fields) else ""
        wrong_width.append((row.number if row.number is not None else -1, row.actual_columns, label))
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.BufferReader(body),
            read_options=pacsv.ReadOptions(use_threads=False),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_wrong_width),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in header}, include_columns=list(COLUMNS),
                strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowException) as exc:
        # what the checks above let through and Arrow still refuses (a quote left open at the end, say)
        raise InputError(f"{path}: line {text.count(chr(10)) + 1} (end of file): expected a CSV table whose quotes all close, "
                         f"found a table Arrow cannot read ({describe_found(str(exc), 200)})") from None
    skipped = np.array(sorted(number for number, _, _ in wrong_width), dtype=np.int64)
    all_records = np.arange(2, table.num_rows + len(skipped) + 2, dtype=np.int64)
    records = np.setdiff1d(all_records, skipped, assume_unique=True) if len(skipped) else all_records
    result = HouseholdTable(path, text, header, table, records)
    if wrong_width:
        # rows with the wrong number of fields: named by line, nothing else read
        bad = HouseholdTable(path, text, header, table, np.array([number for number, _, _ in wrong_width], dtype=np.int64))
        problems = [(index, "columns", str(found)) for index, (_, found, _) in enumerate(wrong_width)]
        raise InputError(_problems_message(bad, problems, np.array([label for _, _, label in wrong_width], dtype=object)))
    if table.num_rows == 0:
        raise InputError(f"{path}: expected at least one household after the header (line 1), found none")
    return result


def _category_code(text: str) -> int:
    """A household's category set as spec §1 writes a claim's (registered_poor+dibao, in any order), or -1."""
    try:
        return category_set_code(text)
    except ValueError:
        return -1


def population_from_table(path: Path | str, params: PopulationParams, seed: np.random.SeedSequence) -> tuple[Population, County]:
    """Households as given; members' ages and sexes synthesized from each household's category and size."""
    path = Path(path)
    household_table = read_households(path)
    table = household_table.table
    columns = {c: table[c].combine_chunks() for c in COLUMNS}
    text = {c: columns[c].to_numpy(zero_copy_only=False).astype(str) for c in ("household_id", "category", "exited_poverty", "household_size", "township", "village")}
    problems: list[tuple[int, str, str]] = []

    def flag(bad: np.ndarray, column: str, values: np.ndarray) -> None:
        for row in np.flatnonzero(bad)[: MAX_LISTED * 2]:
            problems.append((int(row), column, describe_found(str(values[row])) if str(values[row]) else "nothing"))

    ids = text["household_id"]
    flag(ids == "", "household_id", ids)
    _, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    flag((first[inverse] != np.arange(ids.shape[0])) & (ids != ""), "household_id", ids)
    category = np.array([_category_code(value) for value in np.unique(text["category"])])[
        np.unique(text["category"], return_inverse=True)[1]] if ids.size else np.zeros(0, np.int64)
    flag(category < 0, "category", text["category"])
    exited_text = text["exited_poverty"]
    flag(~np.isin(exited_text, ["true", "false"]), "exited_poverty", exited_text)
    exited = exited_text == "true"
    registered = MEMBERS[:, CATEGORY_CODE["registered_poor"]]
    flag(exited & (category >= 0) & ~registered[np.maximum(category, 0)], "exited_poverty", exited_text)
    size_text = text["household_size"]
    size_ok = np.char.isdigit(size_text) & (np.char.str_len(size_text) <= 2)
    size = np.where(size_ok, np.where(size_ok, size_text, "0").astype(np.int64), 0)
    flag(~size_ok | (size < 1) | (size > 20), "household_size", size_text)
    money = {}
    for column in ("household_income", "household_consumption"):
        fen, ok = parse_money(columns[column])
        flag(~ok, column, columns[column].to_numpy(zero_copy_only=False).astype(str))
        money[column] = fen
    for column in ("township", "village"):
        flag(np.char.str_len(text[column]) == 0, column, text[column])
    for column in ("household_id", "township", "village"):
        control = pc.match_substring_regex(columns[column], CONTROL).to_numpy(zero_copy_only=False)
        flag(control, column, text[column])
    if problems:
        raise InputError(_problems_message(household_table, problems, ids))

    township_names, township = np.unique(text["township"], return_inverse=True)
    pairs = np.char.add(np.char.add(text["township"], "\x1f"), text["village"])
    village_pairs, village = np.unique(pairs, return_inverse=True)
    village_township = np.searchsorted(township_names, np.array([p.split("\x1f")[0] for p in village_pairs]))
    county_seed, members_seed = child_seed(seed, 0), child_seed(seed, 1)
    county = draw_county(params, county_seed, village_township, tuple(township_names),
                         tuple(p.split("\x1f")[1] for p in village_pairs))
    members = draw_members(params, category, size, np.random.default_rng(members_seed))
    # the table gives consumption, not food: food by Engel's law, from a stream of its own
    food = household_food(params, money["household_consumption"], size, np.random.default_rng(child_seed(seed, 2)))
    population = Population(
        household_category=category.astype(np.int8), household_exited=exited, household_size=size,
        household_income=money["household_income"], household_consumption=money["household_consumption"],
        household_food=food,
        household_township=township.astype(np.int64), household_village=village.astype(np.int64),
        household_label=ids, **members,
    )
    return population, county
