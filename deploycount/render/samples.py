"""Pure: a report as metric families (README "Metrics names"), the one description every sink
renders: the Pushgateway and OpenMetrics text through `prometheus_client`, OTLP through the
official protobuf messages.

Suppressed teams are left out; a null metric is not sent (a missing sample, not a zero).
Repository totals carry `team="all"` (and `service="all"` in a report with services, whose
rows carry `team="all", service=NAME`); what describes the push rather than a team (the window's
bounds, the push time, the info metric) carries no `team` label.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from deploycount import __version__
from deploycount.model import (
    LEAD_TIME_BOUNDS_SECONDS,
    RECOVERY_BOUNDS_SECONDS,
    HeldUp,
    Metrics,
    Outcomes,
    Report,
    Spend,
)
from deploycount.timeutil import from_iso_z

PREFIX = "deploycount_"

Labels = tuple[tuple[str, str], ...]
Kind = Literal["gauge", "histogram", "info"]


@dataclass(frozen=True, slots=True)
class Point:
    """One value of a family: a number, or for a histogram the cumulative counts per upper bound
    (+Inf last) and the sum. `timestamp` (Unix seconds) only for backfill output."""

    labels: Labels
    value: float = 0
    buckets: tuple[tuple[float, int], ...] = ()
    total: float = 0.0
    timestamp: float | None = None

    @property
    def count(self) -> int:
        return self.buckets[-1][1] if self.buckets else 0


@dataclass(frozen=True, slots=True)
class Family:
    """A metric: name without the prefix, type, help, UCUM unit (for OTLP) and its points."""

    name: str
    kind: Kind
    help: str
    unit: str
    points: list[Point] = field(default_factory=list)

    @property
    def integer(self) -> bool:
        """Counts are whole numbers; a team's active size (person-weeks over weeks) is not."""
        return (
            self.unit.startswith("{")
            and "/" not in self.unit
            and self.name not in ("team_size", "spend")
        )


# name: (kind, unit, help). The order is the exposition's order.
FAMILIES: dict[str, tuple[Kind, str, str]] = {
    "deployments": (
        "gauge", "{deployment}",
        "Successful deploys in the window that ship at least one counted commit.",
    ),
    "ai_deployments": (
        "gauge", "{deployment}",
        "Deploys in the window that ship at least one counted AI-assisted commit.",
    ),
    "failed_deployments": ("gauge", "{deployment}", "Failed deploy events in the window."),
    "rollbacks": (
        "gauge", "{deployment}", "Deploys in the window that went back to an earlier commit.",
    ),
    "team_size": ("gauge", "{person}",
                  "People counted for normalisation (declared, or active: person-weeks / weeks)."),
    "normalised_deployments": (
        "gauge", "{deployment}/{person}/wk", "Deployments per person per week.",
    ),
    "ai_normalised_deployments": (
        "gauge", "{deployment}/{person}/wk", "AI-assisted deployments per person per week.",
    ),
    "commits": ("gauge", "{commit}", "Counted commits shipped in the window."),
    "ai_commits": ("gauge", "{commit}", "Counted AI-assisted commits shipped in the window."),
    "ai_commits_by_tool": (
        "gauge", "{commit}", "Counted AI-assisted commits shipped in the window, per tool.",
    ),
    "reverted_commits": (
        "gauge", "{commit}", "Commits shipped in the window and reverted later.",
    ),
    "lead_time_seconds": (
        "histogram", "s", "Commit-to-deploy lead time of counted commits shipped in the window.",
    ),
    "successful_deployments": (
        "gauge", "{deployment}",
        "Successful deploys in the window (the baseline left out), by whether they shipped "
        "AI-assisted work (assisted true, false or unknown).",
    ),
    "rework_deployments": (
        "gauge", "{deployment}",
        "Successful deploys in the window that were repair rather than planned work, by side.",
    ),
    "failures": (
        "gauge", "{failure}",
        "Failures that began in the window (failed deploys, rollbacks, incidents), by the side "
        "of the deploy that failed.",
    ),
    "open_failures": (
        "gauge", "{failure}", "Failures that began in the window and were not over by its end.",
    ),
    "change_attempts": (
        "gauge", "{deployment}",
        "Deploy attempts of the window: successful deploys (the baseline left out) and failed "
        "deploys (the change-failure rate's denominator).",
    ),
    "failed_changes": (
        "gauge", "{deployment}",
        "Deploy attempts of the window that failed as changes, each once: failed deploys, and "
        "shipped deploys rolled back or named by an incident.",
    ),
    "recovery_time_seconds": (
        "histogram", "s", "Time from each failure of the window to production being good again.",
    ),
    "spend": (
        "gauge", "{currency}",
        "AI spend in the window in the currency of its label, per team: the organisation's, so "
        "across repositories take the max, never the sum.",
    ),
    "spend_tokens": ("gauge", "{token}", "AI tokens in the window, per team and kind."),
    "window_start_timestamp_seconds": ("gauge", "s", "Start of the report's window."),
    "window_end_timestamp_seconds": ("gauge", "s", "End of the report's window."),
    "last_push_timestamp_seconds": ("gauge", "s", "When deploycount last pushed these metrics."),
    "report": ("info", "1", "How the report was made."),
}  # fmt: skip


def _team_points(labels: Labels, metrics: Metrics) -> Iterable[tuple[str, Point]]:
    plain = {
        "deployments": metrics.deployments,
        "ai_deployments": metrics.ai_deployments,
        "team_size": metrics.size,
        "normalised_deployments": metrics.normalised_deployments,
        "ai_normalised_deployments": metrics.ai_normalised_deployments,
        "commits": metrics.commits,
        "ai_commits": metrics.ai_commits,
    }
    for name, value in plain.items():
        if value is not None:
            yield name, Point(labels, value)
    for tool, count in sorted((metrics.tools or {}).items()):
        yield "ai_commits_by_tool", Point((*labels, ("tool", tool)), count)
    if metrics.reverted_commits is not None:
        reverted = metrics.reverted_commits
        for assisted, count in (("true", reverted.ai), ("false", reverted.human)):
            yield "reverted_commits", Point((*labels, ("assisted", assisted)), count)
    if metrics.lead_time_histogram is not None and metrics.lead_time_hours is not None:
        histograms = metrics.lead_time_histogram
        stats = metrics.lead_time_hours
        for assisted, histogram, n in (
            ("true", histograms.ai, stats.ai.n),
            ("false", histograms.human, stats.human.n),
        ):
            buckets = tuple(
                (float(bound), histogram.le[str(bound)]) for bound in LEAD_TIME_BOUNDS_SECONDS
            )
            yield (
                "lead_time_seconds",
                Point(
                    (*labels, ("assisted", assisted)),
                    buckets=(*buckets, (float("inf"), n)),
                    total=histogram.sum_seconds,
                ),
            )


def _side(ai: bool | None) -> str:
    return "unknown" if ai is None else "true" if ai else "false"


def _outcome_points(
    labels: Labels, report: Report, outcomes: Outcomes
) -> Iterable[tuple[str, Point]]:
    """Counts that add up across repositories and windows (rates are Prometheus's to work
    out, docs: Metrics); the intervals of the comparison are the report's alone."""
    sides = ("true", "false", "unknown")
    done = [d for d in report.deployments if d.kind in ("ship", "redeploy", "rollback")]
    for side in sides:
        mine = [d for d in done if _side(d.ai_work) == side]
        side_labels = (*labels, ("assisted", side))
        yield "successful_deployments", Point(side_labels, len(mine))
        yield "rework_deployments", Point(side_labels, sum(1 for d in mine if d.rework))
        failed = [f for f in report.failures if _side(f.ai) == side]
        yield "failures", Point(side_labels, len(failed))
        recovered = [f.hours * 3600 for f in failed if f.hours is not None]
        buckets = tuple(
            (float(bound), sum(1 for seconds in recovered if seconds <= bound))
            for bound in RECOVERY_BOUNDS_SECONDS
        )
        if recovered:  # an empty histogram makes histogram_quantile NaN: none is sent
            yield (
                "recovery_time_seconds",
                Point(side_labels, buckets=(*buckets, (float("inf"), len(recovered))),
                      total=sum(recovered)),
            )  # fmt: skip
    yield "open_failures", Point(labels, sum(1 for f in report.failures if f.hours is None))
    yield "change_attempts", Point(labels, outcomes.change_failure.attempts)
    yield "failed_changes", Point(labels, outcomes.change_failure.failed)
    whole = labels[1:]  # service="all" with [services]
    groups = [
        *((((("team", team), *whole)), held) for team, held in outcomes.by_team.items()),
        *(((("team", "all"), ("service", service)), held)
          for service, held in outcomes.by_service.items()),
    ]  # fmt: skip
    for group, held in groups:
        yield from _held_up_points(group, held)


def _spend_points(labels: Labels, spend: Spend) -> Iterable[tuple[str, Point]]:
    """The totals (`labels`) and each team's spend and tokens by kind."""
    whole = labels[1:]
    groups = [(labels, spend.total)]
    groups += [((("team", team), *whole), figures) for team, figures in spend.by_team.items()]
    for group, figures in groups:
        yield "spend", Point((*group, ("currency", spend.currency)), figures.spend)
        for kind in ("input", "output", "cache_read", "cache_write"):
            yield "spend_tokens", Point((*group, ("kind", kind)), getattr(figures.tokens, kind))


def _held_up_points(labels: Labels, held: HeldUp) -> Iterable[tuple[str, Point]]:
    """A team's or a service's outcomes: the same families without the AI-assisted side."""
    yield "successful_deployments", Point(labels, held.rework.deployments)
    yield "rework_deployments", Point(labels, held.rework.rework)
    yield "failures", Point(labels, held.failures)
    yield "open_failures", Point(labels, held.open)
    yield "change_attempts", Point(labels, held.change_failure.attempts)
    yield "failed_changes", Point(labels, held.change_failure.failed)
    histogram = held.recovery_histogram
    if not held.recovery_hours.n:
        return
    buckets = tuple((float(b), histogram.le[str(b)]) for b in RECOVERY_BOUNDS_SECONDS)
    yield (
        "recovery_time_seconds",
        Point(labels, buckets=(*buckets, (float("inf"), held.recovery_hours.n)),
              total=histogram.sum_seconds),
    )  # fmt: skip


def _timestamp(text: str) -> float:
    return from_iso_z(text).timestamp()


def size_source(report: Report) -> str:
    """`declared` when every shown team declares its size, `person-weeks` when none does (or
    there are no teams), else `mixed`."""
    sources = {team.size_source for team in report.teams if not team.suppressed}
    if sources == {"declared"}:
        return "declared"
    return "mixed" if "declared" in sources else "person-weeks"


def report_families(
    report: Report, *, min_confidence: str, pushed_at: float | None = None
) -> list[Family]:
    """Every metric of the report: totals as team `all`, then each team that is not suppressed.
    With `[services]`, every one of them also carries `service="all"`, and each service that
    is not suppressed follows as `team="all", service=NAME`.
    `pushed_at` adds the last-push timestamp (a live push; not a backfill)."""
    whole: Labels = (("service", "all"),) if report.services else ()
    everyone: Labels = (("team", "all"), *whole)
    points: list[tuple[str, Point]] = [*_team_points(everyone, report.totals)]
    totals = report.totals
    points.append(("failed_deployments", Point(everyone, totals.failed_deployments)))
    points.append(("rollbacks", Point(everyone, totals.rollbacks)))
    if report.outcomes is not None:
        points.extend(_outcome_points(everyone, report, report.outcomes))
    if report.spend is not None:
        points.extend(_spend_points(everyone, report.spend))
    for team in report.teams:
        if not team.suppressed:
            points.extend(_team_points((("team", team.team), *whole), team))
    for service in report.services:
        if not service.suppressed:
            points.extend(_team_points((("team", "all"), ("service", service.service)), service))
    points.append(("window_start_timestamp_seconds", Point((), _timestamp(report.since))))
    points.append(("window_end_timestamp_seconds", Point((), _timestamp(report.until))))
    if pushed_at is not None:
        points.append(("last_push_timestamp_seconds", Point((), pushed_at)))
    info: Labels = (
        ("deploy_source", report.deploy_source),
        ("size_source", size_source(report)),
        ("min_confidence", min_confidence),
        ("version", __version__),
    )
    points.append(("report", Point(info, 1)))

    families = {
        name: Family(name, kind, help_text, unit)
        for name, (kind, unit, help_text) in FAMILIES.items()
    }
    for name, point in points:
        families[name].points.append(point)
    return [family for family in families.values() if family.points]


def grouping_labels(report: Report) -> Labels:
    """The Pushgateway grouping key as labels (what a scrape of the Pushgateway adds)."""
    return grouping_key(report.repository, report.environment, window_days(report))


def grouping_key(repository: str, environment: str, window: str) -> Labels:
    return (
        ("job", "deploycount"),
        ("repository", repository),
        ("environment", environment),
        ("window", window),
    )


def series_over_time(reports: Sequence[Report], *, min_confidence: str) -> list[Family]:
    """The families of several reports (one per period) as timestamped series, each point
    stamped with its period's end and labelled with the grouping key: what a Prometheus that
    scraped a Pushgateway at the end of each period would hold."""
    merged: dict[str, Family] = {}
    for report in reports:
        stamp = _timestamp(report.until)
        grouping = grouping_labels(report)
        for family in report_families(report, min_confidence=min_confidence):
            target = merged.setdefault(
                family.name, Family(family.name, family.kind, family.help, family.unit)
            )
            target.points.extend(
                replace(point, labels=(*grouping, *point.labels), timestamp=stamp)
                for point in family.points
            )
    for family in merged.values():
        # OpenMetrics keeps each series together; the stable sort keeps its points in time order.
        family.points.sort(key=lambda point: point.labels)
    return list(merged.values())


def window_days(report: Report) -> str:
    """The window as the grouping-key value: whole days `28d`, else whole hours `36h`."""
    return window_label(_timestamp(report.until) - _timestamp(report.since))


def window_label(length_seconds: float) -> str:
    seconds = round(length_seconds)
    if seconds % 86_400 == 0:
        return f"{seconds // 86_400}d"
    return f"{round(seconds / 3600)}h"
