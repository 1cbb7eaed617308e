"""Pure: the services of a monorepo, which of them a changed path belongs to, and how their
streams become one repository's figures (each commit counted once in the totals).

A path belongs to a service when one of the service's `paths` matches it the way `git log --
PATH` does: a path without wildcards matches itself and everything under it (`packages/api`
matches `packages/api/src/index.ts`); one with `*`, `?` or `[...]` must match the whole path,
and `*` crosses `/` (`packages/*.ts` matches `packages/api/src/index.ts`, but `packages/*/src`
matches no file: it names a directory).
"""

from __future__ import annotations

import re
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from deploycount.errors import UsageError
from deploycount.history.linking import shipped_rows
from deploycount.model import FailureRow
from deploycount.tallies import Partial, Tallies, Tally, absorb, in_time_order, sources_label

if TYPE_CHECKING:  # the config imports this module, and the hook imports the config
    from deploycount.history.linking import LinkedDeploy, Links
    from deploycount.history.reading import LoadedHistory
    from deploycount.history.states import CommitStates
    from deploycount.teams import Team

_WILDCARD = re.compile(r"[*?\[]")


@dataclass(frozen=True)
class Service:
    """`[services.NAME]`: where its code lives, where its deploys come from (`tags`: a glob of
    tag names; None: ledger, file or GitHub events whose `service` is NAME), and the teams that
    own it (empty: each commit counts for its author's team)."""

    name: str
    paths: tuple[str, ...]
    tags: str | None = None
    teams: tuple[str, ...] = ()


def path_problem(path: str) -> str | None:
    """Why `path` cannot be a service's path, or None."""
    if not path or path != path.strip():
        return "must be a path without blanks around it"
    if path.startswith((":", "/")) or "\\" in path or "\0" in path:
        return "must be a path relative to the repository root, without pathspec magic"
    if any(part in (".", "..") for part in path.rstrip("/").split("/")):
        return "must not contain . or .. parts"
    return None


_CLASSES = {
    "alnum": r"0-9A-Za-z", "alpha": r"A-Za-z", "blank": r" \t", "cntrl": r"\x00-\x1f\x7f",
    "digit": r"0-9", "graph": r"!-~", "lower": r"a-z", "print": r" -~",
    "punct": r"!-/:-@\[-`{-~", "space": r" \t\n\r\f\v", "upper": r"A-Z", "xdigit": r"0-9A-Fa-f",
}  # fmt: skip


def _pattern(glob: str) -> str:
    """The regular expression of a service path with wildcards, as git's wildmatch reads a
    pathspec (without WM_PATHNAME): `*` and `?` cross `/`, `[...]` takes `!` or `^` to negate,
    ranges and `[:class:]`, a backslash quotes the next character; the whole path must match."""
    out, index = [], 0
    while index < len(glob):
        char = glob[index]
        index += 1
        if char == "\\" and index < len(glob):
            out.append(re.escape(glob[index]))
            index += 1
        elif char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "[":
            bracket, index = _bracket(glob, index)
            out.append(bracket)
        else:
            out.append(re.escape(char))
    return "".join(out)


def _bracket(glob: str, index: int) -> tuple[str, int]:
    """`[...]` from just after its `[`: the regex class and where the pattern goes on. One
    without a closing `]` matches nothing, as in git."""
    negate = index < len(glob) and glob[index] in "!^"
    index += negate
    parts, first = [], True
    while index < len(glob) and (glob[index] != "]" or first):
        first = False
        if glob.startswith("[:", index):
            end = glob.find(":]", index + 2)
            name = glob[index + 2 : end] if end != -1 else ""
            if name in _CLASSES:
                parts.append(_CLASSES[name])
                index = end + 2
                continue
        char = glob[index]
        if char == "\\" and index + 1 < len(glob):
            index += 1
            char = glob[index]
        if glob.startswith("-", index + 1) and index + 2 < len(glob) and glob[index + 2] != "]":
            parts.append(f"{re.escape(char)}-{re.escape(glob[index + 2])}")
            index += 3
            continue
        parts.append(re.escape(char))
        index += 1
    if index >= len(glob):
        return "(?!)", index  # never closed
    return f"[{'^' if negate else ''}{''.join(parts)}]", index + 1


class PathOwners:
    """Which services a path belongs to, as a bit mask (bit i: `services[i]`). A path without
    wildcards is looked up by the path's leading directories; the globs are matched as regular
    expressions. Each distinct path is worked out once."""

    def __init__(self, services: Sequence[Service]) -> None:
        self.names = [service.name for service in services]
        self._literal: dict[str, int] = {}
        globs: list[tuple[int, re.Pattern[str]]] = []
        for bit, service in enumerate(services):
            wild = [p for p in service.paths if _WILDCARD.search(p)]
            # git matches every pathspec literally first, as a path or a leading directory
            # (`apps/[locale]` is that directory), and one with wildcards as a glob besides.
            for path in service.paths:
                key = path.rstrip("/") or path
                self._literal[key] = self._literal.get(key, 0) | 1 << bit
            if wild:
                globs.append((bit, re.compile("|".join(f"(?:{_pattern(p)})" for p in wild))))
        self._globs = globs
        self._cache: dict[bytes, int] = {}

    def owners(self, path: bytes) -> int:
        found = self._cache.get(path)
        if found is None:
            text = path.decode("utf-8", "surrogateescape")
            found = self._literal.get(text, 0)
            end = text.find("/")
            while end != -1:
                found |= self._literal.get(text[:end], 0)
                end = text.find("/", end + 1)
            for bit, pattern in self._globs:
                if pattern.fullmatch(text):
                    found |= 1 << bit
            self._cache[path] = found
        return found

    def of_paths(self, paths: Iterable[bytes]) -> int:
        mask = 0
        for path in paths:
            mask |= self.owners(path)
        return mask


def check_owners(services: Sequence[Service], teams: Sequence[Team]) -> None:
    """Every team a service names as its owner is declared."""
    declared = {team.name for team in teams}
    for service in services:
        for team in service.teams:
            if team not in declared:
                raise UsageError(
                    f"services.{service.name}.teams: no team {team!r} is declared ([teams.NAME] "
                    "or a team source)"
                )


@dataclass(frozen=True)
class Monorepo:
    """The streams' deploys cut to the commits touching each service (`links`), and the
    commits that touch no service with the time each first shipped (None: before the span)."""

    links: list[tuple[list[LinkedDeploy], array[int]]]
    outside: list[datetime | None]
    owners: dict[int, int]  # per shipped row, the services (bits) whose paths it touches

    @classmethod
    def of(
        cls,
        history: LoadedHistory,
        services: Sequence[Service],
        links: Links,
        states: CommitStates,
        changed: dict[str, list[bytes]],
        *,
        more: Callable[[Sequence[str]], Mapping[str, list[bytes]]],
    ) -> Monorepo:
        """From the paths each commit changes (`changed`; `more` diffs the commits missing
        from it: those whose dates put them outside both halves read meanwhile)."""
        reached = shipped_rows(links)  # what `states` was made for: each row once
        missing = {history.columns.sha(row) for row in reached} - changed.keys()
        if missing:
            changed.update(more(sorted(missing)))
        owners = service_owners(history, services, reached, changed)
        cut = [
            (touching(linked, owners, bit), reached_by)
            for bit, (linked, reached_by) in enumerate(links)
        ]
        return cls(cut, outside_services(links, owners, states), owners)

    def first_shipped(self) -> list[list[LinkedDeploy]]:
        """`first_shipped` of the span: worked out once, each period takes its deploys."""
        return first_shipped(self.links, self.owners)

    def outside_in(self, since: datetime, until: datetime) -> int:
        """How many commits outside every service first shipped in the period."""
        return sum(1 for when in self.outside if when is not None and since <= when < until)


def service_owners(
    history: LoadedHistory,
    services: Sequence[Service],
    rows: array[int],
    changed: Mapping[str, Sequence[bytes]],
) -> dict[int, int]:
    """Per row of `rows`, the services (bits) whose paths the commit touches, from the paths
    it changes (`changed`)."""
    columns = history.columns
    paths = PathOwners(services)
    return {row: paths.of_paths(changed.get(columns.sha(row), ())) for row in rows}


def touching(linked: list[LinkedDeploy], owners: Mapping[int, int], bit: int) -> list[LinkedDeploy]:
    """`linked` with each deploy's shipped commits cut to those touching service `bit`."""
    flag = 1 << bit
    return [
        replace(d, shipped=array("i", (r for r in d.shipped if owners[r] & flag)))
        if d.shipped
        else d
        for d in linked
    ]


def outside_services(
    links: Links,
    owners: Mapping[int, int],
    states: CommitStates,
) -> list[datetime | None]:
    """The commits that touch no service and would count (not a merge, an empty commit or a
    revert), each as the time it first shipped: the first deploy of any service that reached
    it (None: a deploy before the span did). Each counts in one period, however many
    services' deploys reach it later."""
    outside = [r for r, mask in owners.items() if mask == 0 and states.counts(r)]
    first: list[datetime | None] = []
    for row in outside:
        times = [
            linked[reached_by[row]].event.time if reached_by[row] >= 0 else None
            for linked, reached_by in links
            if reached_by[row] != -1
        ]
        first.append(None if None in times else min(t for t in times if t is not None))
    return first


def first_shipped(links: Links, owners: Mapping[int, int]) -> list[list[LinkedDeploy]]:
    """The services' deploys of the span (`links`, each cut to its service's commits) with
    each commit left only with the first deploy, of any service, in time order, that shipped
    it: what the totals count each commit once by. A commit that a service owning it shipped
    before the span counts in none of them (an earlier report counted it), so consecutive
    windows add up to the report over their union."""
    seen: set[int] = set()
    for bit, (_, reached_by) in enumerate(links):
        flag = 1 << bit
        seen.update(row for row, mask in owners.items() if mask & flag and reached_by[row] == -2)
    order = sorted(
        (deploy.event.time, stream, index)
        for stream, (linked, _) in enumerate(links)
        for index, deploy in enumerate(linked)
    )
    firsts = [list(linked) for linked, _ in links]
    for _, stream, index in order:
        deploy = firsts[stream][index]
        rows = array("i", (row for row in deploy.shipped if row not in seen))
        seen.update(rows)
        firsts[stream][index] = replace(deploy, shipped=rows)
    return firsts


def _by_service(partials: Sequence[Partial]) -> list[str]:
    """Each service's warnings, naming the service; one that several services share is said
    once, naming them all (thirty services without deploys make one line, not thirty)."""
    services: dict[str, list[str]] = {}
    for partial in partials:
        for warning in partial.warnings:
            services.setdefault(warning, []).extend(partial.services)
    lines = []
    for warning, names in services.items():
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        lines.append(f"service{'s' if len(names) > 1 else ''} {shown}: {warning}")
    return lines


def combine_services(
    partials: Sequence[Partial],
    once: Sequence[Tallies],
    *,
    warnings: Sequence[str],
    outside: int,
    failures: Sequence[FailureRow] = (),
) -> Partial:
    """One repository's partial from its services' partials (each holds its service's tallies
    as its totals and under `by_service`). The deploys add up; commits, lead times, reverts,
    tools and people come from `once`, the tallies (per partial, as its deploys are numbered)
    where each commit is left only with the first deploy that shipped it: a commit two
    services ship counts once in the totals and the teams, and once in each service's row.
    `outside`: the commits that touch no service, shipped first in the period; `failures`:
    those of every service and the repository's incidents."""
    first = partials[0]
    rows, tallies, remaps = in_time_order(partials)
    tallies.outside_services = outside
    deployments, ai_deployments = tallies.totals.deployments, tallies.totals.ai_deployments
    tallies.totals, tallies.by_team = Tally(), defaultdict(Tally)
    for number, counted in enumerate(once):
        absorb(tallies.totals, counted.totals, remaps[number])
        for team, tally in counted.by_team.items():
            absorb(tallies.by_team[team], tally, remaps[number])
    tallies.totals.deployments, tallies.totals.ai_deployments = deployments, ai_deployments
    return Partial(
        repository=first.repository,
        environment=first.environment,
        deploy_source=sources_label(partials),
        since=first.since,
        until=first.until,
        weeks=first.weeks,
        min_team_size=first.min_team_size,
        teams=first.teams,
        tallies=tallies,
        deployments=rows,
        rollbacks=sum(p.rollbacks for p in partials),
        failed_deployments=sum(p.failed_deployments for p in partials),
        warnings=[*warnings, *_by_service(partials)],
        services=[name for p in partials for name in p.services],
        failures=[replace(f, repository=first.repository) for f in failures],
        min_n=first.min_n,
    )
