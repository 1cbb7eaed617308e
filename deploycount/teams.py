"""Pure: which team a person or a commit belongs to (README "Teams and size")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from deploycount.attribution import Attribution, Markers, Person

UNASSIGNED = "unassigned"
ALL = "all"
RESERVED_TEAM_NAMES = frozenset({ALL, UNASSIGNED})


@dataclass(frozen=True, slots=True)
class Team:
    """A team from config: member emails or globs (lower-cased), optional declared size."""

    name: str
    members: tuple[str, ...]
    size: int | None = None

    def has(self, email: str) -> bool:
        address = email.lower()
        return any(fnmatchcase(address, pattern) for pattern in self.members)


class TeamDirectory:
    """Looks people up in the configured teams; the first team that lists a person wins."""

    def __init__(self, teams: Sequence[Team], markers: Markers) -> None:
        self.teams = tuple(teams)
        self.markers = markers
        self._cache: dict[str, str] = {}
        self._human: dict[Person, bool] = {}

    def is_human(self, person: Person) -> bool:
        known = self._human.get(person)
        if known is None:
            known = self._human[person] = self.markers.is_human(person)
        return known

    def team_of_email(self, email: str) -> str:
        cached = self._cache.get(email)
        if cached is None and not self.teams:
            return UNASSIGNED
        if cached is None:
            cached = next((t.name for t in self.teams if t.has(email)), UNASSIGNED)
            self._cache[email] = cached
        return cached

    def human_co_authors(
        self, attribution: Attribution, mailmap: Mapping[Person, Person]
    ) -> list[Person]:
        """Co-authors that are people (not AI, not bots), after `.mailmap`."""
        return [mailmap.get(p, p) for p in attribution.co_authors if self.is_human(p)]

    def team_of_commit(self, author: Person, human_co_authors: Sequence[Person]) -> str:
        """The author's team; for an AI or bot author, its first human co-author's team."""
        if self.is_human(author):
            return self.team_of_email(author.email)
        if human_co_authors:
            return self.team_of_email(human_co_authors[0].email)
        return UNASSIGNED
