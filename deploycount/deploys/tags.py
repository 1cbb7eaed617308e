"""`tags:GLOB,...`: every matching tag is a successful production deploy of its commit.

Pre-release versions (`v1.2.0-rc.1`, `v2.0.0-beta2`, PEP 440 `1.0a1`, `2.0rc1`, `v0.71.1.dev`) are
not deploys unless the spec asks for them with `+prereleases`: a project that tags a release and,
a minute later, the next version's `.dev` would otherwise count every release twice.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import translate
from functools import cached_property
from typing import TYPE_CHECKING

from deploycount.deploys.base import DeployEvent, LoadedEvents
from deploycount.errors import UsageError
from deploycount.options import DEFAULT_ENVIRONMENT
from deploycount.timeutil import from_unix

if TYPE_CHECKING:
    from deploycount.repository import Repository

TAG_ENVIRONMENT = DEFAULT_ENVIRONMENT  # tags are deploys of the default environment only
WITH_PRERELEASES = "+prereleases"

# A version number, then a pre-release marker: `-rc`, `-alpha`, `-beta`, `-pre`, `-preview`,
# `-dev`, `-nightly`, `-canary`, `-snapshot` (any case, `-` `.` or `_` before it, an optional
# number after: `-rc.1`, `-beta2`), or a PEP 440 pre-release (`1.0a1`, `1.0b2`, `2.0rc1`) or
# development release (`.dev`, `.dev4`). `-hotfix`, `-rollback`, `.post1` are releases.
_PRERELEASE = re.compile(
    r"\d[0-9a-z.+_-]*?"
    r"(?:[-._](?:rc|alpha|beta|pre|preview|prerelease|dev|nightly|canary|snapshot)"
    r"(?:[-._]?\d+)?(?![a-z])"
    r"|(?<=\d)(?:a|b|rc)\d+(?![a-z]))",
    re.IGNORECASE,
)


# Every match holds one of these letters: a cheap test that spares most release tags the
# pattern (10,000 tags: 20 -> 3 ms).
_PRERELEASE_LETTERS = ("a", "b", "rc", "pre", "dev", "nightly")
_PRERELEASE_HINT = re.compile("|".join(_PRERELEASE_LETTERS), re.IGNORECASE)


def is_prerelease(tag: str) -> bool:
    """Whether a tag names a pre-release or development version."""
    return _PRERELEASE_HINT.search(tag) is not None and _PRERELEASE.search(tag) is not None


# A release tag: anything, a version of numbers and dots, then maybe a suffix that names a stream
# (`v1.2.3-vscode`, `v1.2.3_jetbrains`); the suffix is what tells streams apart.
_VERSIONED = re.compile(r"^(?P<head>.*?\d+(?:\.\d+)*)(?:[-_+](?P<suffix>[A-Za-z][\w.-]*))?$")


# Suffixes that say what kind of release a tag is, not which product it ships: `v1.3-hotfix`
# and `v1.3-rollback` are releases of the one stream (README "Deploy sources").
_RELEASE_KINDS = frozenset(
    {"hotfix", "rollback", "revert", "fix", "patch", "post", "final", "security", "release",
     "stable", "ga", "lts"}
)  # fmt: skip


def release_streams(names: Sequence[str]) -> dict[str, list[str]]:
    """The tags of `names` by release stream (the suffix after the version; "" for none), when
    they are several streams: two suffixes on one version (`v1.2.3` and `v1.2.3-vscode`), or
    two suffixes each on two releases or more. A suffix that names a kind of release
    (`-hotfix`, `-rollback`) is not a stream."""
    streams: dict[str, list[str]] = {}
    versions: dict[str, set[str]] = {}
    for name in names:
        match = _VERSIONED.match(name)
        if match is None:
            continue
        suffix = (match["suffix"] or "").lower()
        if re.split(r"[-._\d]", suffix, maxsplit=1)[0] in _RELEASE_KINDS:
            continue
        streams.setdefault(suffix, []).append(name)
        versions.setdefault(match["head"].lower(), set()).add(suffix)
    shared = any(len(suffixes) > 1 for suffixes in versions.values())
    if len(streams) < 2 or not (shared or sum(len(t) > 1 for t in streams.values()) > 1):
        return {}
    return streams


def mixed_streams_warning(spec: str, names: Sequence[str]) -> str | None:
    """What the report says when the window's tags are several release streams in one spec."""
    streams = release_streams(names)
    if not streams:
        return None
    globs = spec.removeprefix("tags:")
    parts = [
        f"{'*-' + suffix if suffix else 'no suffix'} ({len(tags)}, e.g. {tags[0]})"
        for suffix, tags in sorted(streams.items(), key=lambda item: -len(item[1]))
    ]
    named = max((suffix for suffix in streams if suffix), key=lambda s: len(streams[s]), default="")
    # Exclude the other streams by their own suffixes, never every suffix: `!*-*` would drop the
    # `-hotfix` releases the same report counts. With no unsuffixed stream, only one stream's
    # glob finds anything.
    others = ",".join(f"!*-{suffix}" for suffix in sorted(streams) if suffix)
    plain = (
        f"--deploys 'tags:{globs},{others}' for the tags without a stream suffix, or "
        if "" in streams
        else ""
    )
    return (
        f"{spec} mixes {len(streams)} release streams in the window: {'; '.join(parts)}. Each "
        "is counted as a deploy of the same production, so one release shipped to several "
        f"streams counts several times: pick one, e.g. {plain}--deploys 'tags:*-{named}' for "
        "one stream"
    )


# Release tags of one package among several in one repository (a monorepo): changesets and lerna
# write `name@1.2.3` (`@scope/name@1.2.3`), Go modules and release-please `name/v1.2.3`, others
# `name-v1.2.3` or `name_v1.2.3`, Python monorepos `name==1.2.3`. Each comes with the glob that
# picks one package's releases, and a tighter one (the version's first digit) for when the first
# would also match another package's tags (`ui-v*` matches `ui-vite-v1.0.2`).
_VERSION = r"v?\d+\.\d+\.\d+\S*"
_SCHEMES = (
    (re.compile(rf"^(?P<name>@?[\w.-]+(?:/[\w.-]+)?)@{_VERSION}$"), "{name}@*", "{name}@[0-9v]*"),
    (re.compile(r"^(?P<name>[\w.-]+(?:/[\w.-]+)*)/v\d+\.\d+\.\d+\S*$"), "{name}/v*",
     "{name}/v[0-9]*"),
    (re.compile(r"^(?P<name>[A-Za-z][\w.]*(?:-[A-Za-z][\w.]*)*)-v\d+\.\d+\.\d+\S*$"), "{name}-v*",
     "{name}-v[0-9]*"),
    (re.compile(r"^(?P<name>[A-Za-z][A-Za-z0-9.]*(?:[-_][A-Za-z][A-Za-z0-9.]*)*)_v\d+\.\d+\.\d+\S*$"),
     "{name}_v*", "{name}_v[0-9]*"),
    (re.compile(r"^(?P<name>[A-Za-z][\w.-]*)==\d+(?:\.\d+)*\S*$"), "{name}==*", "{name}==[0-9]*"),
)  # fmt: skip
# The repository's own releases: a bare version (`v1.2.3`, `1.2.3`) belongs to no package.
ROOT_RELEASE = re.compile(rf"^{_VERSION}$")


def tag_package(name: str) -> tuple[str, tuple[str, str]] | None:
    """The package a tag releases and its (glob, tighter glob), by the first scheme it fits;
    None for a tag of no per-package scheme (the root's `v1.2.3` among them)."""
    for pattern, glob, tight in _SCHEMES:
        match = pattern.match(name)
        if match is not None:
            package = match["name"]
            return package, (glob.format(name=package), tight.format(name=package))
    return None


def package_tags(names: Sequence[str]) -> list[tuple[str, str, int]]:
    """(the package, the glob of its releases, how many tags it has) for the tags of `names`
    that follow a per-package scheme, most tags first."""
    counts: dict[tuple[str, str], int] = {}
    for name in names:
        found = tag_package(name)
        if found is not None:
            key = (found[0], found[1][0])
            counts[key] = counts.get(key, 0) + 1
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0][1]))
    return [(package, glob, count) for (package, glob), count in ordered]


def package_tags_hint(spec: str, names: Sequence[str]) -> str | None:
    """What to say when the spec found no deploy but the repository tags packages' releases."""
    found = package_tags(names)
    if not found:
        return None
    shown = ", ".join(f"{glob} ({count})" for _, glob, count in found[:5])
    more = f" and {len(found) - 5} more" if len(found) > 5 else ""
    return (
        f"{spec} finds no release in the window, but the repository tags releases of "
        f"{len(found)} package(s): {shown}{more}. Report on one with --deploys "
        f"'tags:{found[0][1]}' (every commit of the repository then counts as that package's), "
        "or give each package its paths and tags in [services] so that each counts its own "
        "commits: deploycount report --suggest prints the section"
    )


@dataclass(frozen=True)
class TagsSource:
    """Tags matching any include glob and no `!exclude` glob (`tags:v*,!*-hotfix`); pre-releases
    only with `+prereleases`."""

    spec: str
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    prereleases: bool = False

    @classmethod
    def from_argument(cls, argument: str) -> TagsSource:
        patterns = [p.strip() for p in argument.split(",") if p.strip()]
        prereleases = WITH_PRERELEASES in patterns
        globs = [p for p in patterns if p != WITH_PRERELEASES]
        unknown = [p for p in globs if p.startswith("+")]
        if unknown:
            raise UsageError(
                f"tags:{argument}: unknown option {unknown[0]!r} (the one option is "
                f"{WITH_PRERELEASES})"
            )
        include = tuple(p for p in globs if not p.startswith("!"))
        exclude = tuple(p[1:] for p in globs if p.startswith("!") and len(p) > 1)
        if not include:
            raise UsageError(f"tags:{argument} names no tag glob to include: e.g. tags:v*,!*rc*")
        return cls(f"tags:{','.join(patterns)}", include, exclude, prereleases)

    def matches(self, name: str) -> bool:
        """`fnmatchcase` against the globs, as one pattern for each side."""
        include, exclude = self._patterns
        return include.match(name) is not None and (exclude is None or exclude.match(name) is None)

    @cached_property
    def _prefix(self) -> str:
        """What every matching name starts with: the globs' common literal start."""
        starts = [re.split(r"[*?\[]", glob, maxsplit=1)[0] for glob in self.include]
        return os.path.commonprefix(starts)  # noqa: RUF071 - a prefix of text is wanted

    @cached_property
    def _patterns(self) -> tuple[re.Pattern[str], re.Pattern[str] | None]:
        def one(globs: tuple[str, ...]) -> re.Pattern[str]:
            return re.compile("|".join(f"(?:{translate(glob)})" for glob in globs))

        return one(self.include), one(self.exclude) if self.exclude else None

    def _release(self, name: str) -> bool:
        """Whether a tag the globs match is a deploy: not a pre-release, or asked for."""
        return self.prereleases or not is_prerelease(name)

    def load(self, repo: Repository, environment: str) -> LoadedEvents:
        if environment != TAG_ENVIRONMENT:
            return LoadedEvents(
                [], [f"deploy source {self.spec} only gives {TAG_ENVIRONMENT} deploys"]
            )
        tags = [t for t in repo.tags(starting=self._prefix) if self.matches(t.name)]
        # Only tags of tags (or of trees) still need peeling: one batch for those few.
        nested = repo.resolve_commits(t.target for t in tags if t.commit is None)
        loaded = LoadedEvents([], verified=True)
        if not self.prereleases:
            loaded.include_hint = f"--deploys '{self.spec},{WITH_PRERELEASES}'"
        for tag in tags:
            sha = tag.commit or nested.get(tag.target)
            if sha is None or tag.created_at is None:
                loaded.warnings.append(f"tag {tag.name} does not point at a commit: skipped")
                continue
            event = DeployEvent(
                tag.name, sha, TAG_ENVIRONMENT, from_unix(tag.created_at), "success"
            )
            if self._release(tag.name):
                loaded.events.append(event)
            else:
                loaded.left_out.append(event)
        return loaded
