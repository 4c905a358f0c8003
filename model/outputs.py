"""Where a command may write: a new path, or one hpa made itself and only with --force; never a user's own files."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from model.errors import InputError

CREATED_BY = "hpa-sim"  # every folder hpa writes carries manifest.json {"created_by": CREATED_BY, ...}
SHOWN = 4  # entries of a refused folder named in the message


def made_by_hpa(folder: Path) -> bool:
    """True when `folder` is a real folder (not a link) whose manifest.json says hpa made it."""
    folder = Path(folder)
    if folder.is_symlink() or not folder.is_dir():
        return False
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("created_by") == CREATED_BY


def contents(folder: Path) -> str:
    """What a folder holds, in a few words: 'it is empty' or 'it holds notes.txt, data/ and 3 more'."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        return f"it cannot be read ({exc.strerror})"
    if not entries:
        return "it is empty"
    names = [e.name + ("/" if e.is_dir(follow_symlinks=False) else "") for e in entries[:SHOWN]]
    more = f" and {len(entries) - SHOWN} more" if len(entries) > SHOWN else ""
    return "it holds " + ", ".join(names) + more


def _never_replaced(path: Path) -> str | None:
    """Why `path` may never be written over (the root, the home or current folder or one above it), or None."""
    resolved = path.resolve()
    here = Path.cwd().resolve()
    if resolved == Path(resolved.anchor):
        return "is the root folder"
    if resolved == here:
        return "is the current folder"
    if resolved in here.parents:
        return "holds the current folder"
    if resolved == Path.home().resolve():
        return "is your home folder"
    return None


def _check_place(path: Path, option: str) -> None:
    """The folders above `path`: no file among them, and the nearest existing one writable."""
    for above in path.absolute().parents:
        if above.exists():
            if not above.is_dir():
                raise InputError(f"{option} {path}: {above} is a file, not a folder; choose a path in a folder")
            try:  # the one sure test, for any user (root too) and any file system (read-only, /proc)
                with tempfile.TemporaryFile(dir=above):
                    pass
            except OSError as exc:
                raise InputError(f"{option} {path}: cannot write in {above} ({exc.strerror or exc}); "
                                 "choose another place") from None
            return
        if above.is_symlink():  # a dangling link above the path
            raise InputError(f"{option} {path}: {above} is a broken link; choose another place")


def check_not_protected(path: Path, option: str = "--out") -> None:
    """Refuse the root, home or current folder, or a folder above the current one, whatever the options."""
    reason = _never_replaced(Path(path))
    if reason:
        raise InputError(f"{option} {path}: {reason}; hpa never replaces it: give a new folder name, such as results/my-run")


def check_folder(path: Path, force: bool, option: str = "--out") -> None:
    """Refuse, before any work, an output folder that hpa may not write (see the module line)."""
    path = Path(path)
    check_not_protected(path, option)
    _check_place(path, option)
    if not path.exists() and not path.is_symlink():
        return
    if path.is_symlink() or not path.is_dir():
        kind = "a link" if path.is_symlink() else "a file"
        raise InputError(f"{option} {path}: is {kind}, not a folder hpa made; hpa leaves it alone: give a new folder name")
    if not made_by_hpa(path):
        raise InputError(f"{option} {path}: the folder exists and hpa did not make it ({contents(path)}); "
                         "hpa writes only into a new folder or, with --force, over one it made: give a new folder name")
    if not force:
        raise InputError(f"{option} {path}: holds an earlier hpa result; pass --force to replace it, or give a new folder name")


def check_file(path: Path, force: bool, option: str = "-o") -> None:
    """Refuse, before any work, an output file that may not be written: a folder, a special file, or
    an existing file without --force."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{option} {path}: is a folder; give the name of a file to write")
    _check_place(path, option)
    if path.is_symlink() or path.exists():
        if path.is_symlink() or not path.is_file():
            raise InputError(f"{option} {path}: is not a plain file (a link or a device); hpa leaves it alone: give a new file name")
        if not force:
            raise InputError(f"{option} {path}: the file exists; pass --force to replace it, or give a new file name")


def replace_folder(staging: Path, path: Path) -> None:
    """Rename the finished `staging` folder to `path`; an existing `path` must be one hpa made. The old one is
    moved aside first and removed only once the new one is in place."""
    staging, path = Path(staging), Path(path)
    if not (path.exists() or path.is_symlink()):
        os.rename(staging, path)  # fails rather than merges if a folder appeared there meanwhile
        return
    if not made_by_hpa(path):
        raise InputError(f"{path}: the folder appeared during the run and hpa did not make it ({contents(path)}); "
                         f"it was left as it is")
    retired = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
    os.rename(path, retired / path.name)
    os.rename(staging, path)
    shutil.rmtree(retired, ignore_errors=True)
