"""Pure: `scan` rows as a JSON array streamed in chunks, or as table lines."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from deploycount.attribution import Attribution
from deploycount.identity import Confidence, Person
from deploycount.terminal import inert

_CHUNK_ROWS = 1000
_CACHED_ATTRIBUTIONS = 10_000


@dataclass(frozen=True, slots=True)
class ScanRow:
    """One commit as `scan` shows it."""

    sha: str
    author: Person
    attribution: Attribution


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


SCAN_TABLE_HEADER = f"{'sha':<12}  {'AI':<3}  {'tools':<20}  {'confidence':<10}  signals"


def scan_table_line(row: ScanRow, minimum: Confidence) -> tuple[str, bool]:
    """One table line for a commit, and whether it is AI-assisted."""
    record = scan_record(row, minimum)
    signals = "; ".join(
        f"{s['signal']}={s['tool'] or '-'} ({s['confidence']})" for s in record["signals"]
    )
    tools = ",".join(record["tools"]) or "-"
    flag = "yes" if record["ai_assisted"] else "no"
    confidence = record["confidence"] or "-"
    line = f"{row.sha[:12]:<12}  {flag:<3}  {tools:<20}  {confidence:<10}  {signals or '-'}"
    return inert(line), bool(record["ai_assisted"])


def scan_summary(assisted: int, total: int, minimum: Confidence) -> str:
    return f"{assisted} of {total} commits AI-assisted at confidence {minimum.label} or above"


class ScanTable:
    """The table, line by line as rows arrive; `summary` afterwards counts what was shown."""

    def __init__(self, minimum: Confidence) -> None:
        self.minimum = minimum
        self.total = self.assisted = 0

    def lines(self, rows: Iterable[ScanRow]) -> Iterator[str]:
        yield SCAN_TABLE_HEADER
        for row in rows:
            line, is_ai = scan_table_line(row, self.minimum)
            self.total += 1
            self.assisted += is_ai
            yield line

    def summary(self) -> str:
        return scan_summary(self.assisted, self.total, self.minimum)
