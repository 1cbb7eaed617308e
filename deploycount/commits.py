"""What linking and metrics need to know about one commit, distilled from git's output."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from typing import NamedTuple

from deploycount.attribution import Attribution, Attributor, Markers, Person
from deploycount.history import RawCommit

_REVERT = re.compile(r"This reverts commit ([0-9a-fA-F]{7,64})\b")
EMPTY_TREES = frozenset(
    {
        "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
        "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321",
    }
)


class CommitInfo(NamedTuple):
    """A commit without its message: graph, tree, time, author after `.mailmap`, attribution.

    A NamedTuple because hundreds of thousands are made per report: construction is C-level."""

    sha: str
    parents: tuple[str, ...]
    tree: str
    committed_at: int
    author: Person
    attribution: Attribution
    reverts: str | None

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1


class CommitDistiller:
    """Turns raw commits into `CommitInfo`, sharing repeated identities to keep memory flat."""

    def __init__(self, markers: Markers, *, mentions: bool) -> None:
        self.attributor = Attributor(markers, mentions=mentions)
        self._people: dict[tuple[str, str], Person] = {}

    def __call__(self, raw: RawCommit) -> CommitInfo:
        message = raw.message
        attribution = self.attributor(
            message, raw.author_name, raw.author_email, raw.committer_name, raw.committer_email
        )
        revert = _REVERT.search(message) if "This reverts commit" in message else None
        key = (raw.mapped_name, raw.mapped_email)
        author = self._people.get(key)
        if author is None:
            author = self._people[key] = Person(*key)
        return CommitInfo(
            sha=raw.sha,
            parents=tuple(raw.parent_list.split()),
            tree=raw.tree,
            committed_at=int(raw.committed_at or 0),
            author=author,
            attribution=attribution,
            reverts=revert[1].lower() if revert else None,
        )


def resolve_prefix(prefix: str, sorted_shas: Sequence[str]) -> str | None:
    """The one sha in `sorted_shas` that starts with `prefix`, or None (absent or ambiguous)."""
    index = bisect_left(sorted_shas, prefix)
    if index == len(sorted_shas) or not sorted_shas[index].startswith(prefix):
        return None
    if index + 1 < len(sorted_shas) and sorted_shas[index + 1].startswith(prefix):
        return None
    return sorted_shas[index]
