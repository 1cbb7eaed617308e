"""Pure: which deploy first shipped which commit, and which commits count.

The rules are README "Linking commits to deploys"."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from deploycount.deploys.base import DeployEvent
from deploycount.errors import ShallowHistoryError

DeployKind = Literal["ship", "baseline", "redeploy", "rollback", "failed"]


@dataclass(frozen=True, slots=True)
class LinkedDeploy:
    """A deploy event in the window, its kind, and the commits it shipped for the first time."""

    event: DeployEvent
    kind: DeployKind
    shipped: tuple[str, ...]
    reached: tuple[str, ...] = ()  # a baseline's commits: reached first, never counted


def link_deploys(
    events: Sequence[DeployEvent],
    previous_sha: str | None,
    parents: Mapping[str, Sequence[str]],
    *,
    shallow: frozenset[str] = frozenset(),
    baseline: DeployEvent | None = None,
) -> list[LinkedDeploy]:
    """Link the window's events, in time order, to the commits each one ships first.

    `parents` holds the commits reachable from the window's deploys but not from any successful
    deploy before the window; a commit absent from it has therefore shipped already. The walk
    stops at commits already shipped, so the whole window costs one pass over the graph.
    `previous_sha` is the last successful deploy before the window (for redeploy vs rollback).
    `baseline`, the first successful deploy the source knows of when it falls in the window,
    ships nothing countable: what it reaches is marked shipped, and never listed.
    """
    shipped: set[str] = set()
    last_sha = previous_sha
    linked = []
    for event in events:
        if event.status != "success":
            linked.append(LinkedDeploy(event, "failed", ()))
            continue
        if event is baseline:
            # Shallow boundaries do not matter here: nothing the baseline reaches is counted.
            reached = _walk(event.sha, parents, shipped, frozenset())
            last_sha = event.sha
            linked.append(LinkedDeploy(event, "baseline", (), tuple(reached)))
            continue
        new = _walk(event.sha, parents, shipped, shallow)
        kind: DeployKind
        if new:
            kind = "ship"
        elif event.sha == last_sha:
            kind = "redeploy"
        else:
            kind = "rollback"
        last_sha = event.sha
        linked.append(LinkedDeploy(event, kind, tuple(new)))
    return linked


def _walk(
    start: str, parents: Mapping[str, Sequence[str]], shipped: set[str], shallow: frozenset[str]
) -> list[str]:
    new: list[str] = []
    stack = [start]
    while stack:
        sha = stack.pop()
        if sha in shipped or sha not in parents:
            continue
        if sha in shallow:
            raise ShallowHistoryError(
                f"this is a shallow clone and commit {sha[:12]} lacks its history: fetch it whole "
                "(actions/checkout with fetch-depth: 0, or git fetch --unshallow)"
            )
        shipped.add(sha)
        new.append(sha)
        stack.extend(parents[sha])
    return new


def reverted_shas(reverts: Mapping[str, str]) -> frozenset[str]:
    """Commits reverted by a revert that is itself still in force.

    `reverts` maps each revert commit to the commit it reverts. A revert that was reverted in
    turn (a re-apply) does not count, so the original commit is back. Cycles, which only a forged
    message can make, resolve to "not reverted" instead of looping.
    """
    reverters: dict[str, list[str]] = defaultdict(list)
    for revert, target in reverts.items():
        reverters[target].append(revert)
    state: dict[str, bool] = {}
    for root in reverters:
        stack: list[tuple[str, bool]] = [(root, False)]
        on_path: set[str] = set()
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
