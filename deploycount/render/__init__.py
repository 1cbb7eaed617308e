"""Pure renderers: data in, a string out. Writing it somewhere is the caller's job."""

from __future__ import annotations

from deploycount.errors import UsageError
from deploycount.model import Report
from deploycount.render.markdown import render_markdown
from deploycount.render.table import render_table

__all__ = ["render_markdown", "render_report", "render_reports", "render_table"]


def render_report(report: Report, output_format: str) -> str:
    """The report in `table`, `json` or `markdown` form."""
    if output_format == "json":
        return report.to_json() + "\n"
    if output_format == "markdown":
        return render_markdown(report)
    return render_table(report)


def render_reports(reports: list[Report], output_format: str, *, min_confidence: str) -> str:
    """Several reports (`report --every`): a JSON array, or OpenMetrics series stamped with each
    period's end, ready for `promtool tsdb create-blocks-from openmetrics`."""
    if output_format == "openmetrics":
        # Imported here: prometheus_client is needed by this format only.
        from deploycount.render.exposition import openmetrics  # noqa: PLC0415
        from deploycount.render.samples import series_over_time  # noqa: PLC0415

        return openmetrics(series_over_time(reports, min_confidence=min_confidence)).decode()
    if output_format == "json":
        return "[\n" + ",\n".join(report.to_json() for report in reports) + "\n]\n"
    raise UsageError(
        f"--every makes one report per period: use --format json or openmetrics, not "
        f"{output_format}"
    )
