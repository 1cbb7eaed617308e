"""Histories for the pure core without git: rows written as the bytes `git log -z` prints, read
by the same `load_history` a report uses. Names stand for shas (a hex name is padded with zeros,
any other is hashed), so tests speak of commits "a", "c1" or "1234aaaa"."""

from __future__ import annotations

import hashlib
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from deploycount.attribution import Markers, builtin_markers
from deploycount.history.reading import LoadedHistory, load_history
from deploycount.identity import Person

DEFAULT_AUTHOR = Person("A", "a@x")


def hexsha(name: str) -> str:
    if len(name) == 40 and all(c in string.hexdigits for c in name):
        return name.lower()
    if all(c in string.hexdigits for c in name):
        return name.lower().ljust(40, "0")
    return hashlib.sha1(name.encode()).hexdigest()


@dataclass(frozen=True)
class Row:
    name: str
    parents: tuple[str, ...] = ()
    tree: str = "tree"
    time: int = 0
    author: Person = DEFAULT_AUTHOR
    message: str = "change"
    committer: Person | None = None
    note: str = ""


def log_bytes(rows: Iterable[Row], *, notes: bool = False) -> bytes:
    """The stream of `git log -z --format=LOG_FORMAT` (or `LOG_FORMAT_NOTES`) for `rows`."""
    out = []
    for row in rows:
        committer = row.committer or row.author
        fields = [
            hexsha(row.name),
            " ".join(hexsha(p) for p in row.parents),
            hexsha(row.tree),
            row.author.name,
            row.author.email,
            row.author.name,
            row.author.email,
            committer.name,
            committer.email,
            str(row.time),
            *([row.note] if notes else []),
            row.message,
        ]
        out.append("\x00".join(fields).encode())
    return b"".join(record + b"\x00" for record in out)


@dataclass
class Built:
    history: LoadedHistory
    names: dict[str, str]  # sha -> name

    def name(self, row: int) -> str:
        return self.names[self.history.sha(row)]

    def names_of(self, rows: Sequence[int]) -> set[str]:
        return {self.name(r) for r in rows}


def build(
    rows: Sequence[Row],
    *,
    markers: Markers | None = None,
    mentions: bool = False,
    chunk: int = 7,
    notes: bool = False,
) -> Built:
    """Load `rows` as a report would, fed in chunks of `chunk` bytes (commits split anywhere)."""
    data = log_bytes(rows, notes=notes)
    chunks = [data[i : i + chunk] for i in range(0, len(data), chunk)]
    history = load_history(
        12 if notes else 11, chunks, markers or builtin_markers(), mentions=mentions
    )
    names = {hexsha(r.name): r.name for r in rows}
    for row in rows:
        names.update({hexsha(p): p for p in row.parents})
    return Built(history, names)
