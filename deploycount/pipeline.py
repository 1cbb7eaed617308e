"""The pipeline every report comes from, top to bottom:

    deploy streams (`streams.py`)  ->  the history they reach (one `git log`, `history/`)  ->
    which deploy shipped which commit (`history/linking.py`)  ->  the state of each shipped
    commit (`history/states.py`)  ->  with [services], each service's share (`services.py`)
    ->  tallies per team and per period (`metrics.py`)  ->  partials  ->  reports.

Commands parse their options and call `generate_partials` or `generate_report`; library users
call `deploycount.report(path)`. Each step is a call into the module that owns it.
"""

from __future__ import annotations

import gc
import os
import re
from array import array
from bisect import bisect_left
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import NamedTuple

from deploycount import services
from deploycount.config import (
    ReportOptions,
    ReportSettings,
    TeamSources,
    load_config,
    resolve_report_settings,
)
from deploycount.deploys.base import DeployEvent, shipped_shas, split_at_window
from deploycount.errors import UsageError
from deploycount.history.linking import (
    LinkedDeploy,
    Links,
    link_streams,
    reverted_shas,
    shipped_rows,
)
from deploycount.history.reading import (
    LoadedHistory,
    load_history,
    resolve_prefix,
    resolve_reverts,
    revert_targets,
)
from deploycount.history.states import CommitStates, Known, mainline_marks
from deploycount.identity import Confidence, Person
from deploycount.incidents import load_incidents
from deploycount.metrics import build_partial, report_of, split_identity_warning, tally_history
from deploycount.model import FailureRow, Report
from deploycount.options import Rules
from deploycount.outcomes import Cause, Incident, StreamOutcomes, incident_failures
from deploycount.repository import Repository, repository_name
from deploycount.streams import Parts, Stream, deploy_streams, middle_time, shipped_before
from deploycount.tallies import Partial, Tallies
from deploycount.team_sources import ExtraTeams, all_teams
from deploycount.teams import OwnedDirectory, TeamDirectory
from deploycount.timeutil import from_unix, utc_now

Progress = Callable[[int], None]
_HEX = re.compile(r"[0-9a-fA-F]{7,40}")


def report(
    path: str | os.PathLike[str] = ".",
    *,
    since: str | date | None = None,
    until: str | date | None = None,
    environment: str | None = None,
    deploys: str | None = None,
    min_confidence: str | None = None,
    config: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Report:
    """The report of the repository around `path`, as `deploycount report` makes it: the same
    options (None takes the config file's value, else the default; `since` and `until` take
    what `--since` takes, or a `datetime` (UTC when naive) or `date`) and the same config file
    (`config`, else `.deploycount.toml` at the root). `environ` stands for the process
    environment (GITHUB_REPOSITORY, tokens for `github` deploys and team includes)."""
    repo = Repository(path)
    file_config, _ = load_config(config, repo.root)
    options = ReportOptions(
        _when(since, "since"), _when(until, "until"), environment, deploys, min_confidence, config
    )
    settings = resolve_report_settings(options, file_config, now=utc_now())
    return generate_report(repo, settings, environ=os.environ if environ is None else environ)


def _when(value: object, name: str) -> str | None:
    """`since`/`until` of the library call as the text the flags take."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    raise UsageError(
        f"{name} must be text as --{name} takes it, a datetime or a date, not "
        f"{type(value).__name__}"
    )


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
    extra = ExtraTeams(list(settings.teams))
    if settings.team_sources != TeamSources() or any(t.by_login for t in settings.teams):
        extra = all_teams(
            settings.teams, settings.team_sources, settings.config_dir or repo.root, environ
        )
        settings = replace(settings, teams=tuple(extra.teams))
    services.check_owners(settings.services, settings.teams)
    # The outcomes look back: a revert of a commit shipped days before the report's start, or
    # a rollback of its last deploy, reads the same as in a report that began earlier. The
    # look-back period is linked and tallied like the others (each commit counts once, in the
    # first period that ships it, so the report's own figures are unchanged) and dropped.
    looked_back = (periods[0][0] - timedelta(days=settings.outcomes.rework_days), periods[0][0])
    padded = [looked_back, *periods]
    incidents: list[Incident] = []
    unlinked: list[str] = []
    if settings.incidents is not None:
        incidents, unlinked = load_incidents(
            settings.incidents, repo, environment=settings.environment, now=settings.now,
            since=looked_back[0], environ=environ,
        )  # fmt: skip
    streams, warnings = deploy_streams(
        repo, settings, padded, environ=environ, log=log, looked_back=1
    )
    if shipped is not None:
        shipped.extend(dict.fromkeys(sha for s in streams for sha in shipped_shas(s.events)))
    with _gc_paused():
        return _generate(
            repo,
            settings=settings,
            streams=streams,
            periods=padded,
            warnings=[*warnings, *unlinked],
            repository=name or repository_name(repo, environ),
            progress=progress,
            extra=extra,
            incidents=incidents,
        )[1:]


def _generate(
    repo: Repository,
    *,
    settings: ReportSettings,
    streams: Sequence[Stream],
    periods: Sequence[tuple[datetime, datetime]],
    warnings: list[str],
    repository: str,
    progress: Progress | None,
    extra: ExtraTeams,
    incidents: Sequence[Incident],
) -> list[Partial]:
    span_since, span_until = periods[0][0], periods[-1][1]
    parts = [split_at_window(s.events, span_since, span_until) for s in streams]
    history, paths = _read_history(repo, settings, streams, parts, progress)
    links = link_streams(
        history.columns, parts, [s.baseline for s in streams], shallow=repo.shallow_commits()
    )
    reached = shipped_rows(links)
    states = CommitStates(history, reached, repo.trees)
    monorepo = None
    if settings.services:
        monorepo = services.Monorepo.of(
            history, settings.services, links, states, paths(), more=repo.changed_paths
        )
        links = monorepo.links
        reached = shipped_rows(links)  # each service's deploys cut to the commits touching it
    found = repo.default_branch()
    tip = repo.resolve_commits([found[1] if found else "HEAD"]).popitem()[1]
    directory, mailmap = _people(
        repo, history, reached, settings=settings, extra=extra, repository=repository
    )
    tallying = _Tallying(history, states, mainline_marks(history, tip), settings.minimum, mailmap)
    # A service that teams own counts its commits for them (made once: its lookups are cached).
    directories = [
        OwnedDirectory(directory, s.service.teams) if s.service and s.service.teams else directory
        for s in streams
    ]

    def partial(stream: Stream, number: int, window: list[LinkedDeploy], tallies: Tallies,
                seen: list[Person], *, held: _InPeriod,
                notes: Sequence[str] = ()) -> Partial:  # fmt: skip
        period = stream.periods[number]
        service = stream.service
        return build_partial(
            repository=repository,
            environment=settings.environment,
            deploy_source=stream.spec,
            since=period.since,
            until=period.until,
            elapsed_until=period.facts.elapsed_until,
            linked=window,
            tallies=tallies,
            people=seen if service is None else [],
            directory=directory,
            min_team_size=settings.min_team_size,
            warnings=(
                [*warnings, *notes, *period.warnings, *extra.warnings]
                if service is None else period.warnings
            ),
            service=service.name if service is not None else None,
            rework=held.rework,
            ai_work=held.ai_work,
            failures=held.failures,
            min_n=settings.outcomes.min_n,
        )  # fmt: skip

    # The totals count each commit once: at the first deploy of any service that shipped it,
    # over the whole span (a commit two periods' deploys ship counts in the earlier one).
    firsts = monorepo.first_shipped() if monorepo is not None else []
    counted = []
    for since, until in periods:
        windows = [tallying.window(linked, reached, since, until) for linked, reached in links]
        counted.append(
            [_Counted(window, undone, first, *tallying.tally(window, undone, directories[index],
                                                              since))
             for index, (window, undone, first) in enumerate(windows)]
        )  # fmt: skip
    held = _HeldUp.of(tallying, streams, parts, links, counted=counted, incidents=incidents,
                      rules=settings.outcomes)  # fmt: skip
    reports = []
    for number, (since, until) in enumerate(periods):
        failures, unlinked = held.incidents(since, until)
        # a failed deploy that an incident names is the incident's failure, not a second
        named = {f.deploy for f in failures if f.deploy}
        if monorepo is None:
            [(window, _, first, tallies, seen)] = counted[number]
            notes = [*_release_note(states, window), *unlinked]
            own = held.in_period(0, first, len(window), (since, until), named)
            own = replace(own, failures=[*own.failures, *failures])
            reports.append(partial(streams[0], number, window, tallies, seen, notes=notes,
                                   held=own))  # fmt: skip
            continue
        partials, seen = [], []
        for index, (window, _, first, tallies, people_seen) in enumerate(counted[number]):
            seen += people_seen
            own = held.in_period(index, first, len(window), (since, until), named)
            failures += own.failures
            partials.append(partial(streams[index], number, window, tallies, people_seen,
                                    held=own))  # fmt: skip
        reverted = frozenset().union(*(each.undone for each in counted[number]))
        firsts_now = [[d for d in first if since <= d.event.time < until] for first in firsts]
        once = [
            tallying.tally(window, reverted, owned, since)[0]
            for owned, window in zip(directories, firsts_now, strict=True)
        ]
        notes = [*_release_note(states, [d for window in firsts_now for d in window]), *unlinked]
        reports.append(
            services.combine_services(
                partials,
                once,
                warnings=[*warnings, *notes, *split_identity_warning(seen), *extra.warnings],
                outside=monorepo.outside_in(since, until),
                failures=failures,
            )
        )
    return reports


class _Counted(NamedTuple):
    """A stream's period: its deploys (`window`, from number `first` of the stream's span), the
    commits known reverted then, its tallies and the people seen."""

    window: list[LinkedDeploy]
    undone: frozenset[int]
    first: int
    tallies: Tallies
    seen: list[Person]


@dataclass(frozen=True)
class _InPeriod:
    """A stream's outcomes in a period, by index of its window's deploys."""

    rework: dict[int, str]
    ai_work: dict[int, bool]
    failures: list[FailureRow]


@dataclass
class _HeldUp:
    """Whether what each stream shipped held up: each stream's deploys read once over the span
    (`outcomes.StreamOutcomes`), any period asked of them; and the incidents, each with the
    deploy it names."""

    streams: list[StreamOutcomes]
    all_incidents: Sequence[Incident]  # by start
    cause: Callable[[Incident], Cause | None]

    @cached_property
    def starts(self) -> list[datetime]:
        return [x.started for x in self.all_incidents]

    @classmethod
    def of(
        cls,
        tallying: _Tallying,
        streams: Sequence[Stream],
        parts: Parts,
        links: Links,
        *,
        counted: Sequence[Sequence[_Counted]],
        incidents: Sequence[Incident],
        rules: Rules,
    ) -> _HeldUp:
        # Whether each deploy shipped AI-assisted work, counting the commits reverted later:
        # a deploy whose only commit was AI-assisted and then reverted still carried AI work.
        ai: list[dict[int, bool]] = [{} for _ in streams]
        for period in counted:
            for index, (window, undone, first, tallies, _) in enumerate(period):
                for i in range(len(window)):
                    if tallies.per_deploy[i] > 0:
                        ai[index][first + i] = tallies.per_deploy_ai[i] > 0
                linked, marks = links[index]
                for row in undone:
                    n = marks[row]
                    if first <= n < first + len(window) and tallying.carried(row, linked[n]):
                        ai[index][n] = ai[index].get(n, False) or tallying.is_ai(row)
        services = [s.service.name if s.service is not None else "" for s in streams]
        read = [
            StreamOutcomes(
                parts[index][0],
                linked,
                ai=ai[index],
                incidents=[x for x in incidents if x.service in ("", services[index])],
                reverts_recent=_reverts_recent(tallying.history, linked, marks, rules),
                rules=rules,
            )
            for index, (linked, marks) in enumerate(links)
        ]
        by_id: dict[str, list[tuple[DeployEvent, bool | None]]] = {}
        for index, (linked, _) in enumerate(links):
            for n, deploy in enumerate(linked):
                by_id.setdefault(deploy.event.id, []).append((deploy.event, ai[index].get(n)))

        history, shas = tallying.history, list[str]()

        def row_of(named: str) -> int:
            """The row of the commit a full or abbreviated sha names (-1: none, or several)."""
            if not _HEX.fullmatch(named):
                return -1
            if len(named) == 40 and (row := history.row(named.lower())) >= 0:
                return row
            if not shas:
                shas.extend(sorted(history.sha(r) for r in range(len(history))))
            found = resolve_prefix(named.lower(), shas)
            return history.row(found) if found is not None else -1

        def cause(incident: Incident) -> Cause | None:
            """The deploy `incident` names, of its service (any, without one) and before it
            began: by id (the latest), or the deploy that first shipped the commit it names."""

            def fits(event: DeployEvent) -> bool:
                return event.time <= incident.started and (
                    not incident.service or event.service in ("", incident.service)
                )

            named = [pair for pair in by_id.get(incident.deploy, []) if fits(pair[0])]
            if named:
                return max(named, key=lambda pair: pair[0].time)
            row = row_of(incident.deploy)
            shipped = [
                (linked[marks[row]].event, ai[index].get(marks[row]))
                for index, (linked, marks) in enumerate(links)
                if row >= 0 and marks[row] >= 0 and fits(linked[marks[row]].event)
            ]
            return min(shipped, key=lambda pair: pair[0].time, default=None)

        return cls(read, sorted(incidents, key=lambda x: x.started), cause)

    def in_period(
        self, stream: int, first: int, count: int, period: tuple[datetime, datetime],
        named: Collection[str],
    ) -> _InPeriod:  # fmt: skip
        """A stream's outcomes in a period (deploys by index in its window), leaving out the
        failed deploys incidents name (`named`: theirs are the incidents' failures)."""
        reading = self.streams[stream]
        rework, failed = reading.period(first, first + count, *period)
        ai = reading.ai
        numbers = range(first, first + count)
        return _InPeriod(
            {n - first: rework[n] for n in numbers if n in rework},
            {n - first: ai[n] for n in numbers if n in ai},
            [f for n, f in sorted(failed.items())
             if not (f.source == "failed deploy" and f.id in named)],
        )  # fmt: skip

    def incidents(self, since: datetime, until: datetime) -> tuple[list[FailureRow], list[str]]:
        """The incidents that began in the period, each with the deploy it names, and what
        could not be linked."""
        starts = self.starts
        run = self.all_incidents[bisect_left(starts, since) : bisect_left(starts, until)]
        return incident_failures(run, self.cause, since, until)


def _reverts_recent(
    history: LoadedHistory,
    linked: Sequence[LinkedDeploy],
    marks: array[int],
    rules: Rules,
) -> set[int]:
    """The deploys of `linked` (by number) that ship a revert of a commit, or a fix of one (its
    `Fixes:` trailer), that a deploy of the stream shipped up to `rules.rework_days` before. A
    commit shipped before the report's look back has no known time: not counted as rework."""
    mending = {
        row for deploy in linked for row in deploy.shipped
        if row in history.reverts or row in history.fixes
    }  # fmt: skip
    targets = revert_targets(history, mending)
    for row, fixed in revert_targets(history, mending, fixes=True).items():
        targets[row] = (*targets.get(row, ()), *fixed)
    recent = set()
    days = timedelta(days=rules.rework_days)
    for number, deploy in enumerate(linked):
        for row in deploy.shipped:
            shipped = [
                linked[marks[t]].event.time for t in targets.get(row, ()) if 0 <= marks[t] < number
            ]
            if any(deploy.event.time - when <= days for when in shipped):
                recent.add(number)
                break
    return recent


def _release_note(states: CommitStates, window: Sequence[LinkedDeploy]) -> list[str]:
    """What the report says of the release commits its deploys shipped (not counted)."""
    count = states.releases_in(row for deploy in window for row in deploy.shipped)
    if not count:
        return []
    return [
        f"{count} release commit(s) shipped and not counted: the version bumps release tools "
        "commit (Version Packages, chore(main): release 1.2.3, Release v1.2.3, …) are not "
        "work; [release_commits] count = true counts them"
    ]


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


def _read_history(
    repo: Repository,
    settings: ReportSettings,
    streams: Sequence[Stream],
    parts: Parts,
    progress: Progress | None,
) -> tuple[LoadedHistory, Callable[[], dict[str, list[bytes]]]]:
    """The history the deploys of the span reach and their earlier deploys did not, and, with
    services, what waits for the paths its commits change (worked out meanwhile)."""
    span_shas = list(dict.fromkeys(sha for _, span in parts for sha in shipped_shas(span)))
    mentions = settings.minimum is Confidence.LOW
    paths: Callable[[], dict[str, list[bytes]]] = dict
    if not span_shas:
        empty = load_history(11, iter(()), settings.markers, mentions=mentions)
        return empty, paths
    # The baseline's history is loaded, not excluded: a negative revision makes git walk the
    # whole graph before printing the first commit, which costs more than reading it.
    before = shipped_before(repo, streams, parts)
    if settings.services:
        split = middle_time(repo, before, streams)
        paths = repo.start_changed_paths(span_shas, before, split=split)
    fields, chunks = repo.log_chunks(span_shas, before, local_refs=True)
    history = load_history(fields, chunks, settings.markers, mentions=mentions, progress=progress,
                           releases=settings.releases)  # fmt: skip
    resolve_reverts(history, repo.pull_merges, repo.is_ancestor)
    return history, paths


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


def _co_authors(history: LoadedHistory, rows: array[int]) -> list[Person]:
    """The co-authors the shipped commits name (one lookup per distinct attribution)."""
    pairs, _ = history.columns.pairs(rows, history.ident_attr)
    attributions = {attr for attr, _ in pairs}
    return [p for attr in sorted(attributions) for p in history.attributions[attr].co_authors]


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
    ) -> tuple[list[LinkedDeploy], frozenset[int], int]:
        """The deploys of `linked` in the period, the commits known reverted then, and the
        number of the period's first deploy in `linked`. The commits known reverted are those
        the period's deploys shipped reverts of (their numbers are a range: a period's deploys
        are consecutive) and those reverted on the main line now."""
        numbers = [n for n, d in enumerate(linked) if since <= d.event.time < until]
        first, stop = (numbers[0], numbers[-1] + 1) if numbers else (0, 0)
        known = Known(reached_by, first, stop, self.mainline)
        reverted = reverted_shas(revert_targets(self.history, known))
        return [linked[n] for n in numbers], reverted, first

    def carried(self, row: int, deploy: LinkedDeploy) -> bool:
        """Whether `deploy` shipped the commit `row` and it would count (it may be reverted)."""
        return self.states.counts(row) and row in deploy.shipped

    def is_ai(self, row: int) -> bool:
        """Whether the commit `row` is AI-assisted at the report's minimum confidence."""
        return self.history.attribution(row).is_ai(self.minimum)

    def tally(
        self,
        window: Sequence[LinkedDeploy],
        reverted: Iterable[int],
        directory: TeamDirectory,
        since: datetime,
    ) -> tuple[Tallies, list[Person]]:
        """The tallies of the commits `window` (a period from `since`) ships, and the people
        seen."""
        state = self.states.with_reverted(reverted)
        return tally_history(
            window,
            self.history,
            state,
            minimum=self.minimum,
            directory=directory,
            mailmap=self.mailmap,
            since=since,
        )
