"""Pure: which deploy first shipped which commit, and which commits count.

The rules are README "Linking commits to deploys"."""

from __future__ import annotations

import sys
from array import array
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, TypeAlias, TypeVar

from deploycount.deploys.base import DeployEvent, shipped_shas
from deploycount.errors import ShallowHistoryError

DeployKind = Literal["ship", "baseline", "redeploy", "rollback", "failed"]


@dataclass(frozen=True, slots=True)
class LinkedDeploy:
    """A deploy event in the window, its kind, and the commits (rows of the history) it shipped
    for the first time."""

    event: DeployEvent
    kind: DeployKind
    shipped: Sequence[int]
    reached: Sequence[int] = ()  # a baseline's commits: reached first, never counted


class Graph(Protocol):
    """The commit graph linking walks: rows, parents, shas (`columns.HistoryColumns`)."""

    def __len__(self) -> int: ...
    def index(self, sha: str) -> int: ...
    def sha(self, index: int) -> str: ...
    def walk(
        self, start: int, mark: array[int], value: int, stop: bytes | bytearray | None
    ) -> tuple[array[int], int]: ...


def link_deploys(
    events: Sequence[DeployEvent],
    previous_sha: str | None,
    graph: Graph,
    *,
    shallow: Iterable[str] = (),
    baseline: DeployEvent | None = None,
    mark: array[int] | None = None,
) -> list[LinkedDeploy]:
    """Link the window's events, in time order, to the commits each one ships first.

    `graph` holds the commits reachable from the window's deploys but not from any successful
    deploy before the window; a commit absent from it has therefore shipped already. The walk
    stops at commits already shipped, so the whole window costs one pass over the graph.
    `previous_sha` is the last successful deploy before the window (for redeploy vs rollback);
    `shallow` are the commits whose parents a shallow clone lacks.
    `baseline`, the first successful deploy the source knows of when it falls in the window,
    ships nothing countable: what it reaches is marked shipped, and never listed.
    `mark`, when given, receives per row the index in `events` of the deploy that reached it
    first (-1: none); it must hold -1 for every row.
    """
    mark = mark if mark is not None else array("i", [-1]) * len(graph)
    stop: bytearray | None = None
    for sha in shallow:
        row = graph.index(sha)
        if row >= 0:
            stop = stop if stop is not None else bytearray(len(graph))
            stop[row] = 1
    last_sha = previous_sha
    linked = []
    for number, event in enumerate(events):
        if event.status != "success":
            linked.append(LinkedDeploy(event, "failed", ()))
            continue
        start = graph.index(event.sha)
        if event is baseline:
            # Shallow boundaries do not matter here: nothing the baseline reaches is counted.
            reached, _ = graph.walk(start, mark, number, None)
            last_sha = event.sha
            linked.append(LinkedDeploy(event, "baseline", (), reached))
            continue
        new, boundary = graph.walk(start, mark, number, stop)
        if boundary >= 0:
            raise ShallowHistoryError(
                f"this is a shallow clone and commit {graph.sha(boundary)[:12]} lacks its "
                "history: fetch it whole (actions/checkout with fetch-depth: 0, or git fetch "
                "--unshallow)"
            )
        kind: DeployKind
        if new:
            kind = "ship"
        elif event.sha == last_sha:
            kind = "redeploy"
        else:
            kind = "rollback"
        last_sha = event.sha
        linked.append(LinkedDeploy(event, kind, new))
    return linked


Commit = TypeVar("Commit", bound=Hashable)


def reverted_shas(reverts: Mapping[Commit, Iterable[Commit]]) -> frozenset[Commit]:
    """Commits reverted by a revert that is itself still in force.

    `reverts` maps each revert commit to the commits it reverts (a squash of several reverts
    reverts each). A revert that was reverted in
    turn (a re-apply) does not count, so the original commit is back. Cycles, which only a forged
    message can make, resolve to "not reverted" instead of looping.
    """
    reverters: dict[Commit, list[Commit]] = defaultdict(list)
    for revert, targets in reverts.items():
        for target in targets:
            reverters[target].append(revert)
    state: dict[Commit, bool] = {}
    for root in reverters:
        stack: list[tuple[Commit, bool]] = [(root, False)]
        on_path: set[Commit] = set()
        while stack:
            sha, expanded = stack.pop()
            if sha in state:
                continue
            if expanded:
                on_path.discard(sha)
                state[sha] = any(not state.get(r, False) for r in reverters.get(sha, ()))
                continue
            on_path.add(sha)
            stack.append((sha, True))
            stack.extend((r, False) for r in reverters.get(sha, ()) if r not in on_path)
    return frozenset(sha for sha, is_reverted in state.items() if is_reverted)


# per stream: its deploys, and the deploy that reached each row first (`link_streams`)
Links: TypeAlias = "Sequence[tuple[list[LinkedDeploy], array[int]]]"


def link_streams(
    graph: Graph,
    parts: Sequence[tuple[Sequence[DeployEvent], Sequence[DeployEvent]]],
    baselines: Sequence[DeployEvent | None],
    *,
    shallow: Iterable[str] = (),
) -> list[tuple[list[LinkedDeploy], array[int]]]:
    """Each stream's deploys in the span (`parts`: per stream, the events before it and in it)
    linked to the commits each shipped first, and the mark per row of the deploy that reached
    it first (-1: none, -2: a deploy before the span). Streams with the same deploys share one
    array of marks: it is read, never written, after linking.

    Linking a stream's span in time order gives each deploy the commits it shipped first, the
    same as linking each period on its own: the walk stops at what earlier deploys reached. A
    service's earlier deploys are walked first, when another service needed their history."""
    links = []
    # Streams with the same deploys (3,000 services that all take `v*` tags) link alike: one
    # walk and one array of marks for them all, so memory grows with services plus commits.
    done: dict[Hashable, tuple[list[LinkedDeploy], array[int]]] = {}
    for (before, span), baseline in zip(parts, baselines, strict=True):
        key = (
            tuple((e.sha, e.status) for e in before),
            tuple((e.sha, e.status) for e in span),
            next((n for n, e in enumerate(span) if e is baseline), -1),
        )
        if key in done:
            linked, marks = done[key]
            own = zip(span, linked, strict=True)
            links.append(([LinkedDeploy(e, d.kind, d.shipped, d.reached) for e, d in own], marks))
            continue
        reached_by = array("i", [-1]) * len(graph)
        for sha in shipped_shas(before):
            row = graph.index(sha)
            if row >= 0:
                graph.walk(row, reached_by, -2, None)
        linked = link_deploys(
            span,
            last_success(before),
            graph,
            shallow=shallow,
            baseline=baseline,
            mark=reached_by,
        )
        done[key] = linked, narrowed(reached_by, len(linked))
        links.append(done[key])
    return links


def narrowed(marks: array[int], deploys: int) -> array[int]:
    """`marks` (each -2, -1 or a deploy's number below `deploys`) in the narrowest array that
    holds them: one byte per row for up to 127 deploys, two for up to 32,767. A report keeps a
    mark per row for every stream: 3,000 services over 10,000 commits held 120 MB of them. Each
    small int is the low part of the machine's int (two's complement), read in place."""
    for code in ("b", "h"):
        narrow = array(code)
        if deploys < 1 << (8 * narrow.itemsize - 1) and marks.itemsize > narrow.itemsize:
            step = marks.itemsize // narrow.itemsize
            narrow.frombytes(marks.tobytes())
            return narrow[0 if sys.byteorder == "little" else step - 1 :: step]
    return marks


def last_success(events: Sequence[DeployEvent]) -> str | None:
    """The sha of the last successful deploy among `events` (time order)."""
    return next((e.sha for e in reversed(events) if e.status == "success"), None)


def shipped_rows(links: Links) -> array[int]:
    """The rows the linked deploys shipped, each once (services' deploys ship some alike)."""
    return array("i", dict.fromkeys(r for linked, _ in links for d in linked for r in d.shipped))
