"""Reading a spend export from a file: JSONL, a JSON document (an API answer saved whole), or
the generic format's CSV; capped in size, line by line, every record with its place in the file
for the one-line error that refuses it.

JSON is parsed by pydantic's parser (its core, in Rust, a dependency already): a year of a large
organisation's records parses in less than half the time the standard library's takes. Like the
standard library's, it keeps the last of repeated keys and reads NaN (which no amount accepts);
it refuses lone surrogates, and nesting past 200 levels.
"""

from __future__ import annotations

import csv
import io
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, TypeVar

from pydantic_core import from_json

from deploycount.checks import Invalid, said
from deploycount.errors import UsageError
from deploycount.spend import Where, formats

_MAX_FILE = 1024 * 1024 * 1024  # JSONL and CSV are read line by line, up to 1 GiB
_MAX_DOCUMENT = 256 * 1024 * 1024  # a JSON document (an API answer saved whole) is read whole
_MAX_LINE = 16 * 1024 * 1024


def read_records(path: Path, label: str, *, csv_rows: bool) -> Iterator[tuple[Where, object]]:
    """(where, record) of a file: JSONL (a record or an API page `{"data": [...]}` per line),
    a JSON document (a page, or an array of pages or of records), or for the generic format a
    CSV with a header. Lines are read one at a time: memory stays flat whatever the size, up to
    1 GiB; a JSON document is read whole, up to 256 MiB."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # before opening: a pipe would block
            raise UsageError(f"{label}: not a regular file (a device, a pipe or a directory)")
        handle = path.open("rb")
    except FileNotFoundError:
        raise UsageError(f"{label}: no such file") from None
    except OSError as error:
        raise UsageError(f"{label}: cannot read it ({error.strerror})") from None
    with handle:
        capped = io.BufferedReader(_Capped(handle, _MAX_FILE, label), 1024 * 1024)
        if csv_rows and path.suffix.lower() == ".csv":
            text = io.TextIOWrapper(capped, encoding="utf-8-sig", newline="")
            try:
                yield from _csv(_lines(text, label), label)
            except UnicodeDecodeError:
                raise UsageError(f"{label}: not UTF-8 text") from None
            return
        lines = _lines(capped, label)
        first = next(lines, b"").removeprefix(b"\xef\xbb\xbf")  # a byte order mark
        stripped = first.strip()
        if stripped.startswith(b"[") or (stripped.startswith(b"{") and not _is_json(stripped)):
            rest = capped.read(_MAX_DOCUMENT + 1 - len(first))
            if len(first) + len(rest) > _MAX_DOCUMENT:
                raise UsageError(f"{label}: a JSON document larger than 256 MiB: export JSONL")
            yield from _document(first + rest, label)
            return
        yield from _jsonl_line(first, 1, label)
        for number, line in enumerate(lines, start=2):
            yield from _jsonl_line(line, number, label)


Line = TypeVar("Line", str, bytes)


def _lines(handle: IO[Line], label: str) -> Iterator[Line]:
    """The file's lines, none longer than 16 MiB (a record is a few hundred bytes: a
    longer line is no export, and would be held whole)."""
    number = 0
    readline = handle.readline
    while line := readline(_MAX_LINE + 1):
        number += 1
        if len(line) > _MAX_LINE:
            raise UsageError(f"{label}:{number}: a line longer than 16 MiB: not an export")
        yield line


class _Capped(io.RawIOBase):
    """A file that refuses to be read past `limit` bytes."""

    def __init__(self, handle: io.BufferedReader, limit: int, label: str) -> None:
        self.handle, self.left, self.label = handle, limit, label

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self.left <= 0:
            if self.handle.read(1):
                raise UsageError(f"{self.label}: larger than 1 GiB: split the export by month")
            return 0
        view = memoryview(buffer)[: min(len(buffer), self.left)]
        count = self.handle.readinto(view)
        self.left -= count
        return count


def _is_json(text: bytes) -> bool:
    try:
        from_json(text)
    except ValueError:
        return False
    return True


def _items(value: object) -> Iterator[object]:
    """An API page's `data`, else the value itself."""
    if isinstance(value, dict) and isinstance(value.get("data"), list):
        yield from value["data"]
    else:
        yield value


def _parsed(text: bytes, where: str) -> object:
    """JSON text, or one line (exit 2) naming `where` (the file, or the file and line)."""
    try:
        return from_json(text)
    except ValueError as error:
        try:
            text.decode()
        except UnicodeDecodeError:
            raise UsageError(f"{where}: not UTF-8 text") from None
        raise UsageError(f"{where}: not valid JSON: {str(error)[:80]}") from None


def _jsonl_line(line: bytes, number: int, label: str) -> Iterator[tuple[Where, object]]:
    if line.isspace() or not line:
        return
    value = _parsed(line, f"{label}:{number}")
    if type(value) is dict and type(value.get("data")) is not list:
        yield number, value  # a record: the common case, without _items
        return
    for item in _items(value):
        yield number, item


def _document(text: bytes, label: str) -> Iterator[tuple[Where, object]]:
    value = _parsed(text, label)
    pages = value if isinstance(value, list) else [value]
    for number, page in enumerate(pages, start=1):
        for index, item in enumerate(_items(page), start=1):
            yield (f"{number}.{index}" if isinstance(page, dict) and "data" in page
                   else str(number)), item  # fmt: skip


def _csv(text: Iterable[str], label: str) -> Iterator[tuple[Where, object]]:
    """The generic format's rows as `Usage` (read by column: `formats.CsvColumns`)."""
    reader = csv.reader(text)
    try:
        header = next(reader, [])
        unknown = [name for name in header if name not in formats.GENERIC_FIELDS]
        if unknown or "day" not in header or "cost" not in header:
            raise UsageError(
                f"{label}:1: the header must name the generic format's columns "
                f"({', '.join(formats.GENERIC_FIELDS)}), with day and cost"
            )
        columns = formats.CsvColumns(header)
        for cells in reader:
            if len(cells) != columns.size:
                if not cells:
                    continue
                more = "more" if len(cells) > columns.size else "fewer"
                raise UsageError(f"{label}:{reader.line_num}: {more} cells than the header names")
            try:
                yield reader.line_num, columns.usage(cells)
            except Invalid as error:
                raise UsageError(said(f"{label}:{reader.line_num}", error)) from None
    except csv.Error as error:
        raise UsageError(f"{label}:{reader.line_num}: not CSV: {error}") from None
