"""Names and comments (issue 12, move 6), read with ast and tokenize, nothing imported: every public module-level
function and class of model/ says what it is in a docstring, and no comment or docstring carries a benchmark figure
(speed targets and measurements live in benchmarks/ and the README's Performance section, where they are re-measured)."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

MODEL = Path(__file__).resolve().parents[1] / "model"

# A measured speed: "8× faster", "30 times slower", "56,000 admissions/s", "12 ms", "1.2 s on", "20% faster".
# Not arithmetic ("256 × (d + 2)", "1.96 × the sd"), money or rates (万元/年, "per second" in a unit's name).
BENCHMARK_FIGURE = re.compile(
    r"\d[\d,.]*\s*(?:×|x|times)\s+(?:as\s+)?(?:faster|slower|quicker|quick|fast|slow)"
    r"|\d[\d,.]*\s*%\s+(?:faster|slower|quicker)"
    r"|\d[\d,.]*\s+[a-z]+/s\b"
    r"|\d[\d,.]*\s*(?:ms|µs|us|ns)\b"
    r"|\d[\d,.]*\s*s\s+on\s+(?:a|an|the|this|\d)"
    r"|\d[\d,.]*\s*[kMG]/s\b",
    re.IGNORECASE)


def _sources() -> list[tuple[Path, str]]:
    return [(path, path.read_text(encoding="utf-8")) for path in sorted(MODEL.rglob("*.py"))]


def _texts(source: str) -> list[tuple[int, str]]:
    """(line, text) of every comment and docstring of a module."""
    found = [(token.start[0], token.string) for token in tokenize.generate_tokens(io.StringIO(source).readline)
             if token.type == tokenize.COMMENT]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            docstring = ast.get_docstring(node, clean=False)
            if docstring:
                found.append((getattr(node, "lineno", 1), docstring))
    return found


def test_every_public_module_level_function_and_class_has_a_docstring() -> None:
    missing = [f"{path.relative_to(MODEL.parent)}:{node.lineno} {node.name}"
               for path, source in _sources() for node in ast.parse(source).body
               if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
               and not node.name.startswith("_") and not ast.get_docstring(node)]
    assert not missing, "public, without a docstring:\n" + "\n".join(missing)


def test_no_comment_or_docstring_carries_a_benchmark_figure() -> None:
    found = [f"{path.relative_to(MODEL.parent)}:{line}: {match.group(0)!r}"
             for path, source in _sources() for line, text in _texts(source)
             for match in BENCHMARK_FIGURE.finditer(text)]
    assert not found, "benchmark figures belong in benchmarks/ and the README, not in comments:\n" + "\n".join(found)


def test_the_benchmark_pattern_catches_narratives_and_spares_arithmetic() -> None:
    for narrative in ("parsed ~8× faster", "the bootstrap ran 30 times slower", "56,000 admissions/s", "takes 12 ms",
                      "1.2 s on a quiet machine", "20% faster", "3.5 M/s"):
        assert BENCHMARK_FIGURE.search(narrative), narrative
    for plain in ("a base of 256, so 256 × (d + 2)", "1.96 × the bootstrap sd", "a 5 × 5 table", "万元/年",
                  "spec §4.1 row 3", "P95 of 2,000 persons"):
        assert not BENCHMARK_FIGURE.search(plain), plain
