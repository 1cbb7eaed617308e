"""Pure: the services of a monorepo, and which of them a changed path belongs to.

A path belongs to a service when one of the service's `paths` matches it the way `git log --
PATH` does: a path without wildcards matches itself and everything under it (`packages/api`
matches `packages/api/src/index.ts`); one with `*`, `?` or `[...]` must match the whole path,
and `*` crosses `/` (`packages/*.ts` matches `packages/api/src/index.ts`, but `packages/*/src`
matches no file: it names a directory).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import translate

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


def _pattern(path: str) -> str:
    """The regular expression of one service path (see the module's docstring)."""
    path = path.rstrip("/") or path
    if _WILDCARD.search(path):
        return translate(path).removeprefix("(?s:").removesuffix(")\\Z")
    return re.escape(path) + "(?:/.*)?"


class PathOwners:
    """Which services a path belongs to, as a bit mask (bit i: `services[i]`); each distinct
    path is matched once."""

    def __init__(self, services: Sequence[Service]) -> None:
        self.names = [service.name for service in services]
        self._patterns = [
            re.compile("|".join(f"(?:{_pattern(p)})" for p in service.paths), re.DOTALL)
            for service in services
        ]
        self._cache: dict[bytes, int] = {}

    def owners(self, path: bytes) -> int:
        found = self._cache.get(path)
        if found is None:
            text = path.decode("utf-8", "surrogateescape")
            found = 0
            for bit, pattern in enumerate(self._patterns):
                if pattern.fullmatch(text):
                    found |= 1 << bit
            self._cache[path] = found
        return found

    def of_paths(self, paths: Iterable[bytes]) -> int:
        mask = 0
        for path in paths:
            mask |= self.owners(path)
        return mask
