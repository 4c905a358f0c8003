"""Writing results atomically: into a temporary sibling first, renamed into place only when complete."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _usual_mode(path: Path, directory: bool = False) -> None:
    """The permissions a plain new file or folder would get (mkstemp and mkdtemp make them owner-only)."""
    os.chmod(path, (0o777 if directory else 0o666) & ~_umask())


def write_chunks(path: Path, chunks) -> None:
    """Write byte chunks (bytes, or numpy uint8 arrays, written without copying) as one file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            for chunk in chunks:
                stream.write(memoryview(chunk))
        _usual_mode(Path(temporary))
        os.replace(temporary, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        if isinstance(exc, OSError) and exc.filename in (None, temporary):  # name the file meant, not the temporary
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None
        raise


def write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically: a temporary sibling, renamed into place once complete.

    Parameters
    ----------
    path : Path
        The file to write; its folder must exist.
    data : bytes
        The whole content.
    """
    write_chunks(path, [data])


def write_text(path: Path, text: str) -> None:
    """Write `text` (the whole content) to `path` as UTF-8, atomically, as write_bytes writes bytes."""
    write_bytes(path, text.encode("utf-8"))


@contextlib.contextmanager
def directory(path: Path) -> Iterator[Path]:
    """A temporary folder beside `path`, renamed to `path` when the block ends without error.

    An existing `path` is replaced only when hpa made it (model.outputs.replace_folder); the caller checks
    beforehand (model.outputs.check_folder) that the user allowed it with --force.
    """
    from model.outputs import replace_folder

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent))
    _usual_mode(staging, directory=True)
    try:
        yield staging
        replace_folder(staging, path)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError) and exc.filename is None:  # say which folder could not be written
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None
        raise
