"""`deploycount scan`: the AI-assistance signals of each commit of a range, streamed."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from deploycount.attribution import Attribution, Markers, Person
from deploycount.commits import HistoryReader
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
    """The rows of the range, newest first, as git prints them: read into the columns chunk by
    chunk, so only messages that can carry a marker are decoded."""
    fields, chunks = repo.log_range_chunks(revrange or ["HEAD"], max_count=max_count)
    reader = HistoryReader(fields, markers, mentions=True)
    authors: dict[int, Person] = {}

    def rows_of(rows: range) -> Iterator[ScanRow]:
        columns = reader.loaded.columns
        attributions = reader.loaded.attributions
        for row in rows:
            ident = columns.ident(row)
            author = authors.get(ident)
            if author is None:
                name, email, _, _ = reader.identity(ident)
                author = authors[ident] = Person(name, email)
            yield ScanRow(columns.sha(row), author, attributions[reader.attribution_id(row)])

    for chunk in chunks:
        yield from rows_of(reader.feed(chunk))
    yield from rows_of(reader.finish())
