"""A user's own household table in place of synthetic households: read, validated row by row, made a Population."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from model.seeds import child_seed
import pyarrow as pa
import pyarrow.csv as pacsv

from model.codes import CATEGORY_CODE, category_set_code
from model.errors import InputError
from model.population.households import County, Population, draw_county, draw_members
from model.population.params import PopulationParams
from model.rules.program import MEMBERS
from model.rules.textscan import parse_money, string_buffers

COLUMNS = (
    "household_id", "category", "exited_poverty", "household_size", "household_income", "household_consumption",
    "township", "village",
)
COLUMN_HELP = {
    "household_id": "an id, unique in the file",
    "category": "ordinary, or one or more of registered_poor, dibao, extreme_poor joined by + (registered_poor+dibao)",
    "exited_poverty": "true or false (lowercase); true only for a category set with registered_poor",
    "household_size": "a whole number of members, 1-20",
    "household_income": "yuan a year for the whole household: digits with an optional point and 1–2 decimals",
    "household_consumption": "yuan a year for the whole household: digits with an optional point and 1–2 decimals",
    "township": "the township's name",
    "village": "the village's name (within its township)",
}
MAX_LISTED = 50


def _problems_message(path: Path, problems: list[tuple[int, str, str]], ids: list[str]) -> str:
    problems.sort(key=lambda p: (p[0], COLUMNS.index(p[1])))
    rows = sorted({p[0] for p in problems})
    lines = []
    for row, column, found in problems[:MAX_LISTED]:
        named = f" (household_id {ids[row]})" if ids[row] else ""
        lines.append(f"{path}: line {row + 2}{named}, column {column}: expected {COLUMN_HELP[column]}, found {found}")
    more = f"\n... and {len(problems) - MAX_LISTED} more problems" if len(problems) > MAX_LISTED else ""
    return f"{path}: {len(rows)} bad row{'s' if len(rows) != 1 else ''}; nothing was written\n" + "\n".join(lines) + more


def read_households(path: Path | str) -> pa.Table:
    path = Path(path)
    try:
        with open(path, "rb") as stream:
            header = stream.readline().decode("utf-8-sig").strip().split(",")
    except FileNotFoundError:
        raise InputError(f"{path}: no such household file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: line 1 (header): expected UTF-8 text") from None
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InputError(f"{path}: line 1 (header): missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                         f"(expected the columns {','.join(COLUMNS)})")
    try:
        table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in header}, include_columns=list(COLUMNS),
            strings_can_be_null=False, quoted_strings_can_be_null=False))
    except pa.ArrowInvalid as exc:
        raise InputError(f"{path}: not a readable CSV table: {exc}") from None
    return table


def _category_code(text: str) -> int:
    """A household's category set as spec §1 writes a claim's (registered_poor+dibao, in any order), or -1."""
    try:
        return category_set_code(text)
    except ValueError:
        return -1


def population_from_table(path: Path | str, params: PopulationParams, seed: np.random.SeedSequence) -> tuple[Population, County]:
    """Households as given; members' ages and sexes synthesized from each household's category and size."""
    path = Path(path)
    table = read_households(path)
    columns = {c: table[c].combine_chunks() for c in COLUMNS}
    text = {c: columns[c].to_numpy(zero_copy_only=False).astype(str) for c in ("household_id", "category", "exited_poverty", "household_size", "township", "village")}
    problems: list[tuple[int, str, str]] = []

    def flag(bad: np.ndarray, column: str, values: np.ndarray) -> None:
        for row in np.flatnonzero(bad)[: MAX_LISTED * 2]:
            problems.append((int(row), column, repr(str(values[row])) if str(values[row]) else "nothing"))

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
        fen, ok = parse_money(*string_buffers(columns[column]))
        flag(~ok, column, columns[column].to_numpy(zero_copy_only=False).astype(str))
        money[column] = fen
    for column in ("township", "village"):
        flag(np.char.str_len(text[column]) == 0, column, text[column])
    if problems:
        raise InputError(_problems_message(path, problems, list(ids)))

    township_names, township = np.unique(text["township"], return_inverse=True)
    pairs = np.char.add(np.char.add(text["township"], "\x1f"), text["village"])
    village_pairs, village = np.unique(pairs, return_inverse=True)
    village_township = np.searchsorted(township_names, np.array([p.split("\x1f")[0] for p in village_pairs]))
    county_seed, members_seed = child_seed(seed, 0), child_seed(seed, 1)
    county = draw_county(params, county_seed, village_township, tuple(township_names),
                         tuple(p.split("\x1f")[1] for p in village_pairs))
    members = draw_members(params, category, size, np.random.default_rng(members_seed))
    population = Population(
        household_category=category.astype(np.int8), household_exited=exited, household_size=size,
        household_income=money["household_income"], household_consumption=money["household_consumption"],
        household_township=township.astype(np.int64), household_village=village.astype(np.int64),
        household_label=ids, **members,
    )
    return population, county
