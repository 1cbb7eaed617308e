"""Deploy streams: where a report's deploys come from, and what each period knows of them.

One repository is one stream (its deploy source: named, else the ledger, else release tags);
with `[services]`, each service is a stream of its own tags or of the shared source's events
that name it. A stream holds the events of the environment whose commits are here, in time
order, and per period the facts that explain its figures (baseline, pre-releases, warnings).
`shipped_before` and `middle_time` say which part of the history the streams need read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from deploycount.config import DEFAULT_DEPLOYS, ReportSettings
from deploycount.deploys import DeployEvent, DeploySource, LoadedEvents, source_from_spec
from deploycount.deploys.base import shipped_shas, split_at_window
from deploycount.deploys.notes import NotesSource
from deploycount.deploys.tags import TagsSource, mixed_streams_warning, package_tags_hint
from deploycount.history.linking import last_success
from deploycount.repository import AI_NOTES_REF, AI_NOTES_REMOTE_REF, Repository
from deploycount.services import Service
from deploycount.window import WindowFacts, first_success, window_facts

Parts = Sequence[tuple[list[DeployEvent], list[DeployEvent]]]  # per stream: before, in the span


def deploy_streams(
    repo: Repository,
    settings: ReportSettings,
    periods: Sequence[tuple[datetime, datetime]],
    *,
    environ: Mapping[str, str],
    log: Callable[[str], None] | None = None,
    looked_back: int = 0,
) -> tuple[list[Stream], list[str]]:
    """The report's streams (one, or one per service), and the warnings of finding them.
    The first `looked_back` periods are read only for what came just before the report (its
    outcomes' look back): the source is chosen, and pre-releases said, for the others."""
    environment = settings.environment
    warnings: list[str] = []
    shared: tuple[DeploySource, LoadedEvents, list[DeployEvent]] | None = None
    needs_shared = not settings.services or any(s.tags is None for s in settings.services)
    if needs_shared:
        source, warnings = choose_source(
            repo, settings.deploy_spec, settings.remote, environ, environment,
            since=periods[looked_back][0], log=log, services=bool(settings.services),
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
        repo,
        environment,
        periods,
        settings.now,
        shallow_clone and not repo.tags(),
        shallow_clone,
        looked_back,
    )
    if not settings.services:
        assert shared is not None
        return [look.stream(None, *shared)], warnings
    return _service_streams(repo, settings, look, shared, warnings), warnings


def choose_source(
    repo: Repository,
    spec: str | None,
    remote: str,
    environ: Mapping[str, str],
    environment: str,
    *,
    since: datetime | None = None,
    log: Callable[[str], None] | None = None,
    services: bool = False,
) -> tuple[DeploySource, list[str]]:
    """The named source; else `notes` when the ledger holds events of `environment`, else
    `tags:v*`. Also the warnings of looking at the ledger when it was not chosen (a failed
    fetch). With `services`, the ledger whenever it holds events: the services without tags
    of their own read their deploys from it, and `tags:v*` is no service's.

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
    if services or since is None or first <= since:
        return notes, []
    tags = source_from_spec(DEFAULT_DEPLOYS)
    if not any(e.time < first for e in tags.load(repo, environment).events):
        return notes, []
    push = " --push" if repo.has_remote(remote) else ""  # without a remote, --push fails
    return tags, [
        f"the deploy ledger starts on {first:%Y-%m-%d}, after the window does: this report "
        f"counts deploys from {tags.spec} until the ledger covers the window; to move to the "
        f"ledger now, record the tagged deploys into it: deploycount record --from-tags "
        f"'{tags.spec.removeprefix('tags:')}'{push}"
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


@dataclass(frozen=True)
class Period:
    since: datetime
    until: datetime
    facts: WindowFacts
    warnings: list[str]


@dataclass(frozen=True)
class Stream:
    """The deploys of the repository, or of one service of `[services]`: the source's spec,
    the events of the environment whose commits are here (time order), what each period knows
    of them."""

    service: Service | None
    spec: str
    events: list[DeployEvent]
    periods: list[Period]

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
    looked_back: int = 0  # the first periods are a look back, not the report's

    def stream(
        self,
        service: Service | None,
        source: DeploySource,
        loaded: LoadedEvents,
        events: list[DeployEvent],
    ) -> Stream:
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
            windows.append(Period(since, until, facts, notes))
        return Stream(service, source.spec, events, windows)

    def _package_hint(self, spec: str, since: datetime, until: datetime) -> list[str]:
        in_window = [
            t.name for t in self.repo.tags()
            if t.created_at is not None and since.timestamp() <= t.created_at
            and t.created_at < until.timestamp()
        ]  # fmt: skip
        hint = package_tags_hint(spec, in_window)
        return [hint] if hint else []


def _service_streams(
    repo: Repository,
    settings: ReportSettings,
    look: _Looking,
    shared: tuple[DeploySource, LoadedEvents, list[DeployEvent]] | None,
    warnings: list[str],
) -> list[Stream]:
    """A stream per service: its own tags, else the shared source's events naming it."""
    environment = settings.environment
    streams = []
    since, until = look.periods[look.looked_back][0], look.periods[-1][1]
    prereleases: list[str] = []  # left out of the services' tags in the window: said once
    tag_services: dict[str, list[str]] = {}  # a tag -> the services whose globs take it
    for service in settings.services:
        if service.tags is not None:
            source = source_from_spec(f"tags:{service.tags}")
            loaded = source.load(repo, environment)
            notes: list[str] = []
            events = _existing_events(repo, loaded, environment, notes)
            warnings += [f"service {service.name}: {w}" for w in [*loaded.warnings, *notes]]
            events = [replace(e, service=service.name) for e in events]
            for event in events:
                tag_services.setdefault(event.id, []).append(service.name)
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
    overlapping = {tag: owners for tag, owners in tag_services.items() if len(owners) > 1}
    if overlapping:
        tag, owners = min(overlapping.items())
        warnings.append(
            f"{len(overlapping)} tag(s) are deploys of more than one service, their tags globs "
            f"overlapping (e.g. {tag} of {', '.join(owners[:3])}): each of those services counts "
            "it; narrow the globs (ui-v[0-9]* rather than ui-v*, which takes ui-vite-v1.0.2)"
        )
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
            # The most frequent first, five at most: three thousand names made one line that
            # pushed every figure out of the pull-request comment.
            ranked = sorted(stray.items(), key=lambda item: (-item[1], item[0]))
            named = ", ".join(
                f"{n} named no service" if not name else f"{n} named service {name!r}"
                for name, n in ranked[:5]
            ) + (f" and {len(ranked) - 5} more services" if len(ranked) > 5 else "")
            warnings.append(
                f"{sum(stray.values())} deploy event(s) of {shared[0].spec} belong to no service "
                f"of [services] ({named}): not counted; record each deploy with --service NAME"
            )
    return streams


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


def shipped_before(
    repo: Repository,
    streams: Sequence[Stream],
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
        last = last_success(before) or (stream.baseline.sha if stream.baseline else None)
        if last is None:
            return []  # this stream's first deploys ship the whole history
        anchors.append(last)
    base = repo.merge_base(anchors) if anchors else None
    return [base] if base else []


def middle_time(repo: Repository, base: Sequence[str], streams: Sequence[Stream]) -> int | None:
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
