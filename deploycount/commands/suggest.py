"""`deploycount report --suggest`: a `[services]` section from the repository's release tags and
package manifests, for a monorepo's `.deploycount.toml`.

What it prints always parses and always loads: a section the config would refuse (a reserved or
unprintable name, a path that is not one, a directory whose name is not UTF-8), or one that would
count wrongly (its tags glob also takes another package's tags, no release for a year, no
release at all) is written commented out, with the reason on the line above it. Every step is
linear in the tags, files and manifests: packages are found by name and directories by their
last part through dictionaries, never by scanning one list per package.
"""

from __future__ import annotations

import json
import re
import tomllib
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from deploycount import checks
from deploycount.checks import Invalid
from deploycount.config import SERVICE_LONGEST, SERVICE_RESERVED
from deploycount.deploys.tags import ROOT_RELEASE, TagsSource, tag_package
from deploycount.repository import Repository, TagRef
from deploycount.services import path_problem
from deploycount.timeutil import from_unix

# Manifests that name a package, and how the name is written in each.
MANIFESTS = ("package.json", "go.mod", "pyproject.toml", "Cargo.toml")
MAX_MANIFESTS = 5000  # read at most; a larger tree says how many were left
STALE = timedelta(days=365)  # no release for this long: not suggested as a live service
_UNOWNED = ("node_modules/", "vendor/")  # installed dependencies are nobody's service


@dataclass(frozen=True)
class Package:
    """A package a manifest declares: its name and the directory it lives in ("" = root)."""

    name: str
    directory: str


@dataclass(frozen=True)
class Released:
    """A package whose releases are tagged: its tags' glob, how many, when the last was."""

    name: str
    glob: str
    tags: int
    last: datetime | None


def suggest(directory: str, *, now: datetime) -> str:
    repo = Repository(directory)
    tags = repo.tags()
    files = [p for p in repo.head_files() if not any(part in p for part in _UNOWNED)]
    directories = {
        path[:cut] for path in files for cut in _slashes(path)
    }  # every leading directory, at any depth
    manifests = [p for p in files if p.rsplit("/", 1)[-1] in MANIFESTS]
    packages = []
    for path, text in repo.head_texts(manifests[:MAX_MANIFESTS]).items():
        name = manifest_name(path, text)
        if name is not None:
            packages.append(Package(name, path.rpartition("/")[0]))
    notes = []
    if len(manifests) > MAX_MANIFESTS:
        notes.append(
            f"read the first {MAX_MANIFESTS:,} of {len(manifests):,} manifests: the packages of "
            "the others are not named here"
        )
    root_tags = sum(1 for t in tags if ROOT_RELEASE.match(t.name))
    return suggest_services(
        releases(tags), packages, directories, now=now, notes=notes, root_tags=root_tags
    )


def _slashes(path: str) -> Iterable[int]:
    at = path.find("/")
    while at != -1:
        yield at
        at = path.find("/", at + 1)


def releases(tags: Sequence[TagRef]) -> list[Released]:
    """Each package's releases, most tags first, with the glob that takes its tags and no other
    package's (the tighter glob when the first would; None when neither can)."""
    by_package: dict[str, list[TagRef]] = defaultdict(list)
    globs: dict[str, tuple[str, str]] = {}
    for tag in tags:
        found = tag_package(tag.name)
        if found is not None:
            by_package[found[0]].append(tag)
            globs[found[0]] = found[1]
    owner = {tag.name: name for name, own in by_package.items() for tag in own}
    names = sorted(owner)
    found_releases = []
    for name, own in by_package.items():
        glob = next((g for g in globs[name] if _only_its_own(g, name, owner, names)), "")
        times = [t.created_at for t in own if t.created_at is not None]
        last = from_unix(max(times)) if times else None
        found_releases.append(Released(name, glob, len(own), last))
    return sorted(found_releases, key=lambda r: (-r.tags, r.name))


def _only_its_own(glob: str, name: str, owner: Mapping[str, str], names: Sequence[str]) -> bool:
    """Whether `glob` takes no tag of another package: only the tags that start as the glob
    does are tried, found by bisection in the sorted `names`."""
    source = TagsSource.from_argument(glob)
    start = re.split(r"[*?\[]", glob, maxsplit=1)[0]
    first = bisect_left(names, start)
    last = bisect_left(names, start + "\U0010ffff", first)
    return all(owner[tag] == name for tag in names[first:last] if source.matches(tag))


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


class _Places:
    """Where a tagged package lives, looked up by name and by a directory's last part."""

    def __init__(self, packages: Sequence[Package], directories: Collection[str]) -> None:
        self.by_name: dict[str, str] = {}
        for package in packages:
            if package.directory:
                self.by_name.setdefault(package.name, package.directory)
        self.directories = directories
        self.by_base: list[dict[str, set[str]]] = [defaultdict(set), defaultdict(set)]
        for index, places in enumerate(({p.directory for p in packages if p.directory},
                                        directories)):  # fmt: skip
            for place in places:
                self.by_base[index][place.rsplit("/", 1)[-1]].add(place)

    def of(self, released: Released) -> str | None:
        """The directory of the manifest naming it; for Go's `dir/vX` tags the directory itself;
        else the one directory of that last part (a manifest's first)."""
        if released.name in self.by_name:
            return self.by_name[released.name]
        if released.glob.startswith(f"{released.name}/v") and released.name in self.directories:
            return released.name
        base = released.name.rsplit("/", 1)[-1]
        for index in (0, 1):
            named = self.by_base[index].get(base, set())
            if len(named) == 1:
                return next(iter(named))
        return None


def suggest_services(
    released: Sequence[Released],
    packages: Sequence[Package],
    directories: Collection[str] = (),
    *,
    now: datetime,
    notes: Sequence[str] = (),
    root_tags: int = 0,
) -> str:
    """A `[services]` section (TOML) for the packages whose releases are tagged per package,
    with the directory each lives in; the packages of the manifests without release tags
    follow, commented out until their deploys are recorded with `record --service`."""
    lines = [
        "# [services] suggested by deploycount report --suggest from the release tags and the",
        "# package manifests at HEAD. Check each paths entry, add teams = [...] for the owners,",
        "# and put the section in .deploycount.toml (docs: Services in one repository).",
        *(f"# {_one_line(note)}" for note in notes),
    ]
    if root_tags:
        lines.append(
            f"# The repository's own releases ({root_tags} tag(s) such as v1.2.3) are the "
            "default deploys: no service needed."
        )
    lines.append("")
    places = _Places(packages, directories)
    chosen: dict[str, str] = {}  # directory -> service
    sections = []
    for package in released:
        directory = places.of(package)
        reason = (
            _name_problem(package.name)
            or (None if package.glob else f"no tags glob takes {package.name}'s tags alone")
            or (None if directory else f"no directory found for {package.name}: name its paths")
            or (_path_problem(directory) if directory else None)
            or _stale(package, now)
        )
        entries = [
            f"paths = [{_toml(directory or '?')}]",
            f"tags = {_toml(package.glob or '?')}  # {package.tags} release tag(s)",
        ]
        if reason is None and directory is not None:
            chosen.setdefault(directory, package.name)
        sections.append((package.name, directory, entries, reason))
    for manifest in sorted(packages, key=lambda p: p.directory):
        if manifest.directory and manifest.directory not in chosen:
            reason = (
                f"no release tags: once its deploys are recorded (deploycount record "
                f"--service {_shell_word(manifest.name)}), uncomment it; until then its commits "
                "count outside the services"
            )
            sections.append((manifest.name, manifest.directory, [
                f"paths = [{_toml(manifest.directory)}]"], reason))  # fmt: skip
    for name, directory, entries, reason in sections:
        if reason is None and directory is not None:
            parent = _inside(directory, chosen)
            if parent is not None:
                lines.append(
                    f"# inside the paths of {_one_line(parent)}: a commit here counts for both"
                )
        section = [f"[services.{_key(name)}]", *entries]
        if reason is not None:
            lines.append(f"# {_one_line(reason)}")
            section = [f"# {_one_line(line)}" for line in section]
        lines += [*section, ""]
    return "\n".join(lines).rstrip() + "\n"


def _name_problem(name: str) -> str | None:
    """Why the config would refuse `name` as a service, or None."""
    try:
        checks.group_name(name, "name", what="service", reserved=SERVICE_RESERVED,
                          longest=SERVICE_LONGEST)  # fmt: skip
    except Invalid as error:
        return f"not suggested: {error.reason}"
    return None if _utf8(name) else f"not suggested: the name {name!a} is not UTF-8"


def _path_problem(directory: str) -> str | None:
    if not _utf8(directory):
        return f"not suggested: the directory {directory!a} is not UTF-8"
    problem = path_problem(directory)
    return f"not suggested: the path {directory!r} {problem}" if problem else None


def _stale(package: Released, now: datetime) -> str | None:
    if package.last is None or now - package.last <= STALE:
        return None
    return (
        f"no release of {package.name} since {package.last:%Y-%m-%d}: uncomment it if it "
        "still deploys"
    )


def _inside(directory: str, chosen: Mapping[str, str]) -> str | None:
    """The service whose directory holds `directory`, if another does."""
    for cut in _slashes(directory):
        if directory[:cut] in chosen:
            return chosen[directory[:cut]]
    return None


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _toml(text: str) -> str:
    """A TOML basic string: quotes and backslashes escaped, every character that is not
    printable as a \\u escape; non-ASCII text stays as it is."""
    escaped = []
    for char in text:
        if char in '"\\':
            escaped.append("\\" + char)
        elif char.isprintable() and _utf8(char):
            escaped.append(char)
        else:
            escaped.append(f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}")
    return '"' + "".join(escaped) + '"'


def _key(name: str) -> str:
    """`name` as a TOML key: bare when it can be, else quoted."""
    if re.fullmatch(r"[A-Za-z0-9_-]+", name):
        return name
    return _toml(name)


def _one_line(text: str) -> str:
    """Text for a comment: no line end or control character can close the comment early, and
    nothing that is not UTF-8."""
    return "".join(c if c.isprintable() and _utf8(c) else ascii(c)[1:-1] for c in text)


def _shell_word(name: str) -> str:
    return name if re.fullmatch(r"[\w@./-]+", name) else "'" + name.replace("'", "'\\''") + "'"
