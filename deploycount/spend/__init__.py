"""What the AI-assisted work cost (docs/cost.md "What it cost"): spend read from the providers'
own exports and APIs, summed per team and day as it is read, never kept per person.

    --spend SPEC (files, APIs)  ->  Usage records (`formats`)  ->  one per key (duplicates
    dropped, conflicts refused)  ->  the team of each (members, [spend] team_of)  ->  sums per
    team and day (`SpendTable`)  ->  the report's figures (`figures`)
"""

from __future__ import annotations

import csv
import io
import json
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO

from deploycount.checks import Invalid, said
from deploycount.errors import UsageError
from deploycount.spend import formats
from deploycount.spend.formats import Usage

FILE_KINDS = ("claude-code", "anthropic-cost", "openai-costs", "copilot", "file")
API_KINDS = ("claude-code", "anthropic-cost", "openai-costs", "copilot")
_MAX_FILE = 1024 * 1024 * 1024  # JSONL and CSV are read line by line, up to 1 GiB
_MAX_DOCUMENT = 256 * 1024 * 1024  # a JSON document (an API answer saved whole) is read whole
_MAX_LINE = 16 * 1024 * 1024


@dataclass(frozen=True)
class SpendSpec:
    """`KIND:PATH` reads a file in KIND's format (`file:` is the generic one); a bare KIND asks
    the provider's API for the window."""

    kind: str
    path: str | None

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.path}" if self.path is not None else self.kind


def parse_spec(text: str) -> SpendSpec:
    kind, colon, path = text.partition(":")
    kind = kind.strip().lower()
    if colon and kind in FILE_KINDS and path.strip():
        return SpendSpec(kind, path.strip())
    if not colon and kind in API_KINDS:
        return SpendSpec(kind, None)
    raise UsageError(
        f"--spend {text[:80]!r}: expected KIND:FILE with KIND one of {', '.join(FILE_KINDS)} "
        f"(file: the generic format), or one of {', '.join(API_KINDS)} for the provider's API"
    )


@dataclass
class SpendTable:
    """Spend summed per (team, day) as it is read: cost in millionths of `currency`, and tokens
    input, output, cache reads, cache writes. Nothing per person is kept."""

    since: date
    until: date  # exclusive
    currency: str | None = None
    cells: dict[tuple[str, date], list[int]] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    read: int = 0  # records in the window
    duplicates: int = 0
    outside: int = 0  # records of days outside the window
    # each record's key and figures as two hashes: duplicates found without keeping records
    _seen: dict[int, int] = field(default_factory=dict, repr=False)
    # per team, the people (hashed) whose records it holds: a team's spend is shown only when
    # it is not one or two people's (the privacy floor, counted on the spenders)
    spenders: dict[str, set[int]] = field(default_factory=dict, repr=False)

    def add(self, usage: Usage, team: str) -> None:
        """Add one record to its team's day: a record outside the window is counted and left
        out; the same key again with the same figures is a duplicate (an export read twice),
        with other figures a conflict (Invalid, which never names the figures: they are one
        person's spend)."""
        if not self.since <= usage.day < self.until:
            self.outside += 1
            return
        key, value = hash(usage.key_of), hash((usage.cost, usage.tokens, usage.currency))
        known = self._seen.get(key)
        if known is not None:
            if known != value:
                raise Invalid(
                    "record", "repeats an earlier record's day, who and model with other figures"
                )
            self.duplicates += 1
            return
        self._seen[key] = value
        if self.currency is None:
            self.currency = usage.currency
        elif usage.currency != self.currency:
            raise Invalid(
                "currency",
                f"{usage.currency} beside {self.currency}: one report adds up one currency; "
                "convert the export, or report each currency apart",
            )
        if usage.person:
            self.spenders.setdefault(team, set()).add(hash(usage.person))
        cell = self.cells.get((team, usage.day))
        if cell is None:
            cell = self.cells[(team, usage.day)] = [0, 0, 0, 0, 0]
        cell[0] += usage.cost
        tokens = usage.tokens
        cell[1] += tokens[0]
        cell[2] += tokens[1]
        cell[3] += tokens[2]
        cell[4] += tokens[3]
        self.read += 1

    def total(self, teams: Iterable[str] | None, since: date, until: date) -> list[int]:
        """Cost and tokens of `teams` (None: all) over the days `since` to `until`."""
        wanted = None if teams is None else set(teams)
        sums = [0, 0, 0, 0, 0]
        for (team, day), cell in self.cells.items():
            if since <= day < until and (wanted is None or team in wanted):
                for index, value in enumerate(cell):
                    sums[index] += value
        return sums


TeamOf = Callable[[str, str], str]  # (person, key) -> the team its spend goes to


def readers(credit: int) -> dict[str, Callable[[object], Iterator[Usage]]]:
    """Each kind's reader of one record (or, for the cost reports, one day's bucket)."""
    return {
        "claude-code": formats.claude_code,
        "anthropic-cost": formats.anthropic_cost,
        "openai-costs": formats.openai_costs,
        "copilot": lambda record: formats.copilot(record, credit=credit),
        "file": _generic,
    }


def _generic(record: object) -> Iterator[Usage]:
    """The generic format: a CSV row comes read already (`_csv`), a JSON one is read here."""
    if isinstance(record, Usage):
        yield record
    else:
        yield from formats.generic(record)


def load_spend(
    specs: Sequence[SpendSpec],
    *,
    since: date,
    until: date,
    team_of: TeamOf,
    credit: int,
    environ: Mapping[str, str],
    log: Callable[[str], None] | None = None,
) -> SpendTable:
    """The spend of every source for the days `since` to `until` (exclusive), per team and
    day. A file that does not fit is one line naming it and the line (UsageError); an API that
    fails or answers out of its documented form, one line too (ExternalServiceError)."""
    table = SpendTable(since, until)
    read = readers(credit)
    teams: dict[tuple[str, str], str] = {}  # a person's team, looked up once, not every day
    for spec in specs:
        table.sources.append(spec.label)
        reader = read[spec.kind]
        if spec.path is None:
            from deploycount.spend.api import fetch  # noqa: PLC0415 - requests only when asked

            records = fetch(spec.kind, since, until, environ, log=log)
        else:
            records = read_records(Path(spec.path), spec.label, csv_rows=spec.kind == "file")
        for where, record in records:
            try:
                for usage in (record,) if isinstance(record, Usage) else reader(record):
                    who = (usage.person, usage.key)
                    team = teams.get(who)
                    if team is None:
                        team = teams[who] = team_of(*who)
                    table.add(usage, team)
            except Invalid as error:
                if spec.path is None:
                    from deploycount.errors import ExternalServiceError  # noqa: PLC0415

                    raise ExternalServiceError(
                        said(f"the {spec.kind} API's answer ({where})", error)
                    ) from None
                raise UsageError(said(f"{spec.label}:{where}", error)) from None
    return table


def read_records(path: Path, label: str, *, csv_rows: bool) -> Iterator[tuple[str, object]]:
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
        capped = io.BufferedReader(_Capped(handle, _MAX_FILE, label))
        text = io.TextIOWrapper(capped, encoding="utf-8-sig", newline="")
        try:
            lines = _lines(text, label)
            if csv_rows and path.suffix.lower() == ".csv":
                yield from _csv((line for _, line in lines), label)
                return
            first = next(lines, (1, ""))[1]
            stripped = first.strip()
            whole = stripped.startswith("[") or (
                stripped.startswith("{") and not _is_json(stripped)
            )
            if whole:
                rest = text.read(_MAX_DOCUMENT + 1 - len(first))
                if len(first) + len(rest) > _MAX_DOCUMENT:
                    raise UsageError(f"{label}: a JSON document larger than 256 MiB: export JSONL")
                yield from _document(first + rest, label)
                return
            yield from _jsonl_line(first, 1, label)
            for number, line in lines:
                yield from _jsonl_line(line, number, label)
        except UnicodeDecodeError:
            raise UsageError(f"{label}: not UTF-8 text") from None


def _lines(text: IO[str], label: str) -> Iterator[tuple[int, str]]:
    """The file's lines, numbered, none longer than 16 MiB (a record is a few hundred bytes: a
    longer line is no export, and would be held whole)."""
    number = 0
    while True:
        line = text.readline(_MAX_LINE + 1)
        if not line:
            return
        number += 1
        if len(line) > _MAX_LINE:
            raise UsageError(f"{label}:{number}: a line longer than 16 MiB: not an export")
        yield number, line


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


def _is_json(line: str) -> bool:
    try:
        json.loads(line)
    except (ValueError, RecursionError):
        return False
    return True


def _items(value: object) -> Iterator[object]:
    """An API page's `data`, else the value itself."""
    if isinstance(value, dict) and isinstance(value.get("data"), list):
        yield from value["data"]
    else:
        yield value


def _parsed(text: str, where: str) -> object:
    """JSON text, or one line (exit 2) naming `where` (the file, or the file and line)."""
    try:
        return json.loads(text)
    except ValueError as error:
        raise UsageError(f"{where}: not valid JSON: {str(error)[:80]}") from None
    except RecursionError:
        raise UsageError(f"{where}: JSON nested too deeply") from None


def _jsonl_line(line: str, number: int, label: str) -> Iterator[tuple[str, object]]:
    if not line.strip():
        return
    for item in _items(_parsed(line, f"{label}:{number}")):
        yield str(number), item


def _document(text: str, label: str) -> Iterator[tuple[str, object]]:
    value = _parsed(text, label)
    pages = value if isinstance(value, list) else [value]
    for number, page in enumerate(pages, start=1):
        for index, item in enumerate(_items(page), start=1):
            yield (f"{number}.{index}" if isinstance(page, dict) and "data" in page
                   else str(number)), item  # fmt: skip


def _csv(text: Iterable[str], label: str) -> Iterator[tuple[str, object]]:
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
                yield str(reader.line_num), columns.usage(cells)
            except Invalid as error:
                raise UsageError(said(f"{label}:{reader.line_num}", error)) from None
    except csv.Error as error:
        raise UsageError(f"{label}:{reader.line_num}: not CSV: {error}") from None
