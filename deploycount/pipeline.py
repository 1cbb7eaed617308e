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
from collections import Counter
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
from deploycount.errors import UsageError
from deploycount.history import (
    AI_NOTES_REF,
    AI_NOTES_REMOTE_REF,
    Repository,
    repository_name,
)
from deploycount.identity import Confidence, Person
from deploycount.linking import LinkedDeploy, link_deploys, reverted_shas
from deploycount.metrics import build_partial, report_of, split_identity_warning, tally_history
from deploycount.model import Report
from deploycount.partial import combine_services
from deploycount.services import PathOwners, Service
from deploycount.tallies import Partial, Tallies
from deploycount.team_sources import ExtraTeams, all_teams
from deploycount.teams import OwnedDirectory, TeamDirectory
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
    span_since = periods[0][0]
    extra = ExtraTeams(list(settings.teams))
    if settings.team_sources != TeamSources() or any(t.by_login for t in settings.teams):
        extra = all_teams(
            settings.teams, settings.team_sources, settings.config_dir or repo.root, environ
        )
        settings = replace(settings, teams=tuple(extra.teams))
    _check_owners(settings)
    warnings: list[str] = []
    shared: tuple[DeploySource, LoadedEvents, list[DeployEvent]] | None = None
    needs_shared = not settings.services or any(s.tags is None for s in settings.services)
    if needs_shared:
        source, warnings = choose_source(
            repo, settings.deploy_spec, settings.remote, environ, environment,
            since=span_since, log=log,
        )  # fmt: skip
    warnings += sync_ai_notes(repo, settings.remote)
    if needs_shared:
        loaded = source.load(repo, environment)
        warnings += loaded.warnings
        shared = (source, loaded, _existing_events(repo, loaded, environment, warnings))
    # A shallow clone's figures are not meaningful when its history starts in the window or
    # its tags are gone.
    shallow_clone = bool(repo.shallow_commits())
    look = _Looking(
        repo, environment, periods, settings.now, shallow_clone and not repo.tags(), shallow_clone
    )
    if not settings.services:
        assert shared is not None
        streams = [look.stream(None, *shared)]
    else:
        streams = _service_streams(repo, settings, look, shared, warnings)
    if shipped is not None:
        shipped.extend(dict.fromkeys(sha for s in streams for sha in shipped_shas(s.events)))
    with _gc_paused():
        return _generate(
            repo,
            settings=settings,
            streams=streams,
            periods=periods,
            warnings=warnings,
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


@dataclass(frozen=True)
class _Stream:
    """The deploys of the repository, or of one service of `[services]`: the source's spec,
    the events of the environment whose commits are here (time order), what each period knows
    of them."""

    service: Service | None
    spec: str
    events: list[DeployEvent]
    periods: list[_Period]

    @property
    def baseline(self) -> DeployEvent | None:
        """The first successful deploy the source knows of, when it falls in the span."""
        baselines = (p.facts.baseline for p in self.periods if p.facts.baseline is not None)
        return next(baselines, None)


@dataclass
class _Looking:
    """What every stream's periods are worked out with."""

    repo: Repository
    environment: str
    periods: Sequence[tuple[datetime, datetime]]
    now: datetime
    shallow_tagless: bool
    shallow_clone: bool

    def stream(
        self,
        service: Service | None,
        source: DeploySource,
        loaded: LoadedEvents,
        events: list[DeployEvent],
    ) -> _Stream:
        environment = self.environment
        first_known = first_success(sorted(loaded.events, key=lambda e: e.time), environment)
        windows = []
        for since, until in self.periods:
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
                now=self.now,
            )
            notes = list(facts.warnings)
            if isinstance(source, TagsSource):
                mixed = mixed_streams_warning(
                    source.spec, [e.id for e in window if e.status == "success"]
                )
                notes += [mixed] if mixed else []
                if not window and service is None:  # a service has its own tags already
                    notes += self._package_hint(source.spec, since, until)
            if self.shallow_tagless or (self.shallow_clone and facts.baseline is not None):
                notes.append(
                    "this is a shallow clone without the tags and history that came before: "
                    "deploys and commits are missing, so these figures are not meaningful; "
                    "fetch them (actions/checkout with fetch-depth: 0, or git fetch "
                    "--unshallow --tags)"
                )
            windows.append(_Period(since, until, facts, notes))
        return _Stream(service, source.spec, events, windows)

    def _package_hint(self, spec: str, since: datetime, until: datetime) -> list[str]:
        in_window = [
            t.name for t in self.repo.tags()
            if t.created_at is not None and since.timestamp() <= t.created_at
            and t.created_at < until.timestamp()
        ]  # fmt: skip
        hint = package_tags_hint(spec, in_window)
        return [hint] if hint else []


def _check_owners(settings: ReportSettings) -> None:
    declared = {team.name for team in settings.teams}
    for service in settings.services:
        for team in service.teams:
            if team not in declared:
                raise UsageError(
                    f"services.{service.name}.teams: no team {team!r} is declared ([teams.NAME] "
                    "or a team source)"
                )


def _service_streams(
    repo: Repository,
    settings: ReportSettings,
    look: _Looking,
    shared: tuple[DeploySource, LoadedEvents, list[DeployEvent]] | None,
    warnings: list[str],
) -> list[_Stream]:
    """A stream per service: its own tags, else the shared source's events naming it."""
    environment = settings.environment
    streams = []
    since, until = look.periods[0][0], look.periods[-1][1]
    prereleases: list[str] = []  # left out of the services' tags in the window: said once
    for service in settings.services:
        if service.tags is not None:
            source = source_from_spec(f"tags:{service.tags}")
            loaded = source.load(repo, environment)
            notes: list[str] = []
            events = _existing_events(repo, loaded, environment, notes)
            warnings += [f"service {service.name}: {w}" for w in [*loaded.warnings, *notes]]
            events = [replace(e, service=service.name) for e in events]
            prereleases += [e.id for e in loaded.left_out if since <= e.time < until]
            loaded = replace(loaded, left_out=[])
            streams.append(look.stream(service, source, loaded, events))
            continue
        assert shared is not None
        source, loaded, events = shared
        mine = LoadedEvents(
            [e for e in loaded.events if e.service == service.name],
            left_out=[e for e in loaded.left_out if e.service == service.name],
            include_hint=loaded.include_hint,
        )
        events = [e for e in events if e.service == service.name]
        streams.append(look.stream(service, source, mine, events))
    if prereleases:
        shown = ", ".join(prereleases[:3]) + (", …" if len(prereleases) > 3 else "")
        warnings.append(
            f"left out {len(prereleases)} pre-release tag(s) of the services in the window "
            f"({shown}): pre-releases are not deploys; to count them for a service, add "
            '",+prereleases" to its tags (tags = "api@*,+prereleases")'
        )
    if shared is not None:
        names = {s.name for s in settings.services}
        stray = Counter(e.service for e in shared[2] if e.service not in names)
        if stray:
            named = ", ".join(
                f"{n} named no service" if not name else f"{n} named service {name!r}"
                for name, n in sorted(stray.items())
            )
            warnings.append(
                f"{sum(stray.values())} deploy event(s) of {shared[0].spec} belong to no service "
                f"of [services] ({named}): not counted; record each deploy with --service NAME"
            )
    return streams


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
    streams: Sequence[_Stream],
    periods: Sequence[tuple[datetime, datetime]],
    warnings: list[str],
    repository: str,
    progress: Progress | None,
    extra: ExtraTeams,
) -> list[Partial]:
    span_since, span_until = periods[0][0], periods[-1][1]
    parts = [split_at_window(s.events, span_since, span_until) for s in streams]
    history, paths = _read_history(repo, settings, streams, parts, progress)
    columns = history.columns

    links = _link_streams(repo, history, streams, parts)
    reached = _shipped_rows(links)
    states = CommitStates(history, reached, repo.trees)
    owners, outside = None, []
    if settings.services:
        changed = paths()
        missing = {columns.sha(row) for row in reached} - changed.keys()
        if missing:  # commits whose dates put them outside both halves
            changed.update(repo.changed_paths(sorted(missing)))
        owners = _owners(history, settings.services, reached, changed)
        outside = _outside(links, owners, states)
        links = [
            (_touching(linked, owners, bit), reached_by)
            for bit, (linked, reached_by) in enumerate(links)
        ]
    mainline = _mainline(repo, history)
    shipped_in_span = _shipped_rows(links)
    directory, mailmap = _people(
        repo, history, shipped_in_span, settings=settings, extra=extra, repository=repository
    )

    tallying = _Tallying(history, states, mainline, settings.minimum, mailmap)
    # A service that teams own counts its commits for them (made once: its lookups are cached).
    directories = [
        OwnedDirectory(directory, s.service.teams) if s.service and s.service.teams else directory
        for s in streams
    ]
    reports = []
    for number, (since, until) in enumerate(periods):
        partials, seen, windows = [], [], []
        reverted: set[int] = set()
        for stream, (linked, reached_by), owned in zip(streams, links, directories, strict=True):
            period = stream.periods[number]
            service = stream.service
            window, undone = tallying.window(linked, reached_by, since, until)
            windows.append(window)
            reverted |= undone
            tallies, people_seen = tallying.tally(window, undone, owned)
            seen += people_seen
            partial = build_partial(
                repository=repository,
                environment=settings.environment,
                deploy_source=stream.spec,
                since=since,
                until=until,
                elapsed_until=period.facts.elapsed_until,
                linked=window,
                tallies=tallies,
                people=people_seen if service is None else [],
                directory=directory,
                min_team_size=settings.min_team_size,
                warnings=(
                    [*warnings, *period.warnings, *extra.warnings]
                    if service is None else period.warnings
                ),
                service=service.name if service is not None else None,
            )  # fmt: skip
            if service is not None:
                tallies.by_service = {service.name: tallies.totals}
                partial.services = [service.name]
            partials.append(partial)
        if not settings.services:
            reports.append(partials[0])
            continue
        assert owners is not None
        once = [
            tallying.tally(window, reverted, owned)[0]
            for owned, window in zip(directories, _first_shipped(windows), strict=True)
        ]
        combined = combine_services(
            partials, once, warnings=[*warnings, *split_identity_warning(seen), *extra.warnings]
        )
        combined.tallies.outside_services = sum(
            1 for when in outside if when is not None and since <= when < until
        )
        reports.append(combined)
    return reports


def _shipped_rows(links: Sequence[tuple[list[LinkedDeploy], array[int]]]) -> array[int]:
    """The rows the linked deploys shipped, each once (services' deploys ship some alike)."""
    return array("i", dict.fromkeys(r for linked, _ in links for d in linked for r in d.shipped))


def _people(
    repo: Repository,
    history: LoadedHistory,
    shipped: array[int],
    *,
    settings: ReportSettings,
    extra: ExtraTeams,
    repository: str,
) -> tuple[TeamDirectory, Mapping[Person, Person]]:
    """The team directory of the shipped commits' people (with GitHub logins when teams list
    members by login), and `.mailmap` applied to their co-authors."""
    co_authors = _co_authors(history, shipped)
    mailmap = repo.check_mailmap(co_authors) if co_authors else {}
    logins: dict[str, str] = {}
    if extra.resolve_logins is not None and shipped:
        columns = history.columns
        people = {history.people[columns.person(row)].email for row in shipped}
        people |= {mailmap.get(p, p).email for p in co_authors}
        oldest = min(columns.time(row) for row in shipped)
        logins = extra.resolve_logins(repository, people, from_unix(int(oldest)))
    return TeamDirectory(settings.teams, settings.markers, logins), mailmap


def _first_shipped(windows: Sequence[Sequence[LinkedDeploy]]) -> list[list[LinkedDeploy]]:
    """The services' deploys with each commit left only with the first deploy (of any
    service, in time order) that shipped it: what the totals count each commit once by."""
    order = sorted(
        (deploy.event.time, stream, index)
        for stream, window in enumerate(windows)
        for index, deploy in enumerate(window)
    )
    firsts = [list(window) for window in windows]
    seen: set[int] = set()
    for _, stream, index in order:
        deploy = firsts[stream][index]
        rows = array("i", (row for row in deploy.shipped if row not in seen))
        seen.update(rows)
        firsts[stream][index] = replace(deploy, shipped=rows)
    return firsts


def _read_history(
    repo: Repository,
    settings: ReportSettings,
    streams: Sequence[_Stream],
    parts: Sequence[tuple[list[DeployEvent], list[DeployEvent]]],
    progress: Progress | None,
) -> tuple[LoadedHistory, Callable[[], dict[str, list[bytes]]]]:
    """The history the deploys of the span reach and their earlier deploys did not, and, with
    services, what waits for the paths its commits change (worked out meanwhile)."""
    span_shas = list(dict.fromkeys(sha for _, span in parts for sha in shipped_shas(span)))
    mentions = settings.minimum is Confidence.LOW
    paths: Callable[[], dict[str, list[bytes]]] = dict
    if not span_shas:
        return load_history(11, iter(()), settings.markers, mentions=mentions), paths
    # The baseline's history is loaded, not excluded: a negative revision makes git walk the
    # whole graph before printing the first commit, which costs more than reading it.
    shipped_before = _shipped_by_all(repo, streams, parts)
    if settings.services:
        split = _middle(repo, shipped_before, streams)
        paths = repo.start_changed_paths(span_shas, shipped_before, split=split)
    fields, chunks = repo.log_chunks(span_shas, shipped_before, local_refs=True)
    history = load_history(fields, chunks, settings.markers, mentions=mentions, progress=progress)
    return history, paths


def _link_streams(
    repo: Repository,
    history: LoadedHistory,
    streams: Sequence[_Stream],
    parts: Sequence[tuple[list[DeployEvent], list[DeployEvent]]],
) -> list[tuple[list[LinkedDeploy], array[int]]]:
    """Each stream's deploys linked to the commits each shipped first, and the mark per row of
    the deploy that reached it first (-1: none, -2: a deploy before the window).

    Linking a stream's span in time order gives each deploy the commits it shipped first, the
    same as linking each period on its own: the walk stops at what earlier deploys reached. A
    service's earlier deploys are walked first, when another service needed their history."""
    columns = history.columns
    links = []
    for stream, (before, span) in zip(streams, parts, strict=True):
        reached_by = array("i", [-1]) * len(history)
        for sha in shipped_shas(before):
            row = columns.index(sha)
            if row >= 0:
                columns.walk(row, reached_by, -2, None)
        linked = link_deploys(
            span,
            _last_success(before),
            columns,
            shallow=repo.shallow_commits(),
            baseline=stream.baseline,
            mark=reached_by,
        )
        links.append((linked, reached_by))
    return links


def _last_success(events: Sequence[DeployEvent]) -> str | None:
    """The sha of the last successful deploy among `events` (time order)."""
    return next((e.sha for e in reversed(events) if e.status == "success"), None)


def _shipped_by_all(
    repo: Repository,
    streams: Sequence[_Stream],
    parts: Sequence[tuple[list[DeployEvent], list[DeployEvent]]],
) -> list[str]:
    """Commits every stream has shipped before the window, as revisions whose history need not
    be loaded: the earlier deploys of the one stream, or for services the common ancestor of
    each service's last deploy before the window (or its baseline)."""
    if len(streams) == 1:
        return shipped_shas(parts[0][0])
    anchors = []
    for stream, (before, span) in zip(streams, parts, strict=True):
        if not any(e.status == "success" for e in span):
            continue  # a service that does not deploy in the span needs none of the history
        last = _last_success(before) or (stream.baseline.sha if stream.baseline else None)
        if last is None:
            return []  # this stream's first deploys ship the whole history
        anchors.append(last)
    base = repo.merge_base(anchors) if anchors else None
    return [base] if base else []


def _middle(repo: Repository, base: Sequence[str], streams: Sequence[_Stream]) -> int | None:
    """A commit time that splits the history to read in two halves of about the same length:
    halfway from its oldest commit (the base, else the oldest deploy) to the newest deploy."""
    times = [e.time.timestamp() for s in streams for e in s.events]
    if not times:
        return None
    oldest = min(times)
    if base:
        found = repo.commit_times(base[:1]).get(base[0])
        oldest = found.timestamp() if found is not None else oldest
    return int((oldest + max(times)) / 2)


def _owners(
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


def _touching(
    linked: list[LinkedDeploy], owners: Mapping[int, int], bit: int
) -> list[LinkedDeploy]:
    """`linked` with each deploy's shipped commits cut to those touching service `bit`."""
    flag = 1 << bit
    return [
        replace(d, shipped=array("i", (r for r in d.shipped if owners[r] & flag)))
        if d.shipped
        else d
        for d in linked
    ]


def _outside(
    links: Sequence[tuple[list[LinkedDeploy], array[int]]],
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


@dataclass(frozen=True)
class _Tallying:
    """What the tallies of every stream and period are made with."""

    history: LoadedHistory
    states: CommitStates
    mainline: array[int]
    minimum: Confidence
    mailmap: Mapping[Person, Person]

    def window(
        self,
        linked: Sequence[LinkedDeploy],
        reached_by: array[int],
        since: datetime,
        until: datetime,
    ) -> tuple[list[LinkedDeploy], frozenset[int]]:
        """The deploys of `linked` in the period, and the commits known reverted then: those
        the period's deploys shipped reverts of (their numbers are a range: a period's deploys
        are consecutive) and those reverted on the main line now."""
        numbers = [n for n, d in enumerate(linked) if since <= d.event.time < until]
        first, stop = (numbers[0], numbers[-1] + 1) if numbers else (0, 0)
        known = _Known(reached_by, first, stop, self.mainline)
        return [linked[n] for n in numbers], reverted_shas(revert_targets(self.history, known))

    def tally(
        self, window: Sequence[LinkedDeploy], reverted: Iterable[int], directory: TeamDirectory
    ) -> tuple[Tallies, list[Person]]:
        """The tallies of the commits `window` ships, and the people seen."""
        state = self.states.with_reverted(reverted)
        return tally_history(
            window,
            self.history,
            state,
            minimum=self.minimum,
            directory=directory,
            mailmap=self.mailmap,
        )


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

    def counts(self, row: int) -> bool:
        """Whether the commit counts (it may still be reverted)."""
        return self._state[row] != EXCLUDED

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
