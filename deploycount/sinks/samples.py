"""Pure: a report as gauge samples (README "deploycount push"). Suppressed teams are left out;
a null metric is not sent (a missing sample, not a zero)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from deploycount.model import Metrics, Report

PREFIX = "deploycount_"
HELP = {
    "deployments": "Successful deploys in the window that ship at least one counted commit.",
    "ai_deployments": "Deploys in the window that ship at least one counted AI-assisted commit.",
    "team_size": "People counted for normalisation (declared or active).",
    "normalised_deployments": "Deployments per person per week.",
    "ai_normalised_deployments": "AI-assisted deployments per person per week.",
    "commits": "Counted commits shipped in the window.",
    "ai_commits": "Counted AI-assisted commits shipped in the window.",
    "lead_time_hours": "Commit-to-deploy lead time in hours (quantile 0.5 and 0.9).",
    "reverted_commits": "Commits shipped in the window and reverted later.",
    "last_push_timestamp_seconds": "When deploycount last pushed these metrics (Unix seconds).",
}


@dataclass(frozen=True, slots=True)
class Sample:
    """One gauge value: metric name without prefix, its labels in a fixed order, the value."""

    name: str
    labels: tuple[tuple[str, str], ...]
    value: float


def _team_samples(team: str, metrics: Metrics) -> list[Sample]:
    samples = []
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
            samples.append(Sample(name, (("team", team),), float(value)))
    if metrics.lead_time_hours is not None:
        for assisted, stats in (
            ("true", metrics.lead_time_hours.ai),
            ("false", metrics.lead_time_hours.human),
        ):
            for quantile, value in (("0.5", stats.p50), ("0.9", stats.p90)):
                if value is not None:
                    labels = (("team", team), ("assisted", assisted), ("quantile", quantile))
                    samples.append(Sample("lead_time_hours", labels, float(value)))
    if metrics.reverted_commits is not None:
        for assisted, count in (
            ("true", metrics.reverted_commits.ai),
            ("false", metrics.reverted_commits.human),
        ):
            samples.append(
                Sample("reverted_commits", (("team", team), ("assisted", assisted)), float(count))
            )
    return samples


def report_samples(report: Report, *, pushed_at: float) -> list[Sample]:
    """Every sample of the report: totals as team `all`, then each team that is not suppressed."""
    samples = _team_samples("all", report.totals)
    for team in report.teams:
        if not team.suppressed:
            samples.extend(_team_samples(team.team, team))
    samples.append(Sample("last_push_timestamp_seconds", (("team", "all"),), pushed_at))
    return samples


def window_days(report: Report) -> str:
    """The window as the grouping-key value: whole days `28d`, else whole hours `36h`."""
    since = datetime.fromisoformat(report.since.replace("Z", "+00:00"))
    until = datetime.fromisoformat(report.until.replace("Z", "+00:00"))
    seconds = round((until - since).total_seconds())
    if seconds % 86_400 == 0:
        return f"{seconds // 86_400}d"
    return f"{round(seconds / 3600)}h"
