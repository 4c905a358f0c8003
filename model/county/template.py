"""`hpa county init`: the county profile template as YAML and .xlsx, filled with the default county."""

from __future__ import annotations

import io
from pathlib import Path

from model import atomic
from model.county.profile import FIELDS, HEADER, SHEET, TEXTS
from model.errors import InputError
from model.report.texts import bilingual

YAML_NAME, XLSX_NAME = "county.yaml", "county.xlsx"


def _yaml_scalar(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def profile_yaml(values: dict[str, object] | None = None) -> str:
    """The profile as commented YAML (Chinese labels first); `values` by field key, default county otherwise."""
    values = values or {}
    lines = [f"# {bilingual(TEXTS['sheet'])} — hpa run --county county.yaml", f"# {bilingual(TEXTS['units'])}", ""]
    current: tuple[str, ...] = ()
    for spec in FIELDS:
        value = values.get(spec.key, spec.default)
        group = spec.path[:-1]
        if group != current:
            if group:
                lines.append(f"{group[0]}:")
            current = group
        indent = "  " * len(group)
        lines.append(f"{indent}# {spec.zh} / {spec.en}: {spec.note}")
        lines.append(f"{indent}{spec.path[-1]}: {_yaml_scalar(value)}".rstrip())
    return "\n".join(lines) + "\n"


def profile_xlsx(values: dict[str, object] | None = None) -> bytes:
    """The profile as a one-sheet workbook: item, value, note, key (the key column ties a row to its field)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    values = values or {}
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(list(HEADER))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for spec in FIELDS:
        sheet.append([spec.zh, values.get(spec.key, spec.default), spec.note, spec.key])
    for column, width in zip("ABCD", (26, 16, 60, 34)):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "B2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def init(out: Path) -> list[Path]:
    """Write county.yaml and county.xlsx into `out` (made if missing); refuses to replace files already there."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: expected a folder, found a file")
    targets = [out / YAML_NAME, out / XLSX_NAME]
    existing = [str(t) for t in targets if t.exists()]
    if existing:
        raise InputError(f"--out {out}: expected a folder without {YAML_NAME} or {XLSX_NAME}, found {', '.join(existing)} "
                         "(not replaced: move them away or choose another folder)")
    atomic.write_text(targets[0], profile_yaml())
    atomic.write_bytes(targets[1], profile_xlsx())
    return targets
