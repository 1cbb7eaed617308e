"""`notes`: the deploy ledger in git notes under `refs/notes/deploycount`.

Each note, attached to the deployed commit, holds one JSON event per line. Lines are merged as a
union by id, so two deploy jobs that write at once lose nothing. A line deploycount cannot read is
a warning naming its commit; every other event is still used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import ValidationError

from deploycount.deploys.base import EventRecord, LoadedEvents, describe_validation_error

if TYPE_CHECKING:
    from deploycount.history import Repository

NOTES_REF = "refs/notes/deploycount"
INCOMING_REF = "refs/notes/deploycount-incoming"  # where a remote's ledger lands before merging


@dataclass(frozen=True)
class LedgerLine:
    """One line of a note: the event it holds, or why it could not be read."""

    commit: str
    text: str
    record: EventRecord | None
    problem: str | None


def parse_note(commit: str, text: str) -> list[LedgerLine]:
    lines = []
    for raw in text.splitlines():
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
        except json.JSONDecodeError as error:
            lines.append(LedgerLine(commit, raw, None, f"not JSON ({error.msg})"))
            continue
        if not isinstance(item, dict):
            lines.append(LedgerLine(commit, raw, None, "not a JSON object"))
            continue
        try:
            record = EventRecord.model_validate(item)
        except ValidationError as error:
            lines.append(LedgerLine(commit, raw, None, describe_validation_error(error)))
            continue
        lines.append(LedgerLine(commit, raw, record, None))
    return lines


def read_ledger(repo: Repository, ref: str = NOTES_REF) -> list[LedgerLine]:
    """Every line of every note in the ledger, read through two git processes."""
    return [line for commit, text in repo.notes(ref) for line in parse_note(commit, text)]


def sync_ledger(repo: Repository, remote: str) -> str | None:
    """Bring the remote's ledger into the local one (a fresh clone has no notes). Returns a
    warning when the fetch failed; a remote without a ledger is not a problem."""
    if not repo.has_remote(remote):
        return None
    fetched, reason = repo.fetch_ref(remote, NOTES_REF, INCOMING_REF)
    if fetched:
        repo.merge_notes(INCOMING_REF, NOTES_REF)
        return None
    if reason == "missing":
        return None
    return f"could not fetch the deploy ledger from {remote} ({reason}): using the local ledger"


@dataclass
class NotesSource:
    """The ledger, first brought up to date from `remote` (once per report)."""

    remote: str = "origin"
    spec: str = "notes"
    warnings: list[str] = field(default_factory=list)
    _lines: list[LedgerLine] | None = None

    def lines(self, repo: Repository) -> list[LedgerLine]:
        if self._lines is None:
            warning = sync_ledger(repo, self.remote)
            if warning:
                self.warnings.append(warning)
            self._lines = read_ledger(repo)
        return self._lines

    def has_events(self, repo: Repository) -> bool:
        """Whether the ledger holds at least one readable event (any environment)."""
        return any(line.record is not None for line in self.lines(repo))

    def load(self, repo: Repository, environment: str) -> LoadedEvents:
        loaded = LoadedEvents([], list(self.warnings))
        seen: set[str] = set()
        for line in self.lines(repo):
            if line.record is None:
                loaded.warnings.append(
                    f"deploy ledger note on {line.commit[:12]}: skipped a line: {line.problem}"
                )
                continue
            event = line.record.to_event()
            if event.environment != environment or event.id in seen:
                continue
            seen.add(event.id)
            loaded.events.append(event)
        return loaded
