"""`deploycount scan`: the AI-assistance signals of each commit of a range, streamed."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from deploycount.attribution import Attribution, Attributor, Markers, Person
from deploycount.history import Repository


@dataclass(frozen=True, slots=True)
class ScanRow:
    """One commit as `scan` shows it."""

    sha: str
    author: Person
    attribution: Attribution


def scan_commits(
    repo: Repository, revrange: Sequence[str], markers: Markers, *, max_count: int | None = None
) -> Iterator[ScanRow]:
    attributor = Attributor(markers, mentions=True)
    for raw in repo.log_range(revrange or ["HEAD"], max_count=max_count):
        attribution = attributor(
            raw.message,
            raw.author_name,
            raw.author_email,
            raw.committer_name,
            raw.committer_email,
            notes=raw.notes,
        )
        yield ScanRow(raw.sha, raw.author, attribution)
