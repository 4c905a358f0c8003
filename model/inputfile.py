"""Opening a user's input file: a regular file or a pipe, never a folder or a device, and never read without bound."""

from __future__ import annotations

import csv
import os
import stat
import sys
from contextlib import contextmanager
from pathlib import Path

from model.errors import InputError

CHUNK = 1 << 20


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "something that is not a file"


def check_status(path: Path, status: os.stat_result, what: str) -> None:
    """Refuse what is neither a regular file nor a pipe: a device such as /dev/zero would read without end."""
    if not (stat.S_ISREG(status.st_mode) or stat.S_ISFIFO(status.st_mode)):
        raise InputError(f"{path}: expected a {what}, found {_kind(status.st_mode)}")


def open_error(path: Path, exc: OSError, what: str) -> InputError:
    """The one message for a file that cannot be opened."""
    if isinstance(exc, (FileNotFoundError, NotADirectoryError)):
        return InputError(f"{path}: no such {what}")
    if isinstance(exc, IsADirectoryError):
        return InputError(f"{path}: expected a {what}, found a folder")
    return InputError(f"{path}: cannot read the {what}: {exc.strerror or exc}")


def read_all(file, path: Path, what: str, limit: int) -> bytes:
    """The rest of an open file or pipe, a chunk at a time, refused (one message) past `limit` bytes."""
    parts = []
    size = 0
    while True:
        part = file.read(min(CHUNK, limit + 1 - size))
        if not part:
            break
        parts.append(part)
        size += len(part)
        if size > limit:
            raise InputError(f"{path}: expected a {what} of at most {limit:,} bytes, found more")
    return b"".join(parts)


def read_bounded(path: Path | str, what: str, limit: int) -> bytes:
    """All of a regular file's or a pipe's bytes, refused (one message) past `limit` bytes."""
    path = Path(path)
    try:
        with path.open("rb") as file:
            status = os.fstat(file.fileno())
            check_status(path, status, what)
            if stat.S_ISREG(status.st_mode) and status.st_size > limit:
                raise InputError(f"{path}: expected a {what} of at most {limit:,} bytes, found {status.st_size:,} bytes")
            return read_all(file, path, what, limit)
    except OSError as exc:
        raise open_error(path, exc, what) from None


@contextmanager
def any_csv_field_size():
    """The csv module refuses fields over 131,072 characters unless told otherwise (messages quote any field)."""
    before = csv.field_size_limit(sys.maxsize)
    try:
        yield
    finally:
        csv.field_size_limit(before)
