"""Pure renderers: data in, a string out. Writing it somewhere is the caller's job."""

from __future__ import annotations

from deploycount.model import Report
from deploycount.render.markdown import render_markdown
from deploycount.render.table import render_table

__all__ = ["render_markdown", "render_report", "render_table"]


def render_report(report: Report, output_format: str) -> str:
    """The report in `table`, `json` or `markdown` form."""
    if output_format == "json":
        return report.to_json() + "\n"
    if output_format == "markdown":
        return render_markdown(report)
    return render_table(report)
