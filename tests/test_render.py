"""Renderers from a fixed Report, no git: the table and the Markdown report against golden files."""

from __future__ import annotations

from deploycount.metrics import lead_time_histogram
from deploycount.model import (
    DeploymentRow,
    LeadTimeHistograms,
    LeadTimes,
    LeadTimeStats,
    Report,
    RevertedCommits,
    TeamRow,
    Totals,
)
from deploycount.render import render_markdown, render_report, render_table
from tests.golden import assert_golden

LEAD = LeadTimes(
    ai=LeadTimeStats(n=4, p50=20.5, p90=70.25), human=LeadTimeStats(n=3, p50=50.0, p90=96.0)
)


def fixed_report() -> Report:
    metrics = {
        "deployments": 3,
        "ai_deployments": 2,
        "size": 4,
        "size_source": "active",
        "normalised_deployments": 0.1875,
        "ai_normalised_deployments": 0.125,
        "commits": 7,
        "ai_commits": 4,
        "ai_commit_share": 0.5714,
        "lead_time_hours": LEAD,
        "lead_time_histogram": LeadTimeHistograms(
            ai=lead_time_histogram([3_600.0, 50_000.0, 80_000.0, 252_900.0]),
            human=lead_time_histogram([100_000.0, 180_000.0, 345_600.0]),
        ),
        "reverted_commits": RevertedCommits(ai=1, human=0),
        "tools": {"claude-code": 3, "cursor": 1},
    }
    suppressed = dict.fromkeys(metrics)
    return Report(
        repository="acme/api",
        environment="production",
        deploy_source="tags:v*",
        since="2026-10-01T00:00:00Z",
        until="2026-10-29T00:00:00Z",
        weeks=4.0,
        totals=Totals(**metrics, rollbacks=1, failed_deployments=1),  # type: ignore[arg-type]
        teams=[
            TeamRow(team="payments", suppressed=False, **{**metrics, "size": 6, "size_source": "declared"}),  # type: ignore[arg-type]
            TeamRow(team="web|<b>", suppressed=True, **suppressed),  # type: ignore[arg-type]
        ],
        deployments=[
            DeploymentRow(id="v1.0", sha="a" * 40, time="2026-10-03T00:00:00Z", kind="ship", commits=4, ai_commits=3),
            DeploymentRow(id="v1.0", sha="a" * 40, time="2026-10-03T06:00:00Z", kind="redeploy", commits=0, ai_commits=0),
            DeploymentRow(id="d-7", sha="b" * 40, time="2026-10-09T12:00:00Z", kind="failed", commits=0, ai_commits=0),
            DeploymentRow(id="v1.1", sha="b" * 40, time="2026-10-10T00:00:00Z", kind="ship", commits=3, ai_commits=1),
            DeploymentRow(id="back", sha="a" * 40, time="2026-10-11T00:00:00Z", kind="rollback", commits=0, ai_commits=0),
        ],
        warnings=["deploy x: commit 0123456789ab is not in this repository: skipped"],
    )  # fmt: skip


def test_table_report() -> None:
    assert_golden("report.txt", render_table(fixed_report()))


def test_markdown_report() -> None:
    assert_golden("report.md", render_markdown(fixed_report()))


def test_json_report_round_trips() -> None:
    report = fixed_report()
    assert Report.model_validate_json(render_report(report, "json")) == report
