"""Pure: shipped commits, deploys and teams in; the report's metrics out (README "Metrics")."""

from __future__ import annotations

import math
import statistics
from array import array
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from deploycount.history.columns import COUNTED
from deploycount.history.linking import LinkedDeploy
from deploycount.history.reading import LoadedHistory
from deploycount.identity import Confidence, Person
from deploycount.model import (
    LEAD_TIME_BOUNDS_SECONDS,
    METRIC_FIELDS,
    DeploymentRow,
    FailureRow,
    LeadTimeHistogram,
    LeadTimeHistograms,
    LeadTimes,
    LeadTimeStats,
    Outcomes,
    Report,
    RevertedCommits,
    ServiceRow,
    TeamRow,
    Totals,
)
from deploycount.options import DEFAULT_MIN_N
from deploycount.outcomes import summarise
from deploycount.tallies import Partial, Tallies, Tally
from deploycount.teams import UNASSIGNED, TeamDirectory
from deploycount.timeutil import iso_z

_HOUR = 3600.0


class _Verdict(NamedTuple):
    """What the tallies need of one (attribution, author) pair of the shipped commits."""

    ai: bool
    tools: tuple[str, ...]
    team: str
    humans: tuple[Person, ...]


def tally_history(
    linked: Sequence[LinkedDeploy],
    history: LoadedHistory,
    state: bytearray,
    *,
    minimum: Confidence,
    directory: TeamDirectory,
    mailmap: Mapping[Person, Person],
    since: datetime | None = None,
) -> tuple[Tallies, list[Person]]:
    """The tallies of the commits the deploys of `linked` shipped, and the distinct people seen
    (for warnings). Each person's weeks are the weeks from `since` (the period's start; None:
    the first deploy's time) of the deploys that shipped their counted commits. `state` says
    per row whether a commit counts (`columns.COUNTED`), was
    reverted, or is excluded (a merge, an empty commit, a revert).

    The loop over commits runs in the columns, by (attribution, author) pair and by slot (team,
    AI or not): Python sees each pair once, however many commits share it."""
    columns = history.columns
    order, deploy_of = array("i"), array("i")
    for index, deploy in enumerate(linked):
        order.extend(deploy.shipped)
        deploy_of.extend(array("i", [index]) * len(deploy.shipped))
    pairs, pair_of = columns.pairs(order, history.ident_attr)
    by_attribution: dict[int, tuple[bool, tuple[str, ...], list[Person]]] = {}
    verdicts = []
    slots: dict[tuple[str, bool], int] = {}
    slot_of_pair = array("i")
    for attr, author_id in pairs:
        found = by_attribution.get(attr)
        if found is None:
            attribution = history.attributions[attr]
            found = by_attribution[attr] = (
                attribution.is_ai(minimum),
                attribution.tools(minimum),
                directory.human_co_authors(attribution, mailmap),
            )
        ai, tools, co_authors = found
        author = history.people[author_id]
        humans = [author, *co_authors] if directory.is_human(author) else co_authors
        verdict = _Verdict(ai, tools, directory.team_of_commit(author, co_authors), tuple(humans))
        verdicts.append(verdict)
        slot_of_pair.append(slots.setdefault((verdict.team, ai), len(slots)))
    ai_of_slot = bytes(int(ai) for _, ai in slots)
    times = array("d", (d.event.time.timestamp() for d in linked))
    counted, reverted, slot_deploys, slot_leads, negative, per_deploy, per_deploy_ai = (
        columns.tally(order, deploy_of, pair_of, slot_of_pair, ai_of_slot, state, times)
    )

    tallies = Tallies()
    with_teams = bool(directory.teams)

    def tallies_of(team: str) -> tuple[Tally, ...]:
        return (tallies.totals, tallies.by_team[team]) if with_teams else (tallies.totals,)

    for (team, ai), slot in slots.items():
        for tally in tallies_of(team):
            tally.deployments.update(slot_deploys[slot])
            (tally.ai_lead if ai else tally.human_lead).extend(slot_leads[slot])
            if ai:
                tally.ai_deployments.update(slot_deploys[slot])
    emails: dict[Person, str] = {}
    for pair, verdict in enumerate(verdicts):
        for tally in tallies_of(verdict.team):
            if verdict.ai:
                tally.reverted_ai += reverted[pair]
                tally.ai_commits += counted[pair]
                for tool in verdict.tools if counted[pair] else ():
                    tally.tools[tool] += counted[pair]
            else:
                tally.reverted_human += reverted[pair]
            tally.commits += counted[pair]
        if not counted[pair]:
            continue
        for person in verdict.humans:
            email = emails.get(person)
            if email is None:
                email = emails[person] = person.email.lower()
            tallies.totals.people.add(email)
            if with_teams:
                tallies.by_team[directory.team_of_email(email)].people.add(email)
    _person_weeks(tallies, linked, order, deploy_of, pair_of, state, verdicts, directory, since)
    tallies.per_deploy = Counter({d: n for d, n in enumerate(per_deploy) if n})
    tallies.per_deploy_ai = Counter({d: n for d, n in enumerate(per_deploy_ai) if n})
    tallies.negative_lead = [(columns.sha(order[p]), deploy_of[p]) for p in negative]
    return tallies, list(emails)


def _person_weeks(  # noqa: PLR0917 - the loop's own arrays, as tally_history has them
    tallies: Tallies,
    linked: Sequence[LinkedDeploy],
    order: array[int],
    deploy_of: array[int],
    pair_of: array[int],
    state: bytearray,
    verdicts: Sequence[_Verdict],
    directory: TeamDirectory,
    since: datetime | None,
) -> None:
    """The weeks each person was active in: those of the deploys that shipped their counted
    commits, counted from `since` (one pass over the shipped rows; each (pair, deploy) is then
    seen once)."""
    start = since if since is not None else (linked[0].event.time if linked else None)
    week_of = [int((d.event.time - start) / _WEEK) if start else 0 for d in linked]
    active = {(pair_of[i], deploy_of[i]) for i, row in enumerate(order) if state[row] == COUNTED}
    emails: dict[Person, str] = {}
    for pair, shipped_by in active:
        week = week_of[shipped_by]
        for person in verdicts[pair].humans:
            email = emails.get(person)
            if email is None:
                email = emails[person] = person.email.lower()
            tallies.totals.person_weeks.add((email, week))
            if directory.teams:
                tallies.by_team[directory.team_of_email(email)].person_weeks.add((email, week))


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


def _per_week(count: int, size: float, weeks: float) -> float | None:
    if size == 0 or weeks <= 0:
        return None
    return round(count / size / weeks, 4)


def active_size(tally: Tally, weeks: float) -> float:
    """The people active in an average week: person-weeks of activity over the window's weeks.
    A one-off contributor weighs one week of it, the person who ships every week all of it. The
    window's last week may be part of one (10 days are a week and 3 days): a person active in it
    weighs that part, so one person is never more than one."""
    if weeks <= 0:
        return 0.0
    # a week at or past the window's end (a deploy recorded ahead of now) weighs a whole one
    parts = (weeks - week if 0 < weeks - week < 1 else 1.0 for _, week in tally.person_weeks)
    return math.fsum(parts) / weeks


def _metrics(tally: Tally, size: float, size_source: str, weeks: float) -> dict[str, object]:
    return {
        "deployments": len(tally.deployments),
        "ai_deployments": len(tally.ai_deployments),
        "size": round(size, 2) if isinstance(size, float) else size,
        "size_source": size_source,
        "people": len(tally.people),
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


_NULL_METRICS = dict.fromkeys(METRIC_FIELDS)
ACTIVE = "person-weeks"  # the size_source of an active size
_WEEK = timedelta(weeks=1)


def _floored(tally: Tally, declared: int | None, weeks: float, floor: int) -> Any:
    """A team's or a service's row fields: its metrics, or none (`suppressed`) when it has
    fewer people than the privacy floor (its declared size, else its distinct people)."""
    if (declared if declared is not None else len(tally.people)) < floor:
        return {"suppressed": True, **_NULL_METRICS}
    if declared is not None:
        return {"suppressed": False, **_metrics(tally, declared, "declared", weeks)}
    return {"suppressed": False, **_metrics(tally, active_size(tally, weeks), ACTIVE, weeks)}


def build_partial(
    *,
    repository: str,
    environment: str,
    deploy_source: str,
    since: datetime,
    until: datetime,
    linked: Sequence[LinkedDeploy],
    tallies: Tallies,
    people: Sequence[Person],
    directory: TeamDirectory,
    min_team_size: int,
    warnings: Sequence[str],
    elapsed_until: datetime | None = None,
    service: str | None = None,
    rework: Mapping[int, str] | None = None,
    ai_work: Mapping[int, bool] | None = None,
    failures: Sequence[FailureRow] = (),
    min_n: int = DEFAULT_MIN_N,
) -> Partial:
    """The partial of the tallies `tally_history` made of `linked` (and the people it saw).
    Rates per week will use the window up to `elapsed_until` (its elapsed part, when it ends
    in the future). A `service`'s partial holds its tallies as its totals and its row."""
    if service is not None:
        tallies.by_service = {service: tallies.totals}
    weeks = ((elapsed_until or until) - since).total_seconds() / (7 * 24 * _HOUR)
    notes = [*warnings, *_negative_lead_warning(tallies.negative_lead, linked)]
    notes += split_identity_warning(people)
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
            service=service,
            ai_work=(ai_work or {}).get(index),
            rework=(rework or {}).get(index),
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
        services=[service] if service is not None else [],
        failures=[replace(f, repository=repository) for f in failures],
        min_n=min_n,
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
            tally = tallies.by_team.get(name, Tally())
            figures = _floored(tally, declared.get(name), weeks, partial.min_team_size)
            rows.append(TeamRow(team=name, **figures))
    services = []
    for name in partial.services:
        tally = tallies.by_service.get(name, Tally())
        figures = _floored(tally, None, weeks, partial.min_team_size)
        services.append(ServiceRow(service=name, **figures))
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
            **_metrics(totals, active_size(totals, weeks), ACTIVE, weeks),  # type: ignore[arg-type]
            rollbacks=partial.rollbacks,
            failed_deployments=partial.failed_deployments,
        ),
        teams=rows,
        services=services,
        outside_services=tallies.outside_services if partial.services else None,
        deployments=partial.deployments,
        warnings=list(partial.warnings),
        outcomes=_outcomes(
            partial,
            [r.team for r in rows if not r.suppressed],
            [s.service for s in services if not s.suppressed],
        ),
        failures=list(partial.failures or []),
    )


def _outcomes(partial: Partial, teams: Sequence[str], services: Sequence[str]) -> Outcomes | None:
    """Whether what shipped held up (None: a partial that does not know its failures), for
    the teams and services shown (above the privacy floor)."""
    if partial.failures is None:
        return None
    totals = partial.tallies.totals
    return summarise(
        partial.deployments,
        partial.failures,
        reverted=(totals.reverted_ai, totals.reverted_human),
        commits=(totals.ai_commits, totals.commits - totals.ai_commits),
        min_n=partial.min_n,
        teams={
            team: partial.tallies.by_team[team].deployments
            for team in teams
            if team in partial.tallies.by_team
        },
        services=services,
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
    negative: Sequence[tuple[str, int]], linked: Sequence[LinkedDeploy]
) -> list[str]:
    if not negative:
        return []
    examples = ", ".join(f"{sha[:12]} by {linked[index].event.id}" for sha, index in negative[:3])
    more = ", …" if len(negative) > 3 else ""
    return [
        f"{len(negative)} commit(s) deployed before they were committed ({examples}{more}): a "
        "clock or a typo in a deploy time; they count, but their lead times are left out"
    ]


def split_identity_warning(people: Sequence[Person]) -> list[str]:
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
    "build_partial",
    "build_report",
    "lead_time_histogram",
    "lead_time_stats",
    "report_of",
    "repository_label",
    "split_identity_warning",
    "tally_history",
]
