"""Number formatting shared by the table and Markdown renderers."""

from __future__ import annotations

from deploycount.model import LeadTimeStats, Metrics, Report
from deploycount.terminal import inert

DASH = "–"


def number(value: float | int | None, digits: int = 2) -> str:
    if value is None:
        return DASH
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}f}"


def percent(value: float | None) -> str:
    return DASH if value is None else f"{value * 100:.0f}%"


def hours(stats: LeadTimeStats) -> str:
    if stats.p50 is None:
        return DASH
    value = stats.p50
    return f"{value / 24:.1f}d" if value >= 48 else f"{value:.1f}h"


def lead(metrics: Metrics) -> str:
    if metrics.lead_time_hours is None:
        return DASH
    return f"{hours(metrics.lead_time_hours.ai)} / {hours(metrics.lead_time_hours.human)}"


def reverted(metrics: Metrics) -> str:
    if metrics.reverted_commits is None:
        return DASH
    return f"{metrics.reverted_commits.ai} / {metrics.reverted_commits.human}"


def size(metrics: Metrics) -> str:
    if metrics.size is None:
        return DASH
    return f"{metrics.size}{'*' if metrics.size_source == 'declared' else ''}"


def tools(metrics: Metrics) -> str:
    if not metrics.tools:
        return DASH
    return ", ".join(
        f"{inert(tool)} {count}"
        for tool, count in sorted(metrics.tools.items(), key=lambda kv: (-kv[1], kv[0]))
    )


def window(report: Report) -> str:
    return f"{report.since[:10]} → {report.until[:10]} ({report.weeks:g} weeks)"


METRIC_HEADERS = (
    "team",
    "people",
    "deploys",
    "AI deploys",
    "deploys/person/wk",
    "AI deploys/person/wk",
    "commits",
    "AI share",
    "lead time AI / human",
    "reverted AI / human",
)


def metric_cells(name: str, metrics: Metrics) -> list[str]:
    return [
        name,
        size(metrics),
        number(metrics.deployments),
        number(metrics.ai_deployments),
        number(metrics.normalised_deployments),
        number(metrics.ai_normalised_deployments),
        number(metrics.commits),
        percent(metrics.ai_commit_share),
        lead(metrics),
        reverted(metrics),
    ]


def team_rows(report: Report) -> list[list[str]]:
    rows = [metric_cells("all", report.totals)]
    for team in report.teams:
        if team.suppressed:
            rows.append([inert(team.team), "(fewer people than privacy.min_team_size: hidden)"])
        else:
            rows.append(metric_cells(inert(team.team), team))
    return rows
