"""The pipeline every report comes from, top to bottom:

    deploy events (a source)  ->  the history they reach (one `git log`)  ->  which deploy
    shipped which commit (linking)  ->  the state of each shipped commit  ->  tallies per team
    and per period  ->  partials  ->  reports.

Commands parse their options and call `generate_partials` or `generate_report`; library users
call `deploycount.report(path)`. Each step is the git module, a deploy source, or a pure function.
"""

from __future__ import annotations

import gc
import os
from array import array
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime

from deploycount.columns import COUNTED, EXCLUDED, REVERTED
from deploycount.commits import (
    LoadedHistory,
    compare_outside,
    load_history,
    outside_parents,
    revert_targets,
)
from deploycount.config import (
    DEFAULT_DEPLOYS,
    ReportOptions,
    ReportSettings,
    TeamSources,
    load_config,
    resolve_report_settings,
)
from deploycount.deploys import DeployEvent, DeploySource, LoadedEvents, source_from_spec
from deploycount.deploys.base import shipped_shas, split_at_window
from deploycount.deploys.notes import NotesSource
from deploycount.deploys.tags import TagsSource, mixed_streams_warning, package_tags_hint
from deploycount.history import (
    AI_NOTES_REF,
    AI_NOTES_REMOTE_REF,
    Repository,
    TagRef,
    repository_name,
)
from deploycount.identity import Confidence, Person
from deploycount.linking import link_deploys, reverted_shas
from deploycount.metrics import build_partial, report_of, tally_history
from deploycount.model import Report
from deploycount.tallies import Partial
from deploycount.team_sources import ExtraTeams, all_teams
from deploycount.teams import TeamDirectory
from deploycount.timeutil import from_unix, utc_now
from deploycount.window import WindowFacts, first_success, window_facts

Progress = Callable[[int], None]


def report(
    path: str | os.PathLike[str] = ".",
    *,
    since: str | None = None,
    until: str | None = None,
    environment: str | None = None,
    deploys: str | None = None,
    min_confidence: str | None = None,
    config: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Report:
    """The report of the repository around `path`, as `deploycount report` makes it: the same
    options (None takes the config file's value, else the default) and the same config file
    (`config`, else `.deploycount.toml` at the root). `environ` stands for the process
    environment (GITHUB_REPOSITORY, tokens for `github` deploys and team includes)."""
    repo = Repository(path)
    file_config, _ = load_config(config, repo.root)
    options = ReportOptions(since, until, environment, deploys, min_confidence, config)
    settings = resolve_report_settings(options, file_config, now=utc_now())
    return generate_report(repo, settings, environ=os.environ if environ is None else environ)


def choose_source(
    repo: Repository,
    spec: str | None,
    remote: str,
    environ: Mapping[str, str],
    environment: str,
    *,
    since: datetime | None = None,
    log: Callable[[str], None] | None = None,
) -> tuple[DeploySource, list[str]]:
    """The named source; else `notes` when the ledger holds events of `environment`, else
    `tags:v*`. Also the warnings of looking at the ledger when it was not chosen (a failed
    fetch).

    A ledger that starts inside the window while tags hold earlier deploys is not chosen yet:
    its first event would be the baseline and the report would drop to nothing the day the
    first `record` ran. The tags report until the ledger covers the window (or the tags are
    recorded into it with `record --from-tags`), and the report says so."""
    if spec is not None:
        return source_from_spec(spec, remote=remote, environ=environ, since=since, log=log), []
    notes = NotesSource(remote=remote)
    if not notes.has_events(repo, environment):
        return source_from_spec(DEFAULT_DEPLOYS), list(notes.warnings)
    first = min(e.time for e in notes.load(repo, environment).events)
    if since is None or first <= since:
        return notes, []
    tags = source_from_spec(DEFAULT_DEPLOYS)
    if not any(e.time < first for e in tags.load(repo, environment).events):
        return notes, []
    return tags, [
        f"the deploy ledger starts on {first:%Y-%m-%d}, after the window does: this report "
        f"counts deploys from {tags.spec} until the ledger covers the window; to move to the "
        f"ledger now, record the tagged deploys into it: deploycount record --from-tags "
        f"'{tags.spec.removeprefix('tags:')}' --push"
    ]


def sync_ai_notes(repo: Repository, remote: str) -> list[str]:
    """Bring the remote's git-ai notes (`refs/notes/ai`) into deploycount's own copy, so that a
    fresh clone credits them; the user's `refs/notes/ai` is never touched. A remote without them
    is normal; a failed fetch is a warning."""
    if not repo.has_remote(remote):
        return []
    fetched, reason = repo.fetch_ref(remote, AI_NOTES_REF, AI_NOTES_REMOTE_REF)
    repo.forget_refs()
    if fetched or reason == "missing":
        return []
    return [f"could not fetch git-ai notes from {remote} ({reason}): using the local ones"]


def generate_report(
    repo: Repository,
    settings: ReportSettings,
    *,
    environ: Mapping[str, str],
    progress: Progress | None = None,
    shipped: list[str] | None = None,
    log: Callable[[str], None] | None = None,
) -> Report:
    """The report; `shipped`, when given, receives the sha of every successful deploy."""
    [partial] = generate_partials(
        repo,
        settings,
        [(settings.since, settings.until)],
        environ=environ,
        progress=progress,
        shipped=shipped,
        log=log,
    )
    return report_of(partial)


def generate_partials(
    repo: Repository,
    settings: ReportSettings,
    periods: Sequence[tuple[datetime, datetime]],
    *,
    environ: Mapping[str, str],
    progress: Progress | None = None,
    shipped: list[str] | None = None,
    log: Callable[[str], None] | None = None,
    name: str | None = None,
) -> list[Partial]:
    """One partial (people still as emails) per period (contiguous, oldest first), from one pass
    over the history: each gives the report `--since`/`--until` of that period would give.
    `name` overrides the repository's name (several repositories in one report)."""
    environment = settings.environment
    span_since, span_until = periods[0][0], periods[-1][1]
    extra = ExtraTeams(list(settings.teams))
    if settings.team_sources != TeamSources() or any(t.by_login for t in settings.teams):
        extra = all_teams(
            settings.teams, settings.team_sources, settings.config_dir or repo.root, environ
        )
        settings = replace(settings, teams=tuple(extra.teams))
    source, warnings = choose_source(
        repo, settings.deploy_spec, settings.remote, environ, environment,
        since=span_since, log=log,
    )  # fmt: skip
    warnings += sync_ai_notes(repo, settings.remote)
    loaded = source.load(repo, environment)
    warnings += loaded.warnings
    events = _existing_events(repo, loaded, environment, warnings)
    if shipped is not None:
        shipped.extend(shipped_shas(events))
    first_known = first_success(sorted(loaded.events, key=lambda e: e.time), environment)
    # A shallow clone's figures are not meaningful when its history starts in the window or
    # its tags are gone.
    shallow_clone = bool(repo.shallow_commits())
    shallow_tagless = shallow_clone and not repo.tags()

    windows = []
    all_tags: list[TagRef] | None = None  # every tag, for the periods without a deploy
    for since, until in periods:
        _, window = split_at_window(events, since, until)
        facts = window_facts(
            first_known=first_known,
            events=events,
            window=window,
            left_out=loaded.left_out,
            include_hint=loaded.include_hint,
            environment=environment,
            source=source.spec,
            since=since,
            until=until,
            now=settings.now,
        )
        notes = [*warnings, *facts.warnings]
        if isinstance(source, TagsSource):
            mixed = mixed_streams_warning(
                source.spec, [e.id for e in window if e.status == "success"]
            )
            notes += [mixed] if mixed else []
            if not window:
                all_tags = all_tags if all_tags is not None else repo.tags()  # listed once
                in_window = [
                    t.name for t in all_tags
                    if t.created_at is not None and since.timestamp() <= t.created_at
                    and t.created_at < until.timestamp()
                ]  # fmt: skip
                hint = package_tags_hint(source.spec, in_window)
                notes += [hint] if hint else []
        if shallow_tagless or (shallow_clone and facts.baseline is not None):
            notes.append(
                "this is a shallow clone without the tags and history that came before: "
                "deploys and commits are missing, so these figures are not meaningful; fetch "
                "them (actions/checkout with fetch-depth: 0, or git fetch --unshallow --tags)"
            )
        windows.append(_Period(since, until, facts, notes))

    before, span = split_at_window(events, span_since, span_until)
    with _gc_paused():
        return _generate(
            repo,
            settings=settings,
            source_spec=source.spec,
            span=span,
            before=before,
            periods=windows,
            repository=name or repository_name(repo, environ),
            progress=progress,
            extra=extra,
        )


@dataclass(frozen=True)
class _Period:
    since: datetime
    until: datetime
    facts: WindowFacts
    warnings: list[str]


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
    span: list[DeployEvent],
    before: list[DeployEvent],
    periods: Sequence[_Period],
    repository: str,
    progress: Progress | None,
    extra: ExtraTeams,
) -> list[Partial]:
    span_shas = shipped_shas(span)
    earlier_shipped = shipped_shas(before)
    mentions = settings.minimum is Confidence.LOW
    if span_shas:
        # The baseline's history is loaded, not excluded: a negative revision makes git walk the
        # whole graph before printing the first commit, which costs more than reading it.
        fields, chunks = repo.log_chunks(span_shas, earlier_shipped, local_refs=True)
    else:
        fields, chunks = 11, iter(())
    history = load_history(fields, chunks, settings.markers, mentions=mentions, progress=progress)

    # Linking the whole span in time order gives each deploy the commits it shipped first, the
    # same as linking each period on its own: the walk stops at what earlier deploys reached.
    baselines = [p.facts.baseline for p in periods if p.facts.baseline is not None]
    last_before = next((e.sha for e in reversed(before) if e.status == "success"), None)
    reached_by = array("i", [-1]) * len(history)
    linked = link_deploys(
        span,
        last_before,
        history.columns,
        shallow=repo.shallow_commits(),
        baseline=baselines[0] if baselines else None,
        mark=reached_by,
    )
    shipped_in_span = array("i")
    for deploy in linked:
        shipped_in_span.extend(deploy.shipped)
    states = CommitStates(history, shipped_in_span, repo.trees)
    mainline = _mainline(repo, history)
    co_authors = _co_authors(history, shipped_in_span)
    mailmap = repo.check_mailmap(co_authors) if co_authors else {}
    logins: dict[str, str] = {}
    if extra.resolve_logins is not None and shipped_in_span:
        people = {history.people[history.columns.person(row)].email for row in shipped_in_span}
        people |= {mailmap.get(p, p).email for p in co_authors}
        oldest = min(history.columns.time(row) for row in shipped_in_span)
        logins = extra.resolve_logins(repository, people, from_unix(int(oldest)))
    directory = TeamDirectory(settings.teams, settings.markers, logins)

    reports = []
    for period in periods:
        numbers = [n for n, d in enumerate(linked) if period.since <= d.event.time < period.until]
        window = [linked[n] for n in numbers]
        # The reverts known at report time: those the period's deploys shipped (their numbers
        # are a range: a period's deploys are consecutive) and those on the main line now.
        first, stop = (numbers[0], numbers[-1] + 1) if numbers else (0, 0)
        known = _Known(reached_by, first, stop, mainline)
        period_state = states.with_reverted(reverted_shas(revert_targets(history, known)))
        tallies, people_seen = tally_history(
            window,
            history,
            period_state,
            minimum=settings.minimum,
            directory=directory,
            mailmap=mailmap,
        )
        reports.append(
            build_partial(
                repository=repository,
                environment=settings.environment,
                deploy_source=source_spec,
                since=period.since,
                until=period.until,
                elapsed_until=period.facts.elapsed_until,
                linked=window,
                tallies=tallies,
                people=people_seen,
                directory=directory,
                min_team_size=settings.min_team_size,
                warnings=[*period.warnings, *extra.warnings],
            )
        )
    return reports


class CommitStates:
    """Whether each shipped commit counts (README "Linking commits to deploys"), decided in this
    one place: a merge, an empty commit (its tree is its first parent's) and a revert are
    EXCLUDED; a commit that a revert undoes is REVERTED; every other one is COUNTED.

    `parent_trees` gives the trees of first parents that were not loaded (git is asked once)."""

    def __init__(
        self,
        history: LoadedHistory,
        shipped: array[int],
        parent_trees: Callable[[Iterable[str]], Mapping[str, str]],
    ) -> None:
        state, asked = history.columns.states(shipped)
        outside = outside_parents(history, asked)
        empty = compare_outside(history, outside, parent_trees(outside.values()) if outside else {})
        for row in asked:
            state[row] = EXCLUDED if row in empty else COUNTED
        for row in history.reverts:
            state[row] = EXCLUDED
        self._state = state

    def with_reverted(self, reverted: Iterable[int]) -> bytearray:
        """The state of every row, with the counted ones among `reverted` REVERTED."""
        state = bytearray(self._state)
        for row in reverted:
            if state[row] == COUNTED:
                state[row] = REVERTED
        return state


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


def _mainline(repo: Repository, history: LoadedHistory) -> array[int]:
    """A mark per row, >= 0 for the loaded commits on the main line (the default branch, else
    HEAD): a revert there is known whether or not a deploy shipped it yet; one that lives only
    on an unmerged branch is not (README "Linking commits to deploys")."""
    marks = array("i", [-1]) * len(history)
    found = repo.default_branch()
    tip = repo.resolve_commits([found[1] if found else "HEAD"]).popitem()[1]
    row = history.row(tip) if tip else -1
    if row >= 0:
        history.columns.walk(row, marks, 0, None)
    return marks


class _Known(Collection[int]):
    """The rows that deploys `first` to `stop` (exclusive) reached first, or that are on the
    main line, as a collection whose membership test is two comparisons (iterating it scans
    every row: the rare path)."""

    def __init__(self, reached_by: array[int], first: int, stop: int, mainline: array[int]) -> None:
        self.reached_by, self.first, self.stop = reached_by, first, stop
        self.mainline = mainline

    def __contains__(self, row: object) -> bool:
        return isinstance(row, int) and (
            self.first <= self.reached_by[row] < self.stop or self.mainline[row] >= 0
        )

    def __iter__(self) -> Iterator[int]:
        return (r for r in range(len(self.reached_by)) if r in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _co_authors(history: LoadedHistory, rows: array[int]) -> list[Person]:
    """The co-authors the shipped commits name (one lookup per distinct attribution)."""
    pairs, _ = history.columns.pairs(rows, history.ident_attr)
    attributions = {attr for attr, _ in pairs}
    return [p for attr in sorted(attributions) for p in history.attributions[attr].co_authors]
