"""The report as GitHub-flavoured Markdown (job summary, PR comment, files)."""

from __future__ import annotations

import re

from deploycount.model import Report
from deploycount.render.common import METRIC_HEADERS, team_rows, tools, window

_UNSAFE = re.compile(r"[|<>`*_\[\]\\]|@(?=\w)")


def escape(text: str) -> str:
    """Make user-supplied text inert in Markdown: no tables broken, no HTML, no @mentions."""
    text = text.replace("\r", " ").replace("\n", " ")
    return _UNSAFE.sub(lambda m: "@\u200b" if m.group(0) == "@" else f"\\{m.group(0)}", text)


def table(headers: tuple[str, ...] | list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join(["---"] * len(headers)) + "|"]
    for row in rows:
        cells = [*row, *([""] * (len(headers) - len(row)))]
        out.append("| " + " | ".join(cells) + " |")
    return out


def render_markdown(report: Report, *, heading: str = "##") -> str:
    rows = [
        [escape(cell) if i == 0 else cell for i, cell in enumerate(r)] for r in team_rows(report)
    ]
    lines = [
        f"{heading} deploycount · {escape(report.repository)} · {escape(report.environment)}",
        "",
        f"{window(report)}, deploys from `{report.deploy_source.replace('`', '')}`",
        "",
        *table(METRIC_HEADERS, rows),
        "",
        f"**AI tools:** {escape(tools(report.totals))} · **rollbacks:** {report.totals.rollbacks}"
        f" · **failed deploys:** {report.totals.failed_deployments}",
        "",
    ]
    if report.deployments:
        deploy_rows = [
            [d.time, escape(d.id), d.kind, str(d.commits), str(d.ai_commits), f"`{d.sha[:12]}`"]
            for d in report.deployments
        ]
        lines += [
            "<details><summary>Deploys in the window</summary>",
            "",
            *table(["time (UTC)", "id", "kind", "commits", "AI", "sha"], deploy_rows),
            "",
            "</details>",
            "",
        ]
    for warning in report.warnings:
        lines.append(f"> ⚠️ {escape(warning)}")
    return "\n".join(lines).rstrip() + "\n"
