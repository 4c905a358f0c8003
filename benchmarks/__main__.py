"""`python -m benchmarks [SECTION ...]`: each section in its own process, so peak memory is its own."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

from benchmarks.common import machine

SECTIONS = ("engine", "population", "care", "scale", "interrupt", "protection", "drivers", "years")


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--section":
        result = importlib.import_module(f"benchmarks.{argv[1]}").run()
        Path("bench-output").mkdir(exist_ok=True)
        Path(f"bench-output/{argv[1]}.json").write_text(json.dumps(result, indent=2))
        return 0
    print(f"HPA-Sim benchmarks on {machine()}")
    failed = 0
    for section in argv or SECTIONS:
        print()
        done = subprocess.run([sys.executable, "-m", "benchmarks", "--section", section])
        failed += done.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
