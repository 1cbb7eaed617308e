"""The delivery summary and the weekly chart that the PR comment and the Markdown report share:
what a release manager reads in five seconds, in a two-column table that fits a comment's width.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Iterable
from datetime import timedelta

from deploycount.model import ChangeFailure, Metrics, Report
from deploycount.render.common import (
    compared,
    hours,
    lead,
    lead_unit,
    number,
    percent,
    rate,
    recovery_and_rework,
    reverted,
    size,
    spend_line,
)
from deploycount.render.markdown_text import escape, table
from deploycount.timeutil import from_iso_z

# Mid-tone colours that read on GitHub's light and dark backgrounds alike: all deploys in blue,
# the part with AI-assisted commits drawn over them in orange (the legend's squares match).
ALL_COLOUR = "#2f81f7"
AI_COLOUR = "#f0883e"
# In words, not coloured emoji: it reads the same in every font and to screen readers. The AI
# part is a line over the bars, so a bar stays visible when every one of its deploys had AI work.
LEGEND = (
    "Blue bars: all deploys, the count under each · orange line: the deploys among them with "
    "AI-assisted commits"
)
# What "normalised deployments" means, in the comment itself: a link to deploycount's own docs
# would name a placeholder until the project is published, and no link beats a wrong one.
DEFINITION = (
    "**Normalised deployments** = deploys that ship counted commits, per person-week of "
    "activity, with the AI-assisted part beside them: what ships, not what was typed."
)
# The y-axis is not drawn: below 8, d3 (behind Mermaid's axes) ticks halves of a deploy, and a
# drawn axis makes Mermaid lift every bar by half a label, so an empty week showed a sliver.
# Without it the axis follows the data, an empty week has no bar, and each bar's count is
# written under it.
_CHART_CONFIG = {"xyChart": {"yAxis": {"showLabel": False, "showTick": False, "showTitle": False}}}
_MAX_BARS = 10  # labels stay apart at a comment's width


def change_failure(report: Report) -> ChangeFailure:
    """The deploys that failed as changes over every attempt (docs: how it works, "Did it hold
    up"); a merge of partials from before outcomes has only failed deploys and rollbacks."""
    if report.outcomes is not None and report.outcomes.change_failure.attempts:
        return report.outcomes.change_failure
    totals = report.totals
    attempts = totals.deployments + totals.failed_deployments
    failed = totals.failed_deployments + totals.rollbacks
    return ChangeFailure(
        attempts=attempts, failed=failed, rate=failed / attempts if attempts else None
    )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def summary_table(report: Report, *, waiting: tuple[int, str] | None = None) -> list[str]:
    """The window's delivery in a few rows. `waiting` is (commits, branch) not yet deployed,
    the branch already escaped."""
    totals = report.totals
    # Inside a code span only a pipe needs escaping (GFM splits table cells before inlines).
    source = report.deploy_source.replace("`", "").replace("|", "\\|")
    rows = [
        f"| Delivery, {report.since[:10]} → {report.until[:10]} | deploys from `{source}` |",
        "|---|---|",
    ]
    events = [f"**{totals.deployments}**", f"{totals.ai_deployments} with AI-assisted commits"]
    if totals.failed_deployments:
        events.append(_plural(totals.failed_deployments, "failed deploy"))
    if totals.rollbacks:
        events.append(_plural(totals.rollbacks, "rollback"))
    rows.append(f"| Deploys | {' · '.join(events)} |")
    rows.append(
        f"| Normalised deployments | **{rate(totals.normalised_deployments)}** "
        "per person-week "
        f"(AI-assisted {rate(totals.ai_normalised_deployments)}) · "
        f"{totals.size:.1f} active in an average week, {totals.people} in all |"
    )
    rows.append(
        f"| AI share of commits | **{percent(totals.ai_commit_share)}** "
        f"({totals.ai_commits} of {totals.commits} counted) |"
    )
    lead = totals.lead_time_hours
    unit = lead_unit(lead.ai, lead.human)
    rows.append(
        f"| Lead time, median | AI-assisted **{hours(lead.ai, unit)}** · human "
        f"**{hours(lead.human, unit)}** |"
    )
    undone = totals.reverted_commits
    rows.append(f"| Reverted later | AI-assisted {undone.ai} · human {undone.human} |")
    failing = change_failure(report)
    failures = f"change-failure rate **{percent(failing.rate)}**" + (
        f" ({failing.failed} of {failing.attempts} deploys)" if failing.rate is not None else ""
    )
    if report.outcomes is None:
        rows.append(f"| Failures | {failures} |")
    else:
        rows.append(f"| Failures | {failures} · {recovery_and_rework(report.outcomes)} |")
        rows.append(f"| AI-assisted vs human | {compared(report.outcomes)} |")
    if report.spend is not None:
        rows.append(f"| AI spend | {escape(spend_line(report.spend))} |")
    if waiting is not None:
        count, branch = waiting
        rows.append(f"| Waiting to ship | {_plural(count, 'commit')} on {branch} |")
    return rows


TEAM_HEADERS = (
    "team", "people", "deploys (AI)", "per person/wk (AI)", "AI share", "lead time AI / human",
    "reverted AI / human",
)  # fmt: skip


def _team_cells(name: str, metrics: Metrics) -> list[str]:
    return [
        escape(name),
        size(metrics),
        f"{number(metrics.deployments)} ({number(metrics.ai_deployments)})",
        f"{rate(metrics.normalised_deployments)} ({rate(metrics.ai_normalised_deployments)})",
        percent(metrics.ai_commit_share),
        lead(metrics),
        reverted(metrics),
    ]


def _group_rows(groups: Iterable[tuple[str, Metrics, bool]]) -> list[list[str]]:
    """A row per (name, metrics, suppressed) team or service; a suppressed one says why."""
    return [
        [escape(name), "fewer people than privacy.min_team_size: hidden"]
        if suppressed
        else _team_cells(name, metrics)
        for name, metrics, suppressed in groups
    ]


def team_table(report: Report) -> list[str]:
    """Totals and each team in seven columns: narrow enough for a comment's width."""
    teams = _group_rows((t.team, t, t.suppressed) for t in report.teams)
    return table(TEAM_HEADERS, [_team_cells("all", report.totals), *teams])


def service_table(report: Report, only: Collection[str] | None = None) -> list[str]:
    """Each service of `[services]` (those in `only`, when given) in the team table's columns,
    and the commits no service counts."""
    rows = _group_rows(
        (s.service, s, s.suppressed) for s in report.services if only is None or s.service in only
    )
    lines = table(("service", *TEAM_HEADERS[1:]), rows) if rows else []
    if report.outside_services:
        lines += ["", outside_line(report.outside_services)]
    return lines


def outside_line(count: int) -> str:
    return (
        f"{_plural(count, 'commit')} touched no service's paths (root files, tooling): shipped, "
        "not counted in any service."
    )


def alerts(warnings: list[str], *, shown: int = 5) -> list[str]:
    """The report's warnings as GitHub alerts (`> [!WARNING]`), each its own block; past
    `shown`, the rest folded in a list (thirty services' warnings would push the figures a
    reader came for off the screen)."""
    lines = []
    for warning in warnings[:shown]:
        lines += ["> [!WARNING]", f"> {escape(_short(warning))}", ""]
    rest = warnings[shown:][:_FOLDED]
    if rest:
        more = len(warnings) - shown
        lines += [f"<details><summary>{_plural(more, 'more warning')}</summary>", ""]
        lines += [*(f"- {escape(_short(warning))}" for warning in rest)]
        if more > len(rest):
            lines.append(f"- …and {more - len(rest)} more: see the report (--format json)")
        lines += ["", "</details>", ""]
    return lines


_LONGEST_WARNING = 600  # characters: a warning naming 3,000 services must not push out the figures
_FOLDED = 50  # warnings listed in the fold; the JSON report holds them all


def _short(warning: str) -> str:
    """A warning cut to `_LONGEST_WARNING` characters at a word, marked as cut."""
    if len(warning) <= _LONGEST_WARNING:
        return warning
    return warning[:_LONGEST_WARNING].rsplit(" ", 1)[0] + " … (cut: the JSON report has it whole)"


def bucket_weeks(weeks: float) -> int:
    """Weeks per bar: one, or as many as keep the chart to at most _MAX_BARS bars (labels of a
    26-week window would otherwise run into each other)."""
    return max(1, math.ceil(max(1, round(weeks)) / _MAX_BARS))


def weekly_deploys(report: Report) -> tuple[list[str], list[int], list[int]]:
    """Bar labels (the day each period starts; the last marked `*` when it is shorter than the
    others), deploys that shipped counted commits, and those among them with AI-assisted ones,
    per period of `bucket_weeks` weeks."""
    since = from_iso_z(report.since)
    bucket, bars = _bars(report.weeks)
    step = timedelta(weeks=bucket)
    labels = [(since + step * n).strftime("%b %d") for n in range(bars)]
    if last_period_days(report) is not None:
        labels[-1] += "*"
    total, assisted = [0] * bars, [0] * bars
    for deploy in report.deployments:
        if deploy.kind != "ship" or deploy.commits == 0:
            continue
        moment = from_iso_z(deploy.time)
        index = min(bars - 1, max(0, int((moment - since) / step)))
        total[index] += 1
        assisted[index] += deploy.ai_commits > 0
    return labels, total, assisted


def _bars(weeks: float) -> tuple[int, int]:
    """(weeks per bar, bars): enough bars to cover the window, the last maybe shorter."""
    bucket = bucket_weeks(weeks)
    return bucket, max(1, math.ceil(weeks / bucket - 1e-6))


def last_period_days(report: Report) -> int | None:
    """The days of the last bar when it covers less than a whole period (a 30-day window in
    weeks), else None: a reader must not compare it with the others as if it were whole."""
    bucket, bars = _bars(report.weeks)
    days = (report.weeks - bucket * (bars - 1)) * 7
    return round(days) if days < bucket * 7 - 0.5 else None


def axis_top(values: list[int]) -> int:
    """The y-axis' top: the tallest bar reaches it, so a week of 2 deploys beside one of 1
    reads as twice as tall, whatever the scale."""
    return max(1, *values)


def mermaid_chart(report: Report) -> list[str]:
    """Deploys per period as bars with their counts under them, the AI-assisted part as a line
    over them, explicit colours, and a legend line under the fence."""
    labels, total, assisted = weekly_deploys(report)
    quoted = ", ".join(f'"{label} · {count}"' for label, count in zip(labels, total, strict=True))
    palette = {"xyChart": {"plotColorPalette": f"{ALL_COLOUR}, {AI_COLOUR}"}}
    init = "%%{init: " + json.dumps({**_CHART_CONFIG, "themeVariables": palette}) + "}%%"
    weeks = bucket_weeks(report.weeks)
    per = "week" if weeks == 1 else f"{weeks} weeks"
    short = last_period_days(report)
    legend = LEGEND + (f" · * the last period has {_plural(short, 'day')}" if short else "")
    return [
        "```mermaid",
        init,
        "xychart-beta",
        f'    title "Deploys per {per}"',
        f'    x-axis "{"week" if weeks == 1 else "period"} starting" [{quoted}]',
        f'    y-axis "deploys" 0 --> {axis_top(total)}',
        f"    bar [{', '.join(map(str, total))}]",
        f"    line [{', '.join(map(str, assisted))}]",
        "```",
        "",
        legend,
    ]


__all__ = [
    "change_failure",
    "mermaid_chart",
    "summary_table",
    "team_table",
    "weekly_deploys",
]
