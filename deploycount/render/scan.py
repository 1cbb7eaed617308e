"""Pure: `scan` rows as a JSON array streamed in chunks, or as table lines."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from deploycount.attribution import Attribution
from deploycount.identity import Confidence, Person
from deploycount.terminal import inert

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


SCAN_TABLE_HEADER = (
    f"{'sha':<12}  {'date':<10}  {'author':<18}  {'AI':<3}  {'tools':<14}  {'confidence':<10}  "
    "subject"
)


def scan_table_lines(row: ScanRow, minimum: Confidence, subject: str) -> tuple[list[str], bool]:
    """A commit as `git log --oneline` readers expect it (sha, date, author, subject) with its
    verdict, and its signals on a line below; and whether it is AI-assisted."""
    record = scan_record(row, minimum)
    tools = ",".join(record["tools"]) or "-"
    flag = "yes" if record["ai_assisted"] else "no"
    confidence = record["confidence"] or "-"
    date = time.strftime("%Y-%m-%d", time.gmtime(row.committed_at))
    author = _cut(row.author.name or row.author.email, 18)
    lines = [
        f"{row.sha[:12]:<12}  {date:<10}  {author:<18}  {flag:<3}  {tools:<14}  "
        f"{confidence:<10}  {_cut(subject, 60)}".rstrip()
    ]
    signals = "; ".join(
        f"{s['signal']}={s['tool'] or '-'} ({s['confidence']})" for s in record["signals"]
    )
    if signals:
        lines.append(f"{'':12}  signals: {signals}")
    return [inert(line) for line in lines], bool(record["ai_assisted"])


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def scan_summary(assisted: int, total: int, minimum: Confidence) -> str:
    return f"{assisted} of {total} commits AI-assisted at confidence {minimum.label} or above"


class ScanTable:
    """The table, line by line as rows arrive; `summary` afterwards counts what was shown."""

    def __init__(self, minimum: Confidence) -> None:
        self.minimum = minimum
        self.total = self.assisted = 0

    def lines(
        self, rows: Iterable[ScanRow], subjects: Callable[[list[str]], Mapping[str, str]]
    ) -> Iterator[str]:
        """The table; `subjects` gives the subject line of each sha, asked for a batch of rows
        at a time (the history's columns keep no message they did not need)."""
        yield SCAN_TABLE_HEADER
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
            lines, is_ai = scan_table_lines(row, self.minimum, found.get(row.sha, ""))
            self.total += 1
            self.assisted += is_ai
            yield from lines

    def summary(self) -> str:
        return scan_summary(self.assisted, self.total, self.minimum)
