"""Whether each shipped commit counts, decided in one place (README "Linking commits to
deploys"), and which commits are on the main line (where a revert is known whether or not a
deploy shipped it yet)."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping

from deploycount.history.columns import COUNTED, EXCLUDED, REVERTED
from deploycount.history.reading import LoadedHistory, compare_outside, outside_parents


class CommitStates:
    """Whether each shipped commit counts (README "Linking commits to deploys"), decided in this
    one place: a merge, an empty commit (its tree is its first parent's), a revert and a release
    commit (a release tool's version bump) are EXCLUDED; a commit that a revert undoes is
    REVERTED; every other one is COUNTED.

    `parent_trees` gives the trees of first parents that were not loaded (git is asked once)."""

    def __init__(
        self,
        history: LoadedHistory,
        shipped: array[int],
        parent_trees: Callable[[Iterable[str]], Mapping[str, str]],
    ) -> None:
        state, asked = history.columns.states(shipped)
        outside = outside_parents(history, asked)
        empty = compare_outside(history, outside, parent_trees(outside.values()) if outside else {})
        for row in asked:
            state[row] = EXCLUDED if row in empty else COUNTED
        for row in history.reverts:
            state[row] = EXCLUDED
        for row in history.releases:
            state[row] = EXCLUDED
        self._state = state
        self._releases = history.releases

    def releases_in(self, rows: Iterable[int]) -> int:
        """How many of `rows` are release commits (shipped, not counted)."""
        return sum(1 for row in rows if row in self._releases)

    def counts(self, row: int) -> bool:
        """Whether the commit counts (it may still be reverted)."""
        return self._state[row] != EXCLUDED

    def with_reverted(self, reverted: Iterable[int]) -> bytearray:
        """The state of every row, with the counted ones among `reverted` REVERTED."""
        state = bytearray(self._state)
        for row in reverted:
            if state[row] == COUNTED:
                state[row] = REVERTED
        return state


def mainline_marks(history: LoadedHistory, tip: str | None) -> array[int]:
    """A mark per row, >= 0 for the loaded commits on the main line (`tip`: the default
    branch's commit, else HEAD's): a revert there is known whether or not a deploy shipped it
    yet; one that lives only on an unmerged branch is not."""
    marks = array("i", [-1]) * len(history)
    row = history.row(tip) if tip else -1
    if row >= 0:
        history.columns.walk(row, marks, 0, None)
    return marks


class Known(Collection[int]):
    """The rows that deploys `first` to `stop` (exclusive) reached first, or that are on the
    main line, as a collection whose membership test is two comparisons (iterating it scans
    every row: the rare path)."""

    def __init__(self, reached_by: array[int], first: int, stop: int, mainline: array[int]) -> None:
        self.reached_by, self.first, self.stop = reached_by, first, stop
        self.mainline = mainline

    def __contains__(self, row: object) -> bool:
        return isinstance(row, int) and (
            self.first <= self.reached_by[row] < self.stop or self.mainline[row] >= 0
        )

    def __iter__(self) -> Iterator[int]:
        return (r for r in range(len(self.reached_by)) if r in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)
