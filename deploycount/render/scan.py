"""Pure: `scan` rows as a JSON array streamed in chunks, or as table lines."""

from __future__ import annotations

import json
import textwrap
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from deploycount.attribution import Attribution
from deploycount.identity import Confidence, Person
from deploycount.terminal import clip, inert, pad

_CHUNK_ROWS = 1000
_SUBJECT_BATCH = 500
_CACHED_ATTRIBUTIONS = 10_000


@dataclass(frozen=True, slots=True)
class ScanRow:
    """One commit as `scan` shows it."""

    sha: str
    author: Person
    attribution: Attribution
    committed_at: int = 0  # Unix seconds


def scan_record(row: ScanRow, minimum: Confidence) -> dict[str, Any]:
    """The JSON object of one commit (README: `scan --format json`)."""
    attribution = row.attribution
    confidence = attribution.confidence()
    return {
        "sha": row.sha,
        "author": str(row.author),
        "ai_assisted": attribution.is_ai(minimum),
        "tools": list(attribution.tools(minimum)),
        "confidence": confidence.label if confidence else None,
        "signals": [
            {
                "signal": s.signal,
                "tool": s.tool,
                "confidence": s.confidence.label,
                "detail": s.detail,
            }
            for s in attribution.signals
        ],
    }


def scan_json_chunks(rows: Iterable[ScanRow], minimum: Confidence) -> Iterator[str]:
    """A JSON array, one chunk of text at a time, so a long history never sits in memory.

    An element differs from commit to commit only in sha and author, given its attribution (and
    equal attributions are one object): the rest is rendered once per attribution and the
    element is filled into a template instead of going through json.dumps."""
    authors: dict[Person, str] = {}
    rests: dict[int, tuple[Attribution, str]] = {}
    yield "["
    pending: list[str] = []
    separator = "\n  "
    for row in rows:
        author = authors.get(row.author)
        if author is None:
            author = authors[row.author] = json.dumps(str(row.author), ensure_ascii=False)
        known = rests.get(id(row.attribution))
        if known is None:
            record = scan_record(row, minimum)
            del record["sha"], record["author"]
            # The attribution is kept with its text, so its id is never reused meanwhile.
            known = rests[id(row.attribution)] = (
                row.attribution,
                json.dumps(record, ensure_ascii=False)[1:],
            )
            if len(rests) > _CACHED_ATTRIBUTIONS:
                rests.clear()
        element = f'{{"sha": "{row.sha}", "author": {author}, {known[1]}'
        pending.append(separator + element)
        separator = ",\n  "
        if len(pending) >= _CHUNK_ROWS:
            yield "".join(pending)
            pending.clear()
    yield "".join(pending) + "\n]\n"


# sha, date, author, AI, tools, confidence, then the subject in what is left of the line: at
# 80 columns (or COLUMNS) every line fits; authors and tools are cut by display width.
_COLUMNS = (("sha", 8), ("date", 10), ("author", 14), ("AI", 3), ("tools", 10), ("conf.", 6))
_FIXED = sum(width for _, width in _COLUMNS) + 2 * len(_COLUMNS)
MIN_SUBJECT = 12


def scan_table_header() -> str:
    return "  ".join(pad(name, width) for name, width in _COLUMNS) + "  subject"


def scan_table_lines(
    row: ScanRow, minimum: Confidence, subject: str, columns: int = 80
) -> tuple[list[str], bool]:
    """A commit as `git log --oneline` readers expect it (sha, date, author, subject) with its
    verdict, and its signals on a line below; and whether it is AI-assisted. Every line fits
    `columns` display columns."""
    record = scan_record(row, minimum)
    tools = ",".join(record["tools"]) or "-"
    flag = "yes" if record["ai_assisted"] else "no"
    confidence = record["confidence"] or "-"
    date = time.strftime("%Y-%m-%d", time.gmtime(row.committed_at))
    cells = [row.sha[:8], date, inert(row.author.name or row.author.email), flag, tools, confidence]
    room = max(MIN_SUBJECT, columns - _FIXED)
    line = "  ".join(pad(clip(cell, w), w) for cell, (_, w) in zip(cells, _COLUMNS, strict=True))
    lines = [f"{line}  {clip(inert(subject), room)}".rstrip()]
    signals = "; ".join(
        f"{s['signal']}={s['tool'] or '-'} ({s['confidence']})" for s in record["signals"]
    )
    if signals:
        lines += textwrap.wrap(
            inert(f"signals: {signals}"), max(40, columns), initial_indent=" " * 10,
            subsequent_indent=" " * 12, break_on_hyphens=False,
        )  # fmt: skip
    return lines, bool(record["ai_assisted"])


def scan_summary(assisted: int, total: int, minimum: Confidence) -> str:
    return f"{assisted} of {total} commits AI-assisted at confidence {minimum.label} or above"


class ScanTable:
    """The table, line by line as rows arrive; `summary` afterwards counts what was shown."""

    def __init__(self, minimum: Confidence, columns: int = 80) -> None:
        self.minimum = minimum
        self.columns = columns
        self.total = self.assisted = 0

    def lines(
        self, rows: Iterable[ScanRow], subjects: Callable[[list[str]], Mapping[str, str]]
    ) -> Iterator[str]:
        """The table; `subjects` gives the subject line of each sha, asked for a batch of rows
        at a time (the history's columns keep no message they did not need)."""
        yield scan_table_header()
        batch: list[ScanRow] = []
        for row in rows:
            batch.append(row)
            if len(batch) == _SUBJECT_BATCH:
                yield from self._lines(batch, subjects)
                batch = []
        yield from self._lines(batch, subjects)

    def _lines(
        self, batch: list[ScanRow], subjects: Callable[[list[str]], Mapping[str, str]]
    ) -> Iterator[str]:
        found = subjects([row.sha for row in batch]) if batch else {}
        for row in batch:
            subject = found.get(row.sha, "")
            lines, is_ai = scan_table_lines(row, self.minimum, subject, self.columns)
            self.total += 1
            self.assisted += is_ai
            yield from lines

    def summary(self) -> str:
        return scan_summary(self.assisted, self.total, self.minimum)
