"""What linking and metrics need to know about one commit, distilled from git's output."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Mapping, Sequence
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
            message,
            raw.author_name,
            raw.author_email,
            raw.committer_name,
            raw.committer_email,
            notes=raw.notes,
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


def parents_outside(shipped: Sequence[str], commits: Mapping[str, CommitInfo]) -> list[str]:
    """First parents of shipped non-merge commits that were not loaded (their trees are needed
    to tell whether those commits are empty)."""
    outside = []
    for sha in shipped:
        commit = commits[sha]
        if not commit.is_merge and commit.parents and commit.parents[0] not in commits:
            outside.append(commit.parents[0])
    return outside


def empty_commits(
    shipped: Sequence[str], commits: Mapping[str, CommitInfo], outside_trees: Mapping[str, str]
) -> frozenset[str]:
    """Shipped non-merge commits whose tree equals their first parent's (or a root's empty tree).

    `outside_trees` holds the trees of the first parents that are not in `commits`."""
    empty = set()
    for sha in shipped:
        commit = commits[sha]
        if commit.is_merge:
            continue
        if not commit.parents:
            if commit.tree in EMPTY_TREES:
                empty.add(sha)
            continue
        parent = commit.parents[0]
        parent_tree = commits[parent].tree if parent in commits else outside_trees.get(parent)
        if parent_tree == commit.tree:
            empty.add(sha)
    return frozenset(empty)


def revert_targets(commits: Mapping[str, CommitInfo]) -> dict[str, str]:
    """Revert commit -> full sha of the commit it reverts, when that commit is loaded (an
    abbreviated sha is resolved when it names exactly one loaded commit)."""
    targets: dict[str, str] = {}
    sorted_shas: list[str] | None = None
    for sha, info in commits.items():
        target = info.reverts
        if target is None:
            continue
        if target not in commits:
            if sorted_shas is None:
                sorted_shas = sorted(commits)
            resolved = resolve_prefix(target, sorted_shas)
            if resolved is None:
                continue
            target = resolved
        targets[sha] = target
    return targets
