"""Histories for the pure core without git: rows written as the bytes `git log -z` prints, read
by the same `load_history` a report uses. Names stand for shas (a hex name is padded with zeros,
any other is hashed), so tests speak of commits "a", "c1" or "1234aaaa"."""

from __future__ import annotations

import hashlib
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from deploycount.attribution import Markers, builtin_markers
from deploycount.deploys.base import DeployEvent
from deploycount.history.linking import LinkedDeploy
from deploycount.history.reading import LoadedHistory, load_history
from deploycount.identity import Person
from deploycount.model import DeploymentRow
from deploycount.tallies import Partial, Tallies, Tally

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


# -- deploys on such histories ----------------------------------------------------------------

T0 = datetime(2026, 10, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def deploy(
    id: str, sha: str, day: float, status: str = "success", service: str = ""
) -> DeployEvent:
    """A deploy of the commit named `sha`, `day` days after T0."""
    return DeployEvent(id, hexsha(sha), "production", T0 + timedelta(days=day), status, service)  # type: ignore[arg-type]


def graph(parents: dict[str, tuple[str, ...]]) -> Built:
    """A history of commits named by their parents (no files, every tree alike)."""
    return build([Row(name, tuple(p)) for name, p in parents.items()])


def shipped_names(built: Built, linked: list[LinkedDeploy]) -> list[tuple[str, set[str]]]:
    return [(d.kind, built.names_of(d.shipped)) for d in linked]


# A line of history a <- b <- c <- d, and e branching off b.
PARENTS = {"a": (), "b": ("a",), "c": ("b",), "d": ("c",), "e": ("b",)}


# -- partials made by hand (the sums a report is computed from) ---------------------------------


def tally_of(
    deploys: Iterable[int] = (),
    ai_deploys: Iterable[int] = (),
    *,
    commits: int = 0,
    ai_commits: int = 0,
    people: Iterable[str] = (),
    ai_lead: Iterable[float] = (),
    human_lead: Iterable[float] = (),
    tools: dict[str, int] | None = None,
    person_weeks: Iterable[tuple[str, int]] | None = None,
) -> Tally:
    """A tally written out: deploys by index, people by key, lead times in seconds; each person
    active in the window's first week unless `person_weeks` says otherwise."""
    people = set(people)
    weeks = set(person_weeks) if person_weeks is not None else {(p, 0) for p in people}
    tally = Tally(set(deploys), set(ai_deploys), commits, ai_commits, people, weeks)
    tally.ai_lead.extend(ai_lead)
    tally.human_lead.extend(human_lead)
    tally.tools.update(tools or {})
    return tally


def row_of(id: str, day: float, commits: int, ai: int = 0, repository: str = "acme/api",
           kind: str = "ship") -> DeploymentRow:  # fmt: skip
    """A deployment row `day` days after T0."""
    when = (T0 + timedelta(days=day)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return DeploymentRow(
        id=id, sha=hexsha(id), time=when, kind=kind,  # type: ignore[arg-type]
        commits=commits, ai_commits=ai, repository=repository,
    )  # fmt: skip


def partial_of(
    rows: Sequence[DeploymentRow],
    totals: Tally,
    *,
    teams: dict[str, Tally] | None = None,
    repository: str = "acme/api",
    declared: Sequence[tuple[str, int | None]] = (),
    floor: int = 1,
) -> Partial:
    """One repository's partial over T0 to NOW (a 31-day window)."""
    tallies = Tallies(totals=totals)
    tallies.by_team.update(teams or {})
    return Partial(
        repository=repository, environment="production", deploy_source="tags:v*",
        since="2026-10-01T00:00:00Z", until="2026-11-01T00:00:00Z", weeks=31 / 7,
        min_team_size=floor, teams=list(declared), tallies=tallies, deployments=list(rows),
        rollbacks=0, failed_deployments=0, warnings=[],
    )  # fmt: skip
