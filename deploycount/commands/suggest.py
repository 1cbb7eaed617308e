"""`deploycount report --suggest`: a `[services]` section from the repository's release tags and
package manifests, for a monorepo's `.deploycount.toml`."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from deploycount.deploys.tags import package_tags
from deploycount.repository import Repository

_MAX_DEPTH = 4  # packages/scope/name/package.json
_MAX_MANIFESTS = 2000


def suggest(directory: str) -> str:
    repo = Repository(directory)
    tagged = package_tags([tag.name for tag in repo.tags()])
    # Installed dependencies are nobody's service.
    files = [p for p in repo.head_files() if "node_modules/" not in p and "vendor/" not in p]
    directories = {
        "/".join(parts[:depth])
        for path in files
        for parts in [path.split("/")[:-1]]
        for depth in range(1, min(len(parts), _MAX_DEPTH - 1) + 1)
    }
    manifests = [
        path for path in files
        if path.rsplit("/", 1)[-1] in MANIFESTS and path.count("/") < _MAX_DEPTH
    ][:_MAX_MANIFESTS]  # fmt: skip
    packages = []
    for path, text in repo.head_texts(manifests).items():
        name = manifest_name(path, text)
        if name is not None:
            packages.append(Package(name, path.rpartition("/")[0]))
    return suggest_services(tagged, packages, directories)


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
