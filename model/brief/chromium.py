"""The system Chromium that prints the brief to PDF: found, or installed with apt-get when missing and we are root.

Playwright only drives it (executable_path); it never downloads a browser of its own."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync"]


class NoChromium(RuntimeError):
    """No Chromium here, and none could be installed."""


def find_chromium(install: bool = True) -> str:
    """The path of the system Chromium; with `install`, apt-get installs Debian's chromium when missing (as root)."""
    for candidate in CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    if install and hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
            done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=900)
            if done.returncode != 0:
                raise NoChromium(f"{' '.join(command)} failed: {done.stderr[-500:]}")
        if Path(CANDIDATES[0]).is_file():
            return CANDIDATES[0]
    raise NoChromium("no Chromium at /usr/bin/chromium: install it (apt-get install chromium) to print brief.pdf")
