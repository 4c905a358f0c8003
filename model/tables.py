"""Writing tables as CSV text: plain fields, quoted only where a value needs it."""

from __future__ import annotations

import io

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv


def _needs_quotes(table: pa.Table) -> bool:
    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            if pc.any(pc.match_substring_regex(column, r'[,"\r\n]')).as_py():
                return True
    return False


def csv_bytes(table: pa.Table) -> bytes:
    """CSV with a plain header row (column names are plain words) and rows quoted only if some value needs it."""
    sink = io.BytesIO()
    sink.write((",".join(table.column_names) + "\n").encode("utf-8"))
    style = "needed" if _needs_quotes(table) else "none"
    pacsv.write_csv(table, sink, pacsv.WriteOptions(quoting_style=style, include_header=False))
    return sink.getvalue()


def yuan_text(fen: np.ndarray) -> np.ndarray:
    """'1234.50' for 123450 fen, vectorized: exactly two decimals, as claims files write money."""
    fen = np.asarray(fen, dtype=np.int64)
    return np.char.add(np.char.add((fen // 100).astype(str), "."), np.char.zfill((fen % 100).astype(str), 2))
