"""`deploycount scan`: the AI-assistance signals of each commit of a range, streamed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from deploycount.attribution import Markers
from deploycount.history.reading import HistoryReader
from deploycount.identity import Person
from deploycount.render.scan import ScanRow


def scan_commits(fields: int, chunks: Iterable[bytes], markers: Markers) -> Iterator[ScanRow]:
    """The rows of a `git log -z` stream (`Repository.log_range_chunks`), newest first, as git
    prints them: read into the columns chunk by chunk, so only messages that can carry a marker
    are decoded."""
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
            attribution = attributions[reader.attribution_id(row)]
            yield ScanRow(columns.sha(row), author, attribution, columns.time(row))

    for chunk in chunks:
        yield from rows_of(reader.feed(chunk))
    yield from rows_of(reader.finish())
