"""Number formatting shared by the table and Markdown renderers."""

from __future__ import annotations

from collections.abc import Iterable

from deploycount.model import (
    Comparison,
    LeadTimeStats,
    MedianSide,
    Metrics,
    Outcomes,
    RateSide,
    Report,
    Spend,
)
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


def lead_unit(*stats: LeadTimeStats) -> str:
    """One unit for lead times read side by side: days when the longer median is two days or
    more, else hours (`2.0d / 47.5h` made a reader compare numbers of different units)."""
    longest = max((s.p50 for s in stats if s.p50 is not None), default=0.0)
    return "d" if longest >= 48 else "h"


def hours(stats: LeadTimeStats, unit: str | None = None) -> str:
    if stats.p50 is None:
        return DASH
    unit = unit or lead_unit(stats)
    return f"{_two_figures(stats.p50 / 24)}d" if unit == "d" else f"{_two_figures(stats.p50)}h"


def _two_figures(value: float) -> str:
    """One decimal, or two significant figures below 0.1 (an hour beside two days read 0.0d)."""
    if value >= 0.1 or value == 0:
        return f"{value:.1f}"
    return f"{value:.2g}" if value >= 0.01 else "<0.01"


def lead(metrics: Metrics) -> str:
    if metrics.lead_time_hours is None:
        return DASH
    ai, human = metrics.lead_time_hours.ai, metrics.lead_time_hours.human
    unit = lead_unit(ai, human)
    return f"{hours(ai, unit)} / {hours(human, unit)}"


def reverted(metrics: Metrics) -> str:
    if metrics.reverted_commits is None:
        return DASH
    return f"{metrics.reverted_commits.ai} / {metrics.reverted_commits.human}"


def size(metrics: Metrics) -> str:
    """A declared size as it was declared (`6*`), an active one to a tenth (`4.3`)."""
    if metrics.size is None:
        return DASH
    if metrics.size_source == "declared":
        return f"{metrics.size:g}*"
    return f"{metrics.size:.1f}"


def rate(value: float | None) -> str:
    """A rate per person per week to two significant figures: 0.021, 0.25, 1.2, 12; never
    0.00 when something shipped."""
    if value is None:
        return DASH
    if value == 0:
        return "0"
    if value >= 10:
        return f"{value:.0f}"
    text = f"{value:.2g}"
    return text if "e" not in text else f"{value:.2e}"


def tools(metrics: Metrics) -> str:
    if not metrics.tools:
        return DASH
    return ", ".join(
        f"{inert(tool)} {count}"
        for tool, count in sorted(metrics.tools.items(), key=lambda kv: (-kv[1], kv[0]))
    )


def window(report: Report) -> str:
    return f"{report.since[:10]} → {report.until[:10]} ({span(report.weeks)})"


def span(weeks: float) -> str:
    """A window's length as people say it: `4 weeks`, `90 days`, `1 day`, `16 hours`, `3.5
    days`, `12.9 weeks` (never `1 days` or `0.1 weeks`)."""
    days = weeks * 7
    if weeks >= 1 and abs(weeks - round(weeks)) < 1e-3:
        return _plural(round(weeks), "week")
    if days >= 1 and abs(days - round(days)) < 1e-3:
        return _plural(round(days), "day")
    if days < 2:
        hours = round(days * 24)
        return _plural(hours, "hour") if hours >= 1 else "under an hour"
    return f"{days:.1f} days" if days < 14 else f"{weeks:.1f} weeks"


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" + ("s" if count != 1 else "")


# Fits 80 columns: the AI-assisted part of each figure is in brackets beside it, and the legend
# under the table says so.
METRIC_HEADERS = ("team", "people", "deploys", "/person/wk", "commits", "lead time", "reverted")


def metric_cells(name: str, metrics: Metrics) -> list[str]:
    return [
        name,
        size(metrics),
        f"{number(metrics.deployments)} ({number(metrics.ai_deployments)})",
        f"{rate(metrics.normalised_deployments)} ({rate(metrics.ai_normalised_deployments)})",
        f"{number(metrics.commits)} ({percent(metrics.ai_commit_share)})",
        lead(metrics),
        reverted(metrics),
    ]


def _group_rows(groups: Iterable[tuple[str, Metrics, bool]]) -> list[list[str]]:
    """A row per (name, metrics, suppressed) team or service; a suppressed one says why."""
    return [
        [inert(name), "(fewer people than privacy.min_team_size: hidden)"]
        if suppressed
        else metric_cells(inert(name), metrics)
        for name, metrics, suppressed in groups
    ]


def service_rows(report: Report) -> list[list[str]]:
    return _group_rows((s.service, s, s.suppressed) for s in report.services)


def team_rows(report: Report) -> list[list[str]]:
    teams = _group_rows((t.team, t, t.suppressed) for t in report.teams)
    return [metric_cells("all", report.totals), *teams]


# -- did it hold up (issue 38) -------------------------------------------------------------------


def _duration(value: float | None) -> str:
    """Hours as a reader reads them: `45m`, `3.5h`, `2.1d`."""
    if value is None:
        return DASH
    if value < 1:
        return f"{value * 60:.0f}m"
    return f"{value:.1f}h" if value < 48 else f"{value / 24:.1f}d"


def held_up(outcomes: Outcomes) -> str:
    """Failures, the change-failure rate, recovery time and rework in one line (without
    emphasis)."""
    failures = f"{outcomes.failures} failure{'' if outcomes.failures == 1 else 's'}"
    changes = outcomes.change_failure
    if changes.attempts:
        failures += (
            f" · change-failure rate {percent(changes.rate)} ({changes.failed} of "
            f"{changes.attempts} deploys)"
        )
    return f"{failures} · {recovery_and_rework(outcomes)}"


def recovery_and_rework(outcomes: Outcomes) -> str:
    """Recovery time (when anything recovered), failures still open, and the rework rate."""
    recovery, rework = outcomes.recovery_hours, outcomes.rework
    parts = []
    if recovery.n:
        parts.append(
            f"recovery median {_duration(recovery.p50)}, p90 {_duration(recovery.p90)} "
            f"(n {recovery.n})"
        )
    if outcomes.open:
        parts.append(f"{outcomes.open} still open")
    parts.append(f"rework {percent(rework.rate)} ({rework.rework} of {rework.deployments} deploys)")
    return " · ".join(parts)


def _side(side: RateSide | MedianSide) -> str:
    if isinstance(side, MedianSide):
        return f"{_duration(side.p50)} [{_duration(side.low)}–{_duration(side.high)}] n {side.n}"
    return f"{_fine(side.rate)} [{_fine(side.low)[:-1]}–{_fine(side.high)}] n {side.n}"


def _fine(value: float | None) -> str:
    """A percentage with a decimal below 10 % (an interval from 0.4 % is not one from 0 %)."""
    if value is None:
        return DASH
    if value == 0:
        return "0%"
    return f"{value * 100:.1f}%" if value < 0.1 else f"{value * 100:.0f}%"


def _compared(name: str, comparison: Comparison) -> str:
    ai, human = comparison.ai, comparison.human
    return f"{name} {_side(ai)} vs {_side(human)}: {comparison.verdict}"


def compared(outcomes: Outcomes) -> str:
    """AI-assisted beside human, each with n and its 95 % interval, in one line; a measure
    with a side under the minimum n is named as too few to compare, with no figure."""
    measures = (
        ("change fail", outcomes.change_fail),
        ("rework", outcomes.rework_split),
        ("reverted commits", outcomes.revert),
        ("recovery time", outcomes.recovery),
    )
    parts = [_compared(n, c) for n, c in measures if c.verdict != "too few to compare"]
    few = [name for name, c in measures if c.verdict == "too few to compare"]
    if len(few) == len(measures):
        return f"too few to compare (each side needs {outcomes.min_n} cases)"
    if few:
        parts.append(f"too few to compare: {', '.join(few)} (each side needs {outcomes.min_n})")
    return " · ".join(parts)


# -- what it cost (issue 39) ---------------------------------------------------------------------


def money(value: float | None, currency: str) -> str:
    return DASH if value is None else f"{currency} {value:,.2f}"


def _tokens(count: int) -> str:
    for size, unit in ((1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")):
        if count >= size:
            return f"{count / size:.1f}{unit}"
    return str(count)


def spend_line(spend: Spend) -> str:
    """The totals' spend and what it bought, in one line (without emphasis)."""
    total, unit = spend.total, spend.currency
    tokens = sum((total.tokens.input, total.tokens.output, total.tokens.cache_read,
                  total.tokens.cache_write))  # fmt: skip
    parts = [f"{money(total.spend, unit)}" + (f" ({_tokens(tokens)} tokens)" if tokens else "")]
    parts += [
        f"{money(value, unit)} per {what}"
        for value, what in (
            (total.per_deploy, "deploy"),
            (total.per_ai_deploy, "AI-assisted deploy"),
            (total.per_ai_commit, "AI-assisted commit"),
        )
        if value is not None
    ]
    if total.change is not None:
        sign = "+" if total.change >= 0 else "−"
        parts.append(f"{sign}{abs(total.change) * 100:.0f} % on the period before")
    return " · ".join(parts)


def spend_by_team(spend: Spend) -> str:
    """Each team's spend (and per deploy), in one line; hidden teams named as such."""
    shown = [
        f"{name} {money(figures.spend, spend.currency)}"
        + (
            f" ({money(figures.per_deploy, spend.currency)} per deploy)"
            if figures.per_deploy
            else ""
        )
        for name, figures in spend.by_team.items()
    ]
    if spend.hidden:
        shown.append(f"hidden, fewer people than the privacy floor: {', '.join(spend.hidden)}")
    return " · ".join(shown)
