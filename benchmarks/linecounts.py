"""`python benchmarks/linecounts.py [COMMIT ...]`: lines of Python per package of model/ at one or more commits.

Read from git (`git ls-tree`, `git cat-file`), no checkout. One row per package (model/<pkg>/, all its .py files
at any depth) and per top-level module (model/<name>.py), one column per commit, side by side; then the claims
reader and writer together (CLAIMS_READER_WRITER: update it when the files that read and write claims files
change). Lines are physical lines (what `wc -l` counts); a second table counts code lines only (not blank, not a
comment, not a docstring) with --code. Default commit: HEAD.
"""

from __future__ import annotations

import argparse
import ast
import io
import subprocess
import sys
import tokenize
from pathlib import PurePosixPath

PACKAGE = "model"
# the files that read and write spec §1 claims files and §2 payments (issue 12: together under 400 lines)
# (model/arrowtext.py holds the money parsing and Arrow views that moved out of the reader; counted with it)
CLAIMS_READER_WRITER = ("model/rules/claims_scan.py", "model/rules/textscan.py", "model/rules/claims_csv.py",
                        "model/rules/payments_csv.py", "model/rules/claims_messages.py", "model/arrowtext.py")


def git(*args: str) -> str:
    return subprocess.run(["git", *args], check=True, capture_output=True, text=True).stdout


def python_files(commit: str) -> dict[str, str]:
    """Path → blob id of every .py file under model/ at commit."""
    files = {}
    for row in git("ls-tree", "-r", commit, "--", PACKAGE).splitlines():
        meta, path = row.split("\t", 1)
        if path.endswith(".py") and meta.split()[1] == "blob":
            files[path] = meta.split()[2]
    return files


def blobs(ids: list[str]) -> dict[str, bytes]:
    """Contents of many blobs in one `git cat-file --batch`."""
    done = subprocess.run(["git", "cat-file", "--batch"], input="\n".join(ids).encode() + b"\n", check=True,
                          capture_output=True).stdout
    out, at = {}, 0
    for blob in ids:
        header_end = done.index(b"\n", at)
        size = int(done[at:header_end].split()[2])
        out[blob] = done[header_end + 1:header_end + 1 + size]
        at = header_end + 1 + size + 1
    return out


def code_lines(source: bytes) -> int:
    """Lines holding code: not blank, not only a comment, not part of a docstring."""
    text = source.decode("utf-8", "replace")
    docstrings: set[int] = set()
    try:
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
                first = node.body[0]
                if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                        and isinstance(first.value.value, str):
                    docstrings.update(range(first.lineno, first.end_lineno + 1))
    except SyntaxError:
        pass
    lines: set[int] = set()
    try:
        for token in tokenize.tokenize(io.BytesIO(source).readline):
            if token.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                                  tokenize.ENCODING, tokenize.ENDMARKER):
                lines.update(range(token.start[0], token.end[0] + 1))
    except (tokenize.TokenError, SyntaxError):
        return sum(1 for line in text.splitlines() if line.strip() and not line.strip().startswith("#"))
    return len(lines - docstrings)


def group_of(path: str) -> str:
    parts = PurePosixPath(path).parts
    return f"{parts[1]}/" if len(parts) > 2 else parts[1]


def counts(commit: str, code_only: bool) -> tuple[dict[str, int], dict[str, int]]:
    """(lines per package or top-level module, lines per file) at commit."""
    files = python_files(commit)
    contents = blobs(sorted(set(files.values())))
    per_file = {path: (code_lines(contents[blob]) if code_only else contents[blob].count(b"\n"))
                for path, blob in files.items()}
    per_group: dict[str, int] = {}
    for path, n in per_file.items():
        per_group[group_of(path)] = per_group.get(group_of(path), 0) + n
    return per_group, per_file


def table(commits: list[str], code_only: bool, claims_files: tuple[str, ...] = CLAIMS_READER_WRITER) -> str:
    labels = [git("rev-parse", "--short", f"{c}^{{commit}}").strip() for c in commits]
    data = [counts(c, code_only) for c in commits]
    groups = sorted(set().union(*(d[0] for d in data)), key=lambda g: (not g.endswith("/"), g))
    width = max(len("claims reader + writer"), *(len(g) for g in groups)) + 2
    head = f"{'model/' + (' (code lines)' if code_only else ''):<{width}}" + "".join(f"{l:>10}" for l in labels)
    if len(commits) > 1:
        head += f"{'change':>10}"
    rows = [head, "-" * len(head)]

    def row(name: str, values: list[int | None]) -> str:
        text = f"{name:<{width}}" + "".join(f"{'—' if v is None else f'{v:,}':>10}" for v in values)
        if len(values) > 1:
            text += f"{(values[-1] or 0) - (values[0] or 0):>+10,}"
        return text

    for group in groups:
        rows.append(row(group, [d[0].get(group) for d in data]))
    rows.append("-" * len(head))
    rows.append(row("total", [sum(d[0].values()) for d in data]))
    rows.append(row("claims reader + writer", [sum(d[1].get(p, 0) for p in claims_files) for d in data]))
    for path in claims_files:
        rows.append(row("  " + path.removeprefix("model/"), [d[1].get(path) for d in data]))
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("commits", nargs="*", default=["HEAD"])
    parser.add_argument("--code", action="store_true", help="count code lines only (no blanks, comments, docstrings)")
    parser.add_argument("--claims", help="comma-separated files of the claims reader and writer, instead of "
                        + ",".join(CLAIMS_READER_WRITER) + " (a file missing at a commit counts 0, shown —)")
    args = parser.parse_args(argv)
    claims = tuple(args.claims.split(",")) if args.claims else CLAIMS_READER_WRITER
    print(table(args.commits, args.code, claims))
    return 0


if __name__ == "__main__":
    sys.exit(main())
