"""The terminal report: what a release manager reads without the docs."""

from __future__ import annotations

from deploycount.model import Report
from deploycount.render.common import METRIC_HEADERS, service_rows, team_rows, tools, window
from deploycount.terminal import inert

_RIGHT_FROM = 1  # every column after the team name is numeric


def _grid(
    headers: list[str] | tuple[str, ...], rows: list[list[str]], right_from: int
) -> list[str]:
    full = [r for r in rows if len(r) == len(headers)]
    # A grid whose every row is a one-line note (each team or service below the privacy floor)
    # is as wide as its headers.
    widths = [max([len(h), *(len(r[i]) for r in full)]) for i, h in enumerate(headers)]

    def line(cells: list[str] | tuple[str, ...]) -> str:
        if len(cells) != len(headers):
            return f"{cells[0].ljust(widths[0])}  {'  '.join(cells[1:])}".rstrip()
        out = [
            cell.rjust(widths[i]) if i >= right_from else cell.ljust(widths[i])
            for i, cell in enumerate(cells)
        ]
        return "  ".join(out).rstrip()

    return [line(headers), *(line(r) for r in rows)]


def render_table(report: Report) -> str:
    lines = [
        f"deploycount · {inert(report.repository)} · {inert(report.environment)} · "
        f"{window(report)}",
        f"deploys from {inert(report.deploy_source)}",
        "",
        *_grid(METRIC_HEADERS, team_rows(report), _RIGHT_FROM),
        "",
    ]
    if report.services:
        lines += [
            *_grid(("service", *METRIC_HEADERS[1:]), service_rows(report), _RIGHT_FROM),
            "",
            f"outside services: {report.outside_services} commit(s) touched no service's paths "
            "(shipped, counted in no service)",
            "",
        ]
    lines += [
        "deploys: shipping counted commits (with AI-assisted ones); /person/wk: the same",
        "per person per week; commits: counted (AI-assisted share); lead time: median",
        "commit to deploy, AI-assisted / human; reverted: AI / human, never counted;",
        "people: distinct humans with counted commits shipped (* = declared size).",
        "",
        f"AI tools: {tools(report.totals)}",
        f"rollbacks: {report.totals.rollbacks}   "
        f"failed deploys: {report.totals.failed_deployments}",
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
    elif not any(w.startswith("no deploy of") for w in report.warnings):
        lines.append(
            f"no deploys in the window from {inert(report.deploy_source)}: tag releases, record "
            "deploys "
            "with `deploycount record`, or name a source with --deploys (docs: Deploy sources)."
        )
    for warning in report.warnings:
        lines.append(f"warning: {inert(warning)}")
    return "\n".join(lines) + "\n"
