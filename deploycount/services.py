"""Pure: the services of a monorepo, and which of them a changed path belongs to.

A path belongs to a service when one of the service's `paths` matches it the way `git log --
PATH` does: a path without wildcards matches itself and everything under it (`packages/api`
matches `packages/api/src/index.ts`); one with `*`, `?` or `[...]` must match the whole path,
and `*` crosses `/` (`packages/*.ts` matches `packages/api/src/index.ts`, but `packages/*/src`
matches no file: it names a directory).
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Collection, Iterable, Sequence
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


def _pattern(glob: str) -> str:
    """The regular expression of a service path with wildcards: the whole path must match."""
    return translate(glob).removeprefix("(?s:").removesuffix(")\\Z")


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
            for path in service.paths:
                if path not in wild:
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


# -- suggesting a [services] section ---------------------------------------------------------

# Manifests that name a package, and how the name is written in each.
MANIFESTS = ("package.json", "go.mod", "pyproject.toml", "Cargo.toml")


@dataclass(frozen=True)
class Package:
    """A package a manifest declares: its name and the directory it lives in ("" = root)."""

    name: str
    directory: str


def manifest_name(path: str, text: str) -> str | None:
    """The package name a manifest declares, or None (unreadable, or no name)."""
    base = path.rsplit("/", 1)[-1]
    try:
        if base == "package.json":
            data = json.loads(text)
            name = data.get("name") if isinstance(data, dict) else None
        elif base == "go.mod":
            found = re.search(r"^module\s+(\S+)", text, re.MULTILINE)
            name = found[1] if found else None
        else:
            data = tomllib.loads(text)
            table = data.get("project" if base == "pyproject.toml" else "package", {})
            name = table.get("name") if isinstance(table, dict) else None
    except (ValueError, RecursionError):
        return None
    return name if isinstance(name, str) and name.strip() else None


def _directory_of(
    package: str, go_module: bool, packages: Sequence[Package], directories: Collection[str]
) -> str | None:
    """Where the package tagged `package` lives: the directory of the manifest naming it;
    for Go's `dir/vX` tags the directory itself; else the one directory of that base name
    (a manifest's first)."""
    for found in packages:
        if found.directory and found.name == package:
            return found.directory
    if go_module and package in directories:
        return package
    base = package.rsplit("/", 1)[-1]
    for candidates in ({p.directory for p in packages if p.directory}, directories):
        named = sorted(d for d in candidates if d.rsplit("/", 1)[-1] == base)
        if len(named) == 1:
            return named[0]
    return None


def suggest_services(
    tagged: Sequence[tuple[str, str, int]],
    packages: Sequence[Package],
    directories: Collection[str] = (),
) -> str:
    """A `[services]` section (TOML) for the packages whose releases are tagged per package
    (`tagged`: the package, the glob of its tags such as `ai@*`, how many), with the
    directory each lives in (`directories`: those of the repository, for packages no manifest
    names); packages of the manifests
    without tags follow, for deploys recorded with `record --service`."""
    lines = [
        "# [services] suggested by deploycount report --suggest from the release tags and the",
        "# package manifests at HEAD. Check each paths entry, add teams = [...] for the owners,",
        "# and put the section in .deploycount.toml (docs: Services in one repository).",
        "",
    ]
    used: set[str] = set()
    for package, glob, count in tagged:
        go_module = glob == f"{package}/v*"
        directory = _directory_of(package, go_module, packages, directories)
        section = [
            f"[services.{_key(package)}]",
            f"paths = [{json.dumps(directory or '?')}]",
            f"tags = {json.dumps(glob)}  # {count} release tag(s)",
        ]
        if directory is None:  # left for the reader to complete, commented out
            section = [f"# no directory found for {package}: name its paths", *section]
            section = [line if line.startswith("# no") else f"# {line}" for line in section]
        else:
            used.add(directory)
        lines += [*section, ""]
    untagged = [p for p in packages if p.directory and p.directory not in used]
    for found in sorted(untagged, key=lambda p: p.directory):
        lines += [
            f"[services.{_key(found.name)}]",
            f"paths = [{json.dumps(found.directory)}]",
            f"# no release tags: record its deploys with deploycount record --service "
            f"{_shell_word(found.name)}",
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


def _key(name: str) -> str:
    """`name` as a TOML key: bare when it can be, else quoted."""
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name)


def _shell_word(name: str) -> str:
    return name if re.fullmatch(r"[\w@./-]+", name) else "'" + name.replace("'", "'\\''") + "'"
