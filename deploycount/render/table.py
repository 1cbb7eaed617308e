"""The terminal report: what a release manager reads without the docs."""

from __future__ import annotations

import textwrap

from deploycount.model import Report
from deploycount.render.common import (
    METRIC_HEADERS,
    compared,
    held_up,
    service_rows,
    spend_by_team,
    spend_line,
    team_rows,
    tools,
    window,
)
from deploycount.terminal import clip, inert, pad, width

_RIGHT_FROM = 1  # every column after the team name is numeric


def _grid(
    headers: list[str] | tuple[str, ...], rows: list[list[str]], right_from: int
) -> list[str]:
    """Columns padded by display width; a first column of names too long for 80 columns (a
    team called `platform-infrastructure`) is cut with `…`."""
    full = [r for r in rows if len(r) == len(headers)]
    # A grid whose every row is a one-line note (each team or service below the privacy floor)
    # is as wide as its headers.
    widths = [max([width(h), *(width(r[i]) for r in full)]) for i, h in enumerate(headers)]
    if right_from == 1:  # a grid of names and figures
        others = sum(widths[1:]) + 2 * (len(widths) - 1)
        widths[0] = max(width(headers[0]), min(widths[0], WIDTH - others))

    def line(cells: list[str] | tuple[str, ...]) -> str:
        first = clip(cells[0], widths[0])
        if len(cells) != len(headers):
            return f"{pad(first, widths[0])}  {'  '.join(cells[1:])}".rstrip()
        out = [pad(first, widths[0])] + [
            pad(cell, widths[i], right=i >= right_from) for i, cell in enumerate(cells) if i
        ]
        return "  ".join(out).rstrip()

    return [line(headers), *(line(r) for r in rows)]


WIDTH = 80  # every line the table prints fits a terminal of 80 columns


def wrapped(text: str, first: str = "", rest: str = "  ") -> list[str]:
    """`text` wrapped to WIDTH columns (display width), `first` before its first line and
    `rest` before the others; a word longer than a line is broken."""
    return textwrap.wrap(
        text, WIDTH, initial_indent=first, subsequent_indent=rest, break_on_hyphens=False
    ) or [first.rstrip()]


def render_table(report: Report) -> str:
    lines = [
        *wrapped(f"deploycount · {inert(report.repository)} · {inert(report.environment)}"),
        *wrapped(f"{window(report)} · deploys from {inert(report.deploy_source)}"),
        "",
    ]
    # A window without a deploy says so first, with when the last one was and the command that
    # shows it: a table of zeros above the explanation said nothing.
    quiet = next((w for w in report.warnings if w.startswith("no deploy of")), None)
    if quiet is not None and not report.deployments:
        lines += [*wrapped(inert(quiet)), ""]
        lines += _warnings([w for w in report.warnings if w != quiet])
        return "\n".join(lines).rstrip("\n") + "\n"
    lines += [*_grid(METRIC_HEADERS, team_rows(report), _RIGHT_FROM), ""]
    if report.services:
        lines += [
            *_grid(("service", *METRIC_HEADERS[1:]), service_rows(report), _RIGHT_FROM),
            "",
            *wrapped(
                f"outside services: {report.outside_services} commit(s) touched no service's "
                "paths (shipped, counted in no service)"
            ),
            "",
        ]
    lines += [
        "deploys: shipping counted commits (with AI-assisted ones); /person/wk: the same",
        "per person per week; commits: counted (AI-assisted share); lead time: median",
        "commit to deploy, AI-assisted / human; reverted: AI / human, never counted;",
        "people: active in an average week, person-weeks / weeks (* = declared size).",
        "",
        *wrapped(f"AI tools: {tools(report.totals)}"),
        f"rollbacks: {report.totals.rollbacks}   "
        f"failed deploys: {report.totals.failed_deployments}",
        *(wrapped(f"held up: {held_up(report.outcomes)}") if report.outcomes else []),
        *(wrapped(f"AI-assisted vs human: {compared(report.outcomes)}") if report.outcomes else []),
        *(wrapped(f"AI spend: {spend_line(report.spend)}") if report.spend else []),
        *(wrapped(f"  by team: {inert(spend_by_team(report.spend))}") if report.spend else []),
        "",
    ]
    if report.deployments:
        lines.append(f"deploys in the window ({len(report.deployments)}):")
        by_service = bool(report.services)
        rows = [
            [
                d.time.replace("T", " ")[:16],
                *([inert(d.service or "")] if by_service else []),
                inert(d.id),
                d.kind,
                str(d.commits),
                str(d.ai_commits),
                d.sha[:12],
            ]
            for d in report.deployments
        ]
        headers = ("time (UTC)", *(["service"] if by_service else []), "id", "kind", "commits",
                   "AI", "sha")  # fmt: skip
        lines += [f"  {line}" for line in _grid(headers, rows, 3 + by_service)]
    else:
        lines += wrapped(
            f"no deploys in the window from {inert(report.deploy_source)}: tag releases, record "
            "deploys with `deploycount record`, or name a source with --deploys (docs: Deploy "
            "sources)."
        )
    lines += _warnings(report.warnings)
    return "\n".join(lines) + "\n"


def _warnings(warnings: list[str]) -> list[str]:
    return [line for warning in warnings for line in wrapped(inert(warning), "warning: ")]
