"""Pure: whether what shipped held up: failures and the time to recover from them, the deploys
that were repair rather than planned work (rework), and AI-assisted beside human with the number
of cases behind each figure. The definitions are docs/how-it-works.md "Did it hold up".

A stream's deploys (one service's, or the repository's) are read in time order:

    failed deploy ──────────────► next good deploy           recovery time
    deploy X ─── rollback to an earlier version               recovery time (X's time to it)
    incident started ─────────► resolved                      recovery time (its own clock)

A good deploy is a successful one that the next deploy of the stream does not roll back. A
failure with no recovery before the window's end is open: counted, never given a time.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from deploycount.deploys.base import DeployEvent
from deploycount.history.linking import LinkedDeploy
from deploycount.model import (
    RECOVERY_BOUNDS_SECONDS,
    ChangeFailure,
    Comparison,
    DeploymentRow,
    FailureRow,
    HeldUp,
    LeadTimeHistogram,
    MedianSide,
    Outcomes,
    RateSide,
    RecoveryStats,
    ReworkStats,
    Verdict,
)
from deploycount.options import Rules
from deploycount.timeutil import iso_z

Side = Literal["ai", "human"]
SUCCESS_KINDS = ("ship", "redeploy", "rollback")


@dataclass(frozen=True)
class Incident:
    """An incident of the register: `deploy` names the deploy (its id or a sha prefix) that
    caused it, "" when it names none; `service` "" is the whole repository."""

    id: str
    started: datetime
    resolved: datetime | None
    service: str = ""
    deploy: str = ""
    environment: str = "production"


_NEVER = datetime.max.replace(tzinfo=UTC)


class StreamOutcomes:
    """One stream's deploys of the span (`linked`, numbered in time order) read for what held
    up, once; `period` then gives any period's rework and failures, judged with what is known
    at that period's end, so a period reads the same in `--every` as in a report of its own.

    `before`: the stream's events before the span (a failed deploy just before it); `ai`: per
    number, whether the deploy shipped AI-assisted commits (known for deploys that shipped
    commits that count); `incidents`: those that concern this stream; `reverts_recent`:
    numbers of deploys that ship a revert of a commit shipped up to `rules.rework_days`
    before them. Linear in deploys."""

    def __init__(
        self,
        before: Sequence[DeployEvent],
        linked: Sequence[LinkedDeploy],
        *,
        ai: Mapping[int, bool],
        incidents: Sequence[Incident],
        reverts_recent: Collection[int],
        rules: Rules,
    ) -> None:
        self.events = [*before, *(d.event for d in linked)]
        self.offset = len(before)
        self.kinds = ["before"] * self.offset + [d.kind for d in linked]
        self.ai, self.rules = ai, rules
        self.reverts_recent = reverts_recent
        count = len(self.events)
        success = [e.status == "success" for e in self.events]
        self.next_success: list[int | None] = [None] * count
        self.prev_success: list[int | None] = [None] * count
        self.retry: list[int | None] = [None] * count  # the next success of the same commit
        # the latest failed deploy, rollback or incident start at or before each deploy
        self.last_trouble: list[datetime | None] = [None] * count
        later: int | None = None
        of_sha: dict[str, int] = {}
        for i in range(count - 1, -1, -1):
            self.next_success[i], self.retry[i] = later, of_sha.get(self.events[i].sha)
            if success[i]:
                later = of_sha[self.events[i].sha] = i
        earlier: int | None = None
        trouble: datetime | None = None
        # the incidents open at each deploy, by one sweep over both in time order
        self.open_incident: list[str | None] = [None] * count
        starts = sorted(incidents, key=lambda x: x.started)
        ends: list[tuple[datetime, int, str]] = []  # a heap of (resolved, order, id)
        waiting = 0
        for i in range(count):
            self.prev_success[i], self.last_trouble[i] = earlier, trouble
            moment = self.events[i].time
            while waiting < len(starts) and starts[waiting].started < moment:
                started = starts[waiting]
                heapq.heappush(ends, (started.resolved or _NEVER, waiting, started.id))
                waiting += 1
                trouble = max(trouble or started.started, started.started)
                self.last_trouble[i] = trouble
            while ends and ends[0][0] < moment:  # the deploy that resolves one is its fix
                heapq.heappop(ends)
            self.open_incident[i] = min(ends, key=lambda end: end[1])[2] if ends else None
            if self.kinds[i] in ("failed", "rollback") or not success[i]:
                trouble = self.events[i].time
            if success[i]:
                earlier = i

    def _good(self, j: int, until: datetime) -> bool:
        """Successful, and not rolled back by the next successful deploy before `until`."""
        later = self.next_success[j]
        return later is None or self.kinds[later] != "rollback" or self.events[later].time >= until

    def _ai(self, i: int | None, since: datetime, until: datetime) -> bool | None:
        """The side of deploy `i`, as a report of the period from `since` to `until` knows
        it: from `rework_days` before the period (what its look back reads), whatever the span
        read around it, so the period reads the same in every report that holds it."""
        early = since - timedelta(days=self.rules.rework_days)
        if i is None or i < self.offset or not early <= self.events[i].time < until:
            return None
        return self.ai.get(i - self.offset)

    def period(
        self, first: int, stop: int, since: datetime, until: datetime
    ) -> tuple[dict[int, str], dict[int, FailureRow]]:
        """The rework reason of each deploy numbered `first` to `stop` (the period from `since`
        to `until`) that was repair, and the failure each failed deploy or rollback among them
        shows, by number; recoveries after `until` are open."""
        events, kinds, rules = self.events, self.kinds, self.rules
        rework: dict[int, str] = {}
        failures: dict[int, FailureRow] = {}
        hours = timedelta(hours=rules.rework_hours)
        for number in range(first, stop):
            i = number + self.offset
            event, kind = events[i], kinds[i]
            if kind == "failed":
                j = self.next_success[i]
                while j is not None and events[j].time < until and not self._good(j, until):
                    j = self.next_success[j]
                recovered = events[j].time if j is not None and events[j].time < until else None
                failures[number] = _failure(
                    "failed deploy", event, cause=event, started=event.time,
                    recovered=recovered, ai=self._ai(self.retry[i], since, until),
                )  # fmt: skip
                continue
            if kind not in SUCCESS_KINDS:
                continue
            reason = None
            trouble = self.last_trouble[i]
            if kind == "rollback":
                reason = "a rollback to an earlier version"
                undone = self.prev_success[i]
                if undone is not None:
                    failures[number] = _failure(
                        "rollback", event, cause=events[undone], started=events[undone].time,
                        recovered=event.time, ai=self._ai(undone, since, until),
                    )  # fmt: skip
            elif number in self.reverts_recent:
                reason = f"reverts or fixes a commit shipped up to {rules.rework_days} days before"
            elif (incident := self.open_incident[i]) is not None:
                reason = f"during incident {incident}"
            elif trouble is not None and event.time - trouble <= hours:
                reason = f"within {rules.rework_hours} h of a failed deploy, rollback or incident"
            if reason is not None:
                rework[number] = reason
        return rework, failures


def _failure(source: Literal["failed deploy", "rollback"], event: DeployEvent, *,
             cause: DeployEvent, started: datetime, recovered: datetime | None,
             ai: bool | None) -> FailureRow:  # fmt: skip
    """`event` shows the failure (a failed deploy, a rollback); `cause` is the deploy that
    failed (the failed one, or the one the rollback undid)."""
    return FailureRow(
        source=source,
        id=event.id,
        deploy=cause.id,
        service=event.service or None,
        started=iso_z(started),
        recovered=iso_z(recovered) if recovered is not None else None,
        hours=_hours(started, recovered),
        ai=ai,
    )


def _hours(started: datetime, recovered: datetime | None) -> float | None:
    if recovered is None:
        return None
    return round(max(0.0, (recovered - started).total_seconds()) / 3600, 4)


Cause = tuple[DeployEvent, bool | None]  # the deploy an incident names, and its side


def incident_failures(
    incidents: Sequence[Incident],
    cause: Callable[[Incident], Cause | None],
    since: datetime,
    until: datetime,
) -> tuple[list[FailureRow], list[str]]:
    """The incidents that began in the window as failures, each with the deploy it names
    (`cause` finds it: by id, or the deploy that first shipped the commit it names), and a
    warning for each that names a deploy or commit no deploy of the report shipped before it
    began. An incident that names no deploy is a failure of no change: in recovery time, on
    neither side of the comparison."""
    failures, warnings = [], []
    for incident in incidents:
        if not since <= incident.started < until:
            continue
        found = cause(incident) if incident.deploy else None
        if incident.deploy and found is None:
            warnings.append(
                f"incident {incident.id} names {incident.deploy[:64]}, which no deploy of the "
                "report shipped before it began: counted as a failure of no change"
            )
        resolved = incident.resolved if incident.resolved and incident.resolved < until else None
        failures.append(
            FailureRow(
                source="incident",
                id=incident.id,
                service=incident.service or None,
                started=iso_z(incident.started),
                recovered=iso_z(resolved) if resolved else None,
                hours=_hours(incident.started, resolved),
                ai=found[1] if found is not None else None,
                deploy=found[0].id if found is not None else None,
            )
        )
    return failures, warnings


# -- the figures ------------------------------------------------------------------------------


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """The 95 % Wilson score interval of the rate k/n (None without cases)."""
    if n == 0:
        return None
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def median_interval(values: Sequence[float]) -> tuple[float, float] | None:
    """A distribution-free interval of at least 95 % for the median: the order statistics
    (j, k) around it whose binomial(n, ½) coverage first reaches 95 % (None below 6 cases,
    where no such pair exists)."""
    n = len(values)
    ordered = sorted(values)
    for low in range(n // 2, -1, -1):
        high = n - 1 - low
        # P(the median lies between ordered[low] and ordered[high]) = P(low < B <= high)
        coverage = sum(math.comb(n, i) for i in range(low + 1, high + 1)) / 2**n
        if coverage >= 0.95:
            return ordered[low], ordered[high]
    return None


def _percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = q * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (rank - low), 4)


def _rate_side(k: int, n: int, min_n: int) -> RateSide:
    if n < min_n:
        return RateSide(n=n, k=k, rate=None, low=None, high=None)
    low, high = wilson(k, n) or (0.0, 0.0)
    return RateSide(n=n, k=k, rate=round(k / n, 4), low=round(low, 4), high=round(high, 4))


def _median_side(values: Sequence[float], min_n: int) -> MedianSide:
    interval = median_interval(values) if len(values) >= min_n else None
    return MedianSide(
        n=len(values),
        p50=_percentile(values, 0.5) if len(values) >= min_n else None,
        low=interval[0] if interval else None,
        high=interval[1] if interval else None,
    )


def _verdict(ai: RateSide | MedianSide, human: RateSide | MedianSide) -> Verdict:
    if ai.low is None or human.low is None or ai.high is None or human.high is None:
        return "too few to compare"
    if ai.high < human.low:
        return "AI-assisted lower"
    if human.high < ai.low:
        return "AI-assisted higher"
    return "no clear difference"


def _rate_comparison(ai: tuple[int, int], human: tuple[int, int], min_n: int) -> Comparison:
    sides = _rate_side(*ai, min_n), _rate_side(*human, min_n)
    return Comparison(ai=sides[0], human=sides[1], verdict=_verdict(*sides))


def summarise(
    rows: Sequence[DeploymentRow],
    failures: Sequence[FailureRow],
    *,
    reverted: tuple[int, int],
    commits: tuple[int, int],
    min_n: int,
    teams: Mapping[str, Collection[int]] | None = None,
    services: Sequence[str] = (),
) -> Outcomes:
    """The window's outcome figures from its deployment rows (with their rework reasons), its
    failures, and its commits (`commits`: AI-assisted, human; `reverted`: of those, reverted
    later). Rates and intervals are worked out here from counts, so a merge of many
    repositories recomputes them rather than averaging. `teams`: each team's deploys (indices
    of `rows`); `services`: the services to give a row each."""
    overall = held_up(rows, failures)
    rows_of: dict[str | None, list[DeploymentRow]] = {}
    failures_of: dict[str | None, list[FailureRow]] = {}
    for row in rows:
        rows_of.setdefault(row.service, []).append(row)
    for failure in failures:
        failures_of.setdefault(failure.service, []).append(failure)
    done = [row for row in rows if row.kind in SUCCESS_KINDS]
    failed = _failed_shipped(failures)  # a failed deploy shipped nothing: it has no side

    def split(failed_when: Callable[[DeploymentRow], bool]) -> Comparison:
        sides = {True: [0, 0], False: [0, 0]}
        for row in done:
            if row.kind == "ship" and row.ai_work is not None:
                side = sides[row.ai_work]
                side[0] += failed_when(row)
                side[1] += 1
        ai, human = sides[True], sides[False]
        return _rate_comparison((ai[0], ai[1]), (human[0], human[1]), min_n)

    ai_hours = [f.hours for f in failures if f.hours is not None and f.ai is True]
    human_hours = [f.hours for f in failures if f.hours is not None and f.ai is False]
    recovery = _median_side(ai_hours, min_n), _median_side(human_hours, min_n)
    return Outcomes(
        failures=overall.failures,
        open=overall.open,
        change_failure=overall.change_failure,
        recovery_hours=overall.recovery_hours,
        rework=overall.rework,
        min_n=min_n,
        change_fail=split(lambda row: (row.repository, row.id, row.service) in failed),
        rework_split=split(lambda row: row.rework is not None),
        revert=_rate_comparison((reverted[0], commits[0]), (reverted[1], commits[1]), min_n),
        recovery=Comparison(ai=recovery[0], human=recovery[1], verdict=_verdict(*recovery)),
        by_team={
            team: held_up([rows[i] for i in sorted(indices)], failures, deploys_only=True)
            for team, indices in (teams or {}).items()
        },
        by_service={
            service: held_up(rows_of.get(service, []), failures_of.get(service, []))
            for service in services
        },
    )


def _failed_shipped(failures: Sequence[FailureRow]) -> set[tuple[str, str, str | None]]:
    """The shipped deploys that failed as changes: rolled back by a later deploy, or named by
    an incident (repository, id, service)."""
    return {
        (f.repository, f.deploy, f.service)
        for f in failures
        if f.source != "failed deploy" and f.deploy
    }


def _change_failure(rows: Sequence[DeploymentRow], failures: Sequence[FailureRow]) -> ChangeFailure:
    """Of the attempts among `rows` (successful deploys, the baseline left out, and failed
    ones), those that failed as changes: failed, or rolled back or named by an incident."""
    shipped_and_failed = _failed_shipped(failures)
    attempts = failed = 0
    for row in rows:
        if row.kind == "failed":
            attempts, failed = attempts + 1, failed + 1
        elif row.kind in SUCCESS_KINDS:
            attempts += 1
            failed += (row.repository, row.id, row.service) in shipped_and_failed
    return ChangeFailure(
        attempts=attempts, failed=failed, rate=round(failed / attempts, 4) if attempts else None
    )


def held_up(
    rows: Sequence[DeploymentRow], failures: Sequence[FailureRow], *, deploys_only: bool = False
) -> HeldUp:
    """Failures, recovery time and rework of `rows`; with `deploys_only`, only the failures
    whose failed deploy is among them (a team's: the deploys that shipped its commits)."""
    if deploys_only:
        mine = {(row.repository, row.id, row.service) for row in rows}
        failures = [f for f in failures if (f.repository, f.deploy, f.service) in mine]
    done = [row for row in rows if row.kind in SUCCESS_KINDS]
    reworked = sum(1 for row in done if row.rework)
    hours = [f.hours for f in failures if f.hours is not None]
    seconds = [h * 3600 for h in hours]
    return HeldUp(
        failures=len(failures),
        open=len(failures) - len(hours),
        change_failure=_change_failure(rows, failures),
        recovery_hours=RecoveryStats(
            n=len(hours), p50=_percentile(hours, 0.5), p90=_percentile(hours, 0.9)
        ),
        recovery_histogram=LeadTimeHistogram(
            sum_seconds=round(sum(seconds), 3),
            le={str(b): sum(1 for x in seconds if x <= b) for b in RECOVERY_BOUNDS_SECONDS},
        ),
        rework=ReworkStats(
            deployments=len(done),
            rework=reworked,
            rate=round(reworked / len(done), 4) if done else None,
        ),
    )
