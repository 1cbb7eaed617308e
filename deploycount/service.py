"""Wiring: git history + deploy events -> attribution -> linking -> metrics -> Report.

This is the one place that knows the order of the pipeline; each step it calls is either the git
module (`history`), a deploy source, or a pure function.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime

from deploycount.attribution import (
    Attribution,
    Attributor,
    Confidence,
    Markers,
    Person,
    builtin_markers,
)
from deploycount.commits import EMPTY_TREES, CommitDistiller, CommitInfo, resolve_prefix
from deploycount.config import FileConfig, choose
from deploycount.deploys import DeployEvent, DeploySource, LoadedEvents, source_from_spec
from deploycount.deploys.notes import NotesSource
from deploycount.errors import UsageError
from deploycount.history import RawCommit, Repository, repository_name
from deploycount.linking import link_deploys, reverted_shas
from deploycount.metrics import build_report, classify_shipped
from deploycount.model import Report
from deploycount.teams import Team, TeamDirectory
from deploycount.timeutil import parse_when

DEFAULT_SINCE = "28d"
DEFAULT_ENVIRONMENT = "production"
DEFAULT_DEPLOYS = "tags:v*"

Progress = Callable[[int], None]


@dataclass(frozen=True)
class ReportOptions:
    """The report flags as given on the command line (None = not given)."""

    since: str | None = None
    until: str | None = None
    env: str | None = None
    deploys: str | None = None
    min_confidence: str | None = None


@dataclass(frozen=True)
class ReportSettings:
    """Flags, config and defaults resolved into what the pipeline needs."""

    since: datetime
    until: datetime
    environment: str
    deploy_spec: str | None
    remote: str
    minimum: Confidence
    markers: Markers
    teams: tuple[Team, ...]
    min_team_size: int


def markers_from_config(config: FileConfig) -> Markers:
    extra = config.attribution
    markers = builtin_markers()
    if extra.identities or extra.trailers:
        markers = markers.extended(extra.identities, extra.trailers)
    return markers


def minimum_confidence(flag: str | None, config: FileConfig) -> Confidence:
    return Confidence.parse(choose(flag, config.attribution.min_confidence, "medium"))


def resolve_settings(
    options: ReportOptions, config: FileConfig, *, now: datetime
) -> ReportSettings:
    until = parse_when(choose(options.until, config.report.until, "now"), now=now, option="--until")
    since = parse_when(
        choose(options.since, config.report.since, DEFAULT_SINCE), now=until, option="--since"
    )
    if since >= until:
        raise UsageError(
            f"--since ({since:%Y-%m-%d %H:%M}) must be before --until ({until:%Y-%m-%d %H:%M})"
        )
    teams = tuple(
        Team(name, tuple(m.lower() for m in section.members), section.size)
        for name, section in config.teams.items()
    )
    return ReportSettings(
        since=since,
        until=until,
        environment=choose(options.env, config.report.env, DEFAULT_ENVIRONMENT),
        deploy_spec=choose(options.deploys, config.deploys.source, None),
        remote=choose(None, config.deploys.remote, "origin"),
        minimum=minimum_confidence(options.min_confidence, config),
        markers=markers_from_config(config),
        teams=teams,
        min_team_size=config.privacy.min_team_size,
    )


def choose_source(
    repo: Repository, spec: str | None, remote: str
) -> tuple[DeploySource, list[str]]:
    """The named source; else `notes` when the ledger holds events, else `tags:v*`. Also the
    warnings of looking at the ledger when it was not chosen (a failed fetch)."""
    if spec is not None:
        return source_from_spec(spec, remote=remote), []
    notes = NotesSource(remote=remote)
    if notes.has_events(repo):
        return notes, []
    return source_from_spec(DEFAULT_DEPLOYS), list(notes.warnings)


def generate_report(
    repo: Repository,
    settings: ReportSettings,
    *,
    environ: Mapping[str, str],
    progress: Progress | None = None,
    shipped_shas: list[str] | None = None,
) -> Report:
    """The report; `shipped_shas`, when given, receives the sha of every successful deploy."""
    source, warnings = choose_source(repo, settings.deploy_spec, settings.remote)
    loaded = source.load(repo, settings.environment)
    warnings += loaded.warnings
    events = _existing_events(repo, loaded, settings.environment, warnings)

    before = [e for e in events if e.time < settings.since]
    window = [e for e in events if settings.since <= e.time < settings.until]
    earlier_shipped = list(dict.fromkeys(e.sha for e in before if e.status == "success"))
    if shipped_shas is not None:
        shipped_shas.extend(dict.fromkeys(e.sha for e in events if e.status == "success"))

    with _gc_paused():
        return _generate(
            repo,
            settings=settings,
            source_spec=source.spec,
            window=window,
            earlier_shipped=earlier_shipped,
            warnings=warnings,
            environ=environ,
            progress=progress,
        )


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Loading the history makes ~10 objects per commit and none of them form cycles; the
    cyclic collector would rescan the growing graph again and again. Pause it meanwhile."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _generate(
    repo: Repository,
    *,
    settings: ReportSettings,
    source_spec: str,
    window: list[DeployEvent],
    earlier_shipped: list[str],
    warnings: list[str],
    environ: Mapping[str, str],
    progress: Progress | None,
) -> Report:
    window_shas = list(dict.fromkeys(e.sha for e in window if e.status == "success"))
    commits: dict[str, CommitInfo] = {}
    if window_shas:
        distill = CommitDistiller(settings.markers, mentions=settings.minimum is Confidence.LOW)
        stream = repo.log(window_shas, earlier_shipped, local_refs=True)
        for raw in _counting(stream, progress):
            commits[raw.sha] = distill(raw)

    shallow = repo.shallow_commits()
    parents = {sha: info.parents for sha, info in commits.items()}
    linked = link_deploys(
        window, earlier_shipped[-1] if earlier_shipped else None, parents, shallow=shallow
    )
    shipped_shas = [sha for deploy in linked for sha in deploy.shipped]
    empty = _empty_commits(repo, shipped_shas, commits)
    reverted = reverted_shas(_revert_targets(commits))

    directory = TeamDirectory(settings.teams, settings.markers)
    co_authors = [p for sha in shipped_shas for p in commits[sha].attribution.co_authors]
    mailmap = repo.check_mailmap(co_authors) if co_authors else {}
    shipped = classify_shipped(
        linked,
        commits,
        empty=empty,
        reverted=reverted,
        minimum=settings.minimum,
        directory=directory,
        mailmap=mailmap,
    )
    return build_report(
        repository=repository_name(repo, environ),
        environment=settings.environment,
        deploy_source=source_spec,
        since=settings.since,
        until=settings.until,
        linked=linked,
        shipped=shipped,
        directory=directory,
        min_team_size=settings.min_team_size,
        warnings=warnings,
    )


def _existing_events(
    repo: Repository, loaded: LoadedEvents, environment: str, warnings: list[str]
) -> list[DeployEvent]:
    """Events of the environment whose sha is a commit here, full sha, sorted by time (stable)."""
    wanted = [e for e in loaded.events if e.environment == environment]
    if loaded.verified:
        return sorted(wanted, key=lambda e: e.time)
    resolved = repo.resolve_commits(e.sha for e in wanted)
    existing = []
    for event in wanted:
        sha = resolved.get(event.sha)
        if sha is None:
            warnings.append(
                f"deploy {event.id}: commit {event.sha[:12]} is not in this repository: skipped"
            )
            continue
        existing.append(replace(event, sha=sha))
    existing.sort(key=lambda e: e.time)
    return existing


def _counting(stream: Iterator[RawCommit], progress: Progress | None) -> Iterator[RawCommit]:
    if progress is None:
        yield from stream
        return
    for count, raw in enumerate(stream, start=1):
        if count % 5000 == 0:
            progress(count)
        yield raw


def _empty_commits(
    repo: Repository, shipped: Sequence[str], commits: Mapping[str, CommitInfo]
) -> frozenset[str]:
    """Shipped non-merge commits whose tree equals their first parent's (or a root's empty tree)."""
    candidates = [commits[sha] for sha in shipped if not commits[sha].is_merge]
    outside = [c.parents[0] for c in candidates if c.parents and c.parents[0] not in commits]
    outside_trees = repo.trees(outside) if outside else {}
    empty = set()
    for commit in candidates:
        if not commit.parents:
            if commit.tree in EMPTY_TREES:
                empty.add(commit.sha)
            continue
        parent = commit.parents[0]
        parent_tree = commits[parent].tree if parent in commits else outside_trees.get(parent)
        if parent_tree == commit.tree:
            empty.add(commit.sha)
    return frozenset(empty)


def _revert_targets(commits: Mapping[str, CommitInfo]) -> dict[str, str]:
    """Revert commit -> full sha of the commit it reverts, when that commit is loaded."""
    targets: dict[str, str] = {}
    sorted_shas: list[str] | None = None
    for sha, info in commits.items():
        target = info.reverts
        if target is None:
            continue
        if target not in commits:
            if sorted_shas is None:
                sorted_shas = sorted(commits)
            resolved = resolve_prefix(target, sorted_shas)
            if resolved is None:
                continue
            target = resolved
        targets[sha] = target
    return targets


@dataclass(frozen=True, slots=True)
class ScanRow:
    """One commit as `scan` shows it."""

    sha: str
    author: Person
    attribution: Attribution


def scan_commits(
    repo: Repository, revrange: Sequence[str], markers: Markers, *, max_count: int | None = None
) -> Iterator[ScanRow]:
    attributor = Attributor(markers, mentions=True)
    for raw in repo.log_range(revrange or ["HEAD"], max_count=max_count):
        attribution = attributor(
            raw.message, raw.author_name, raw.author_email, raw.committer_name, raw.committer_email
        )
        yield ScanRow(raw.sha, raw.author, attribution)
