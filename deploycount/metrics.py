"""Pure: shipped commits, deploys and teams in; the report's metrics out (README "Metrics")."""

from __future__ import annotations

import math
import statistics
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from deploycount.attribution import Confidence, Person
from deploycount.commits import CommitInfo
from deploycount.linking import LinkedDeploy
from deploycount.model import (
    LEAD_TIME_BOUNDS_SECONDS,
    DeploymentRow,
    LeadTimeHistogram,
    LeadTimeHistograms,
    LeadTimes,
    LeadTimeStats,
    Metrics,
    Report,
    RevertedCommits,
    TeamRow,
    Totals,
)
from deploycount.teams import UNASSIGNED, TeamDirectory
from deploycount.timeutil import iso_z

_HOUR = 3600.0


class ShippedCommit(NamedTuple):
    """A commit shipped in the window, with everything metrics need to know about it."""

    commit: CommitInfo
    deploy_index: int
    deploy_time: datetime
    counted: bool
    reverted: bool
    ai: bool
    tools: tuple[str, ...]
    team: str
    humans: tuple[Person, ...]

    @property
    def lead_time_seconds(self) -> float:
        return self.deploy_time.timestamp() - self.commit.committed_at


@dataclass
class _Tally:
    """Running sums for one team (or the totals)."""

    deployments: set[int] = field(default_factory=set)
    ai_deployments: set[int] = field(default_factory=set)
    commits: int = 0
    ai_commits: int = 0
    people: set[str] = field(default_factory=set)
    ai_lead: list[float] = field(default_factory=list)  # seconds
    human_lead: list[float] = field(default_factory=list)
    reverted_ai: int = 0
    reverted_human: int = 0
    tools: Counter[str] = field(default_factory=Counter)
    negative_lead: list[ShippedCommit] = field(default_factory=list)

    def add(self, shipped: ShippedCommit) -> None:
        if shipped.reverted:
            if shipped.ai:
                self.reverted_ai += 1
            else:
                self.reverted_human += 1
            return
        if not shipped.counted:
            return
        self.deployments.add(shipped.deploy_index)
        self.commits += 1
        lead = shipped.lead_time_seconds
        if lead < 0:
            # A deploy before the commit existed: a clock or a typo. It still counts; its lead
            # time does not.
            self.negative_lead.append(shipped)
        if shipped.ai:
            self.ai_deployments.add(shipped.deploy_index)
            self.ai_commits += 1
            self.tools.update(shipped.tools)
            if lead >= 0:
                self.ai_lead.append(lead)
        elif lead >= 0:
            self.human_lead.append(lead)


def classify_shipped(
    linked: Sequence[LinkedDeploy],
    commits: Mapping[str, CommitInfo],
    *,
    empty: frozenset[str],
    reverted: frozenset[str],
    minimum: Confidence,
    directory: TeamDirectory,
    mailmap: Mapping[Person, Person],
) -> list[ShippedCommit]:
    """Every commit the window's deploys shipped, with whether and for whom it counts."""
    # Attributions and authors are shared between commits (most commits carry no signal at
    # all), so their verdicts are worked out once per object, not once per commit.
    verdicts: dict[int, tuple[bool, tuple[str, ...], list[Person]]] = {}
    result = []
    for index, deploy in enumerate(linked):
        deploy_time = deploy.event.time
        for sha in deploy.shipped:
            commit = commits[sha]
            attribution = commit.attribution
            verdict = verdicts.get(id(attribution))
            if verdict is None:
                verdict = (
                    attribution.is_ai(minimum),
                    attribution.tools(minimum),
                    directory.human_co_authors(attribution, mailmap),
                )
                verdicts[id(attribution)] = verdict
            ai, tools, co_authors = verdict
            excluded = commit.is_merge or sha in empty or commit.reverts is not None
            author = commit.author
            humans = [author, *co_authors] if directory.is_human(author) else co_authors
            result.append(
                ShippedCommit(
                    commit=commit,
                    deploy_index=index,
                    deploy_time=deploy_time,
                    counted=not excluded and sha not in reverted,
                    reverted=not excluded and sha in reverted,
                    ai=ai,
                    tools=tools,
                    team=directory.team_of_commit(author, co_authors),
                    humans=tuple(humans),
                )
            )
    return result


def lead_time_stats(hours: Sequence[float]) -> LeadTimeStats:
    """n, median and `quantiles(n=10, method="inclusive")[8]` (the value itself when n = 1)."""
    if not hours:
        return LeadTimeStats(n=0, p50=None, p90=None)
    if len(hours) == 1:
        return LeadTimeStats(n=1, p50=round(hours[0], 2), p90=round(hours[0], 2))
    p90 = statistics.quantiles(hours, n=10, method="inclusive")[8]
    return LeadTimeStats(n=len(hours), p50=round(statistics.median(hours), 2), p90=round(p90, 2))


def lead_time_histogram(seconds: Sequence[float]) -> LeadTimeHistogram:
    """The cumulative counts at each of `LEAD_TIME_BOUNDS_SECONDS`, and the sum."""
    ordered = sorted(seconds)
    return LeadTimeHistogram(
        sum_seconds=round(math.fsum(ordered), 3),
        le={str(bound): bisect_right(ordered, bound) for bound in LEAD_TIME_BOUNDS_SECONDS},
    )


def _per_week(count: int, size: int, weeks: float) -> float | None:
    if size == 0 or weeks <= 0:
        return None
    return round(count / size / weeks, 4)


def _metrics(tally: _Tally, size: int, size_source: str, weeks: float) -> dict[str, object]:
    return {
        "deployments": len(tally.deployments),
        "ai_deployments": len(tally.ai_deployments),
        "size": size,
        "size_source": size_source,
        "normalised_deployments": _per_week(len(tally.deployments), size, weeks),
        "ai_normalised_deployments": _per_week(len(tally.ai_deployments), size, weeks),
        "commits": tally.commits,
        "ai_commits": tally.ai_commits,
        "ai_commit_share": round(tally.ai_commits / tally.commits, 4) if tally.commits else None,
        "lead_time_hours": LeadTimes(
            ai=lead_time_stats([s / _HOUR for s in tally.ai_lead]),
            human=lead_time_stats([s / _HOUR for s in tally.human_lead]),
        ),
        "lead_time_histogram": LeadTimeHistograms(
            ai=lead_time_histogram(tally.ai_lead), human=lead_time_histogram(tally.human_lead)
        ),
        "reverted_commits": RevertedCommits(ai=tally.reverted_ai, human=tally.reverted_human),
        "tools": dict(sorted(tally.tools.items())),
    }


_NULL_METRICS = dict.fromkeys(Metrics.model_fields)


@dataclass
class Tallies:
    """Everything a report's figures are computed from: sums for the totals and per team,
    counted commits per deploy. People are keys (a lower-cased email, or in a partial report
    its keyed hash); deploys are indices into the deployment rows."""

    totals: _Tally = field(default_factory=_Tally)
    by_team: dict[str, _Tally] = field(default_factory=lambda: defaultdict(_Tally))
    per_deploy: Counter[int] = field(default_factory=Counter)
    per_deploy_ai: Counter[int] = field(default_factory=Counter)


def tally_shipped(
    shipped: Sequence[ShippedCommit], directory: TeamDirectory
) -> tuple[Tallies, list[Person]]:
    """The tallies of the shipped commits, and the distinct people seen (for warnings)."""
    tallies = Tallies()
    totals, by_team = tallies.totals, tallies.by_team
    with_teams = bool(directory.teams)
    emails: dict[Person, str] = {}
    for item in shipped:
        totals.add(item)
        if with_teams:
            by_team[item.team].add(item)
        if item.counted:
            tallies.per_deploy[item.deploy_index] += 1
            tallies.per_deploy_ai[item.deploy_index] += item.ai
            for person in item.humans:
                email = emails.get(person)
                if email is None:
                    email = emails[person] = person.email.lower()
                totals.people.add(email)
                if with_teams:
                    by_team[directory.team_of_email(email)].people.add(email)
    return tallies, list(emails)


@dataclass
class Partial:
    """One repository's report before the figures: tallies, deploy rows, what it was made with.
    `merge` (partial.py) turns any number of them into one report; people are emails here and
    keyed hashes once written to a partial file."""

    repository: str
    environment: str
    deploy_source: str
    since: str
    until: str
    weeks: float
    min_team_size: int
    teams: list[tuple[str, int | None]]
    tallies: Tallies
    deployments: list[DeploymentRow]
    rollbacks: int
    failed_deployments: int
    warnings: list[str]
    key_id: str = ""  # which secret hashed the people ("" while people are still emails)


def build_partial(
    *,
    repository: str,
    environment: str,
    deploy_source: str,
    since: datetime,
    until: datetime,
    linked: Sequence[LinkedDeploy],
    shipped: Sequence[ShippedCommit],
    directory: TeamDirectory,
    min_team_size: int,
    warnings: Sequence[str],
    elapsed_until: datetime | None = None,
) -> Partial:
    """Rates per week will use the window up to `elapsed_until` (its elapsed part, when it ends
    in the future)."""
    weeks = ((elapsed_until or until) - since).total_seconds() / (7 * 24 * _HOUR)
    tallies, people = tally_shipped(shipped, directory)
    notes = [*warnings, *_negative_lead_warning(tallies.totals.negative_lead, linked)]
    notes += _split_identity_warning(people)
    kinds = Counter(d.kind for d in linked)
    rows = [
        DeploymentRow(
            id=d.event.id,
            sha=d.event.sha,
            time=iso_z(d.event.time),
            kind=d.kind,
            commits=tallies.per_deploy[index],
            ai_commits=tallies.per_deploy_ai[index],
            repository=repository,
        )
        for index, d in enumerate(linked)
    ]
    return Partial(
        repository=repository,
        environment=environment,
        deploy_source=deploy_source,
        since=iso_z(since),
        until=iso_z(until),
        weeks=weeks,
        min_team_size=min_team_size,
        teams=[(t.name, t.size) for t in directory.teams],
        tallies=tallies,
        deployments=rows,
        rollbacks=kinds["rollback"],
        failed_deployments=kinds["failed"],
        warnings=notes,
    )


def build_report(**arguments: Any) -> Report:
    """The report of one repository (the arguments of `build_partial`)."""
    return report_of(build_partial(**arguments))


def report_of(partial: Partial, repositories: Sequence[str] | None = None) -> Report:
    """The report from a partial's tallies: one repository's, or a merge of many
    (`repositories` then lists them and `partial.repository` is their label)."""
    rows: list[TeamRow] = []
    tallies, weeks = partial.tallies, partial.weeks
    if partial.teams:
        names = [name for name, _ in partial.teams]
        if UNASSIGNED in tallies.by_team and UNASSIGNED not in names:
            names.append(UNASSIGNED)
        declared = dict(partial.teams)
        for name in names:
            tally = tallies.by_team.get(name, _Tally())
            size = declared.get(name)
            source = "declared" if size is not None else "active"
            size = size if size is not None else len(tally.people)
            if size < partial.min_team_size:
                rows.append(TeamRow(team=name, suppressed=True, **_NULL_METRICS))
            else:
                rows.append(
                    TeamRow(team=name, suppressed=False, **_metrics(tally, size, source, weeks))  # type: ignore[arg-type]
                )
    totals = tallies.totals
    return Report(
        repository=partial.repository,
        repositories=list(repositories or [partial.repository]),
        environment=partial.environment,
        deploy_source=partial.deploy_source,
        since=partial.since,
        until=partial.until,
        weeks=round(weeks, 4),
        totals=Totals(
            **_metrics(totals, len(totals.people), "active", weeks),  # type: ignore[arg-type]
            rollbacks=partial.rollbacks,
            failed_deployments=partial.failed_deployments,
        ),
        teams=rows,
        deployments=partial.deployments,
        warnings=list(partial.warnings),
    )


def repository_label(repositories: Sequence[str]) -> str:
    """One repository's name; for several, `owner/*` when they share an owner, else `*`."""
    if len(repositories) == 1:
        return repositories[0]
    owners = {name.split("/", 1)[0] for name in repositories if "/" in name}
    if len(owners) == 1 and all("/" in name for name in repositories):
        return f"{owners.pop()}/*"
    return "*"


def _negative_lead_warning(
    negative: Sequence[ShippedCommit], linked: Sequence[LinkedDeploy]
) -> list[str]:
    if not negative:
        return []
    examples = ", ".join(
        f"{item.commit.sha[:12]} by {linked[item.deploy_index].event.id}" for item in negative[:3]
    )
    more = ", …" if len(negative) > 3 else ""
    return [
        f"{len(negative)} commit(s) deployed before they were committed ({examples}{more}): a "
        "clock or a typo in a deploy time; they count, but their lead times are left out"
    ]


def _split_identity_warning(people: Sequence[Person]) -> list[str]:
    """People whose name ships under several emails probably count several times."""
    emails_by_name: dict[str, set[str]] = defaultdict(set)
    for person in people:
        name = " ".join(person.name.lower().split())
        if len(name) > 1:
            emails_by_name[name].add(person.email.lower())
    split = sum(1 for emails in emails_by_name.values() if len(emails) > 1)
    if not split:
        return []
    return [
        f"{split} name(s) ship under more than one email in the window, so one person may "
        "count as several: map each person's emails to one in .mailmap (git log "
        "--format='%aN <%aE>' | sort -u lists them)"
    ]


__all__ = [
    "Partial",
    "ShippedCommit",
    "Tallies",
    "build_partial",
    "build_report",
    "classify_shipped",
    "lead_time_histogram",
    "lead_time_stats",
    "report_of",
    "repository_label",
    "tally_shipped",
]
