"""Reading a file named on the command line or in config: a regular file only (a FIFO would
block for ever, a device never end), at most `limit` bytes, UTF-8; anything else is one usage
error naming it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from deploycount.errors import UsageError


def read_text_file(path: str | Path, *, label: str, limit: int) -> str:
    where = Path(path)
    try:
        if not stat.S_ISREG(where.stat().st_mode):
            raise UsageError(f"{label}: not a regular file (a device, a pipe or a directory)")
        with where.open("rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise UsageError(f"{label}: no such file") from None
    except OSError as error:
        raise UsageError(f"{label}: cannot read it ({error.strerror})") from None
    if len(data) > limit:
        raise UsageError(f"{label}: larger than {limit // (1024 * 1024)} MiB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{label}: not UTF-8 text") from None


def symlink_loop(path: str | Path) -> str | None:
    """`a -> b -> a` when following `path`'s links comes back to where it was (the system
    would only say 'too many levels of symbolic links', naming neither); else None."""
    seen: list[str] = []
    current = Path(path).absolute()
    for _ in range(64):
        if not current.is_symlink():
            return None
        if str(current) in seen:
            return " -> ".join([*seen[seen.index(str(current)) :], str(current)])
        seen.append(str(current))
        current = (current.parent / os.readlink(current)).absolute()
    return " -> ".join(seen[:3]) + " -> …"
