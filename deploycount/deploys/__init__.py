"""Deploy event sources behind one interface: `source_from_spec(spec).load(repo, environment)`.

Each source turns something outside deploycount (tags, the notes ledger, GitHub, a file) into
`DeployEvent`s; linking never knows where they came from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from deploycount.deploys.base import DeployEvent, DeploySource, LoadedEvents
from deploycount.deploys.file import FileSource
from deploycount.deploys.github import GitHubSource
from deploycount.deploys.notes import NotesSource
from deploycount.deploys.tags import TagsSource
from deploycount.errors import UsageError
from deploycount.options import DEFAULT_REMOTE

__all__ = ["DeployEvent", "DeploySource", "LoadedEvents", "source_from_spec"]


def source_from_spec(
    spec: str,
    *,
    remote: str = DEFAULT_REMOTE,
    environ: Mapping[str, str] | None = None,
    since: datetime | None = None,
    log: Callable[[str], None] | None = None,
) -> DeploySource:
    """`tags:GLOB[,GLOB,!EXCLUDE...]`, `notes`, `github` or `file:PATH`. `environ` is what the
    `github` source reads its token, repository and API URL from."""
    kind, colon, argument = spec.partition(":")
    kind = kind.strip().lower()
    if kind == "tags":
        if colon and not argument.strip():  # `--from-tags ''` meant v* without a word
            raise UsageError(f"{spec!r} names no tag glob: e.g. tags:v* (or tags alone for v*)")
        return TagsSource.from_argument(argument or "v*")
    if kind == "file" and argument:
        return FileSource(argument)
    if kind == "notes" and not argument:
        return NotesSource(remote=remote)
    if kind == "github" and not argument:
        return GitHubSource(environ=dict(environ or {}), since=since, log=log)
    raise UsageError(
        f"unknown deploy source {spec!r}: use tags:GLOB (e.g. tags:v*,!*rc*), notes, github "
        "or file:PATH"
    )
