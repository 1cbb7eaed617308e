"""Pure: which team a person or a commit belongs to (README "Teams and size")."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from deploycount.attribution import Attribution, Markers
from deploycount.identity import Person

UNASSIGNED = "unassigned"
ALL = "all"
RESERVED_TEAM_NAMES = frozenset({ALL, UNASSIGNED})
# GitHub's noreply addresses carry the login: 12345+login@ or login@users.noreply.github.com
_NOREPLY = re.compile(r"^(?:\d+\+)?([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)@users\.noreply\.github\.com$")


def noreply_login(email: str) -> str | None:
    """The GitHub login in a noreply address, else None."""
    found = _NOREPLY.match(email.lower())
    return found[1] if found else None


@dataclass(frozen=True, slots=True)
class Team:
    """A team: members as emails or globs, or `@login` for a GitHub account (all lower-cased),
    and an optional declared size."""

    name: str
    members: tuple[str, ...]
    size: int | None = None

    def has(self, email: str, login: str | None = None) -> bool:
        address = email.lower()
        for pattern in self.members:
            if pattern.startswith("@"):
                if login is not None and pattern[1:] == login:
                    return True
            elif fnmatchcase(address, pattern):
                return True
        return False

    @property
    def by_login(self) -> bool:
        return any(pattern.startswith("@") for pattern in self.members)


class TeamDirectory:
    """Looks people up in the configured teams; the first team that lists a person wins."""

    def __init__(
        self, teams: Sequence[Team], markers: Markers, logins: Mapping[str, str] | None = None
    ) -> None:
        """`logins` maps emails (lower-cased) to GitHub logins, for `@login` members; noreply
        addresses need no lookup."""
        self.teams = tuple(teams)
        self.markers = markers
        self.logins = logins or {}
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
            address = email.lower()
            login = self.logins.get(address) or noreply_login(address)
            cached = next((t.name for t in self.teams if t.has(address, login)), UNASSIGNED)
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


class OwnedDirectory(TeamDirectory):
    """The directory of a service that teams own (`[services.NAME] teams`): a commit or a person
    of one of the owning teams counts for that team; anybody else's counts for the first owner
    (a fix from another team still ships with the owner's service)."""

    def __init__(self, directory: TeamDirectory, owners: Sequence[str]) -> None:
        super().__init__(directory.teams, directory.markers, directory.logins)
        self.owners = tuple(owners)

    def _owner(self, team: str) -> str:
        return team if team in self.owners else self.owners[0]

    def team_of_email(self, email: str) -> str:
        return self._owner(super().team_of_email(email))

    def team_of_commit(self, author: Person, human_co_authors: Sequence[Person]) -> str:
        return self._owner(super().team_of_commit(author, human_co_authors))
