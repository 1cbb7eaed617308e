"""The report as GitHub-flavoured Markdown (job summary, PR comment, files)."""

from __future__ import annotations

from deploycount.model import Report
from deploycount.render.common import tools
from deploycount.render.markdown_text import escape, table
from deploycount.render.summary import (
    DEFINITION,
    alerts,
    mermaid_chart,
    service_table,
    summary_table,
    team_table,
)

__all__ = ["escape", "render_markdown", "table"]


def render_markdown(report: Report, *, heading: str = "##") -> str:
    """The job-summary form: the same summary and chart as the PR comment, details folded."""
    lines = [
        f"{heading} deploycount · {escape(report.repository)} · {escape(report.environment)}",
        "",
        DEFINITION,
        "",
        *summary_table(report),
        "",
    ]
    lines += alerts(report.warnings)
    lines += [*mermaid_chart(report), ""]
    lines += [
        "<details><summary>Per team, and the AI tools</summary>",
        "",
        *team_table(report),
        "",
        f"**AI tools:** {escape(tools(report.totals))}",
        "",
        "</details>",
        "",
    ]
    if report.services:
        lines += [
            "<details><summary>Per service</summary>",
            "",
            *service_table(report),
            "",
            "</details>",
            "",
        ]
    if report.deployments:
        by_service = bool(report.services)
        deploy_rows = [
            [d.time, *([escape(d.service or "")] if by_service else []), escape(d.id), d.kind,
             str(d.commits), str(d.ai_commits), f"`{d.sha[:12]}`"]
            for d in report.deployments
        ]  # fmt: skip
        headers = ["time (UTC)", *(["service"] if by_service else []), "id", "kind", "commits",
                   "AI", "sha"]  # fmt: skip
        lines += [
            "<details><summary>Deploys in the window</summary>",
            "",
            *table(headers, deploy_rows),
            "",
            "</details>",
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"
