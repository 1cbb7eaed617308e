"""Renderers from a fixed Report, no git: the table and the Markdown report against golden files."""

from __future__ import annotations

import json
import re
from dataclasses import replace

from deploycount.metrics import lead_time_histogram
from deploycount.model import (
    DeploymentRow,
    FailureRow,
    LeadTimeHistograms,
    LeadTimes,
    LeadTimeStats,
    Report,
    RevertedCommits,
    TeamRow,
    Totals,
    report_from_json,
)
from deploycount.outcomes import summarise
from deploycount.render import render_markdown, render_report, render_table
from deploycount.render.comment import PullCommit, Waiting, render_comment
from tests.golden import assert_golden

LEAD = LeadTimes(
    ai=LeadTimeStats(n=4, p50=20.5, p90=70.25), human=LeadTimeStats(n=3, p50=50.0, p90=96.0)
)


def fixed_report() -> Report:
    metrics = {
        "deployments": 3,
        "ai_deployments": 2,
        "size": 4,
        "size_source": "person-weeks",
        "people": 4,
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
    rows = [
        DeploymentRow(
            id="v1.0",
            sha="a" * 40,
            time="2026-10-03T00:00:00Z",
            kind="ship",
            commits=4,
            ai_commits=3,
            repository="acme/api",
            ai_work=True,
        ),
        DeploymentRow(
            id="v1.0",
            sha="a" * 40,
            time="2026-10-03T06:00:00Z",
            kind="redeploy",
            commits=0,
            ai_commits=0,
            repository="acme/api",
        ),
        DeploymentRow(
            id="d-7",
            sha="b" * 40,
            time="2026-10-09T12:00:00Z",
            kind="failed",
            commits=0,
            ai_commits=0,
            repository="acme/api",
        ),
        DeploymentRow(
            id="v1.1",
            sha="b" * 40,
            time="2026-10-10T00:00:00Z",
            kind="ship",
            commits=3,
            ai_commits=1,
            repository="acme/api",
            ai_work=True,
            rework="within 24 h of a failed deploy, rollback or incident",
        ),
        DeploymentRow(
            id="back",
            sha="a" * 40,
            time="2026-10-11T00:00:00Z",
            kind="rollback",
            commits=0,
            ai_commits=0,
            repository="acme/api",
            rework="a rollback to an earlier version",
        ),
    ]
    failures = [
        FailureRow(
            source="failed deploy",
            id="d-7",
            deploy="d-7",
            repository="acme/api",
            started="2026-10-09T12:00:00Z",
            recovered="2026-10-10T00:00:00Z",
            hours=12.0,
            ai=True,
        ),
        FailureRow(
            source="rollback",
            id="back",
            deploy="v1.1",
            repository="acme/api",
            started="2026-10-10T00:00:00Z",
            recovered="2026-10-11T00:00:00Z",
            hours=24.0,
            ai=True,
        ),
    ]
    return Report(
        repository="acme/api",
        repositories=["acme/api"],
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
        deployments=rows,
        failures=failures,
        outcomes=summarise(rows, failures, reverted=(1, 0), commits=(4, 3), min_n=10,
                           teams={"payments": {0, 3}}),
        warnings=["deploy x: commit 0123456789ab is not in this repository: skipped"],
    )  # fmt: skip


def test_table_report() -> None:
    assert_golden("report.txt", render_table(fixed_report()))


def test_markdown_report() -> None:
    assert_golden("report.md", render_markdown(fixed_report()))


def test_json_report_round_trips() -> None:
    report = fixed_report()
    assert report_from_json(render_report(report, "json")) == report


def busy_report() -> Report:
    """Eight weeks of a busy repository: the chart has something to show."""
    base = fixed_report()
    per_week = [(2, 1), (3, 2), (1, 1), (0, 0), (4, 3), (2, 2), (3, 1), (1, 1)]
    deployments = []
    for week, (total, assisted) in enumerate(per_week):
        for n in range(total):
            deployments.append(
                DeploymentRow(
                    id=f"v2.{week}.{n}", sha=f"{week:x}{n:x}".ljust(40, "c"),
                    time=f"2026-09-{3 + 7 * week + n:02d}T12:00:00Z" if 3 + 7 * week + n <= 30
                    else f"2026-10-{3 + 7 * week + n - 30:02d}T12:00:00Z",
                    kind="ship", commits=3, ai_commits=1 if n < assisted else 0,
                    repository="acme/api",
                )
            )  # fmt: skip
    totals = replace(base.totals, deployments=16, ai_deployments=11)
    return replace(
        base, since="2026-09-03T00:00:00Z", weeks=8.0, deployments=deployments, totals=totals
    )


def pull_request_commits() -> list[PullCommit]:
    """41 commits as a real pull request has them: AI-assisted ones, merges of main, empties."""
    commits = []
    for n in range(41):
        sha = f"{n:02x}".ljust(40, "d")
        if n in (10, 22, 35):
            commits.append(PullCommit(sha, "Merge branch 'main' into feature", False, (), None,
                                      merge=True))  # fmt: skip
        elif n in (5, 30):
            commits.append(PullCommit(sha, "wip", False, (), None, empty=True))
        elif n % 3 == 0:
            commits.append(PullCommit(sha, f"feat: step {n} of the new cache layer", True,
                                      ("claude-code",), "high"))  # fmt: skip
        else:
            commits.append(PullCommit(sha, f"fix: step {n} | edge case <b>", False, (), None))
    return commits


def test_full_comment() -> None:
    waiting = Waiting(
        "main", 12, tuple((f"{n:x}".ljust(40, "e"), f"chore: {n}") for n in range(10))
    )
    body = render_comment(
        busy_report(), pull_request_commits(), waiting, pull=41,
        commit_url="https://github.example.com/acme/api/commit",
    )  # fmt: skip
    assert_golden("comment-full.md", body)
    assert "[`00ddddd`](https://github.example.com/acme/api/commit/00dddd" in body
    assert "36 commit(s)" in body and "3 merge(s) and 2 empty commit(s) not counted" in body
    assert "bar [2, 3, 1, 0, 4, 2, 3, 1]" in body and "line [1, 2, 1, 0, 3, 2, 1, 1]" in body


def test_a_long_window_keeps_the_chart_readable() -> None:
    """26 weeks would be 26 labels running into each other: three weeks per bar, 9 bars."""
    from deploycount.render.summary import mermaid_chart, weekly_deploys

    report = replace(busy_report(), weeks=25.86)
    labels, total, assisted = weekly_deploys(report)
    assert len(labels) == len(total) == len(assisted) == 9
    assert sum(total) == 16 and sum(assisted) == 11  # every deploy still counted
    assert labels[:2] == ["Sep 03", "Sep 24"]
    chart = "\n".join(mermaid_chart(report))
    assert 'title "Deploys per 3 weeks"' in chart and 'x-axis "period starting"' in chart
    assert_golden("report-26-weeks.md", render_markdown(report))
    assert [len(labels) for labels in [weekly_deploys(fixed_report())[0]]] == [4]


def test_the_terminal_table_fits_80_columns() -> None:
    """It was 136 columns wide; the AI-assisted part now sits in brackets beside each figure."""
    for report in (fixed_report(), busy_report()):
        wide = [line for line in render_table(report).splitlines()[1:] if len(line) > 80]
        assert wide == [], wide


def test_lead_times_side_by_side_share_one_unit() -> None:
    from deploycount.model import LeadTimeStats
    from deploycount.render.common import hours, lead_unit

    ai, human = LeadTimeStats(n=3, p50=47.5, p90=50.0), LeadTimeStats(n=2, p50=49.0, p90=60.0)
    unit = lead_unit(ai, human)
    assert (hours(ai, unit), hours(human, unit)) == ("2.0d", "2.0d")  # once "47.5h / 2.0d"
    short = LeadTimeStats(n=1, p50=5.0, p90=5.0)
    assert hours(short, lead_unit(short, human)) == "0.2d" and hours(short) == "5.0h"


def test_the_window_length_is_said_as_people_say_it() -> None:
    from deploycount.render.common import span

    # 12.8571 is how the report rounds 90 days (it once printed "12.8571 weeks")
    # and a short window in days or hours, never "(1 days)", "(0.1 weeks)" or "(0.0 weeks)"
    assert [span(w) for w in (4.0, 1.0, 90 / 7, 12.8571, 12.93, 0.5, 1 / 7, 2 / 7, 0.1,
                              1 / 168, 0.001)] == [
        "4 weeks", "1 week", "90 days", "90 days", "12.9 weeks", "3.5 days", "1 day", "2 days",
        "17 hours", "1 hour", "under an hour",
    ]  # fmt: skip


def test_a_shorter_last_period_is_marked() -> None:
    """30 days in weeks: four whole weeks and a last bar of 2 days, which must not be read as a
    week (it once was, silently)."""
    from deploycount.render.summary import last_period_days, mermaid_chart, weekly_deploys

    report = replace(fixed_report(), weeks=30 / 7)
    labels, total, _ = weekly_deploys(report)
    assert len(labels) == len(total) == 5 and labels[-1].endswith("*")
    assert last_period_days(report) == 2
    assert "* the last period has 2 days" in "\n".join(mermaid_chart(report))
    assert last_period_days(fixed_report()) is None  # four whole weeks: nothing to mark


def test_the_axis_follows_the_data() -> None:
    """The tallest bar reaches the top, however few deploys: a 0-8 axis drew 2 deploys as a
    quarter-height bar; a week without deploys stays at 1 so the chart still draws."""
    from deploycount.render.summary import axis_top

    assert [axis_top(v) for v in ([0], [0, 0], [1, 0, 2], [4], [120, 3])] == [1, 1, 2, 4, 120]


def test_each_bar_is_labelled_with_its_count_and_the_y_axis_is_not_drawn() -> None:
    """A drawn y-axis ticks halves of a deploy below 8 and lifts every bar by half a label (an
    empty week was a sliver): the counts go under the bars instead."""
    from deploycount.render.summary import mermaid_chart, weekly_deploys

    report = fixed_report()
    chart = mermaid_chart(report)
    labels, total, _ = weekly_deploys(report)
    init = json.loads(chart[1].removeprefix("%%{init: ").removesuffix("}%%"))
    assert init["xyChart"]["yAxis"] == {"showLabel": False, "showTick": False, "showTitle": False}
    x_axis = next(line for line in chart if line.strip().startswith("x-axis"))
    assert [f"{label} · {count}" for label, count in zip(labels, total, strict=True)] == re.findall(
        r'"([^"]*)"', x_axis.split("[", 1)[1]
    )


def test_warnings_are_github_alerts() -> None:
    from deploycount.render.summary import alerts

    assert alerts(["one | two", "@someone"]) == [
        "> [!WARNING]", "> one \\| two", "", "> [!WARNING]", "> @\u200bsomeone", "",
    ]  # fmt: skip


def test_many_warnings_fold_after_the_first_five() -> None:
    """Thirty services without deploys make thirty warnings: the first five stay alerts, the
    rest fold into one list, so the figures stay on the first screen."""
    from deploycount.render.summary import alerts

    lines = alerts([f"warning {n}" for n in range(8)])
    assert lines.count("> [!WARNING]") == 5
    assert "<details><summary>3 more warnings</summary>" in lines
    assert "- warning 7" in lines and "- warning 4" not in lines
    assert alerts(["only"]) == ["> [!WARNING]", "> only", ""]


def test_every_line_of_the_table_fits_80_columns() -> None:
    """The header was 83 columns, warnings 178 and 196 unwrapped, a 20-character team name made
    87-column rows; a CJK name counts two columns a character."""
    from deploycount.render.table import render_table
    from deploycount.terminal import width

    report = busy_report()
    long_team = replace(report.teams[0], team="platform-infrastructure-and-tooling")
    wide_team = replace(report.teams[0], team="基盤チーム開発運用")
    report = replace(
        report,
        repository="a-very-long-organisation-name/an-even-longer-repository-name-here",
        teams=[long_team, wide_team, *report.teams[1:]],
        warnings=["word " * 60, "x" * 120],
    )
    lines = render_table(report).splitlines()
    assert max(width(line) for line in lines) <= 80, [line for line in lines if width(line) > 80]
    assert any(line.startswith("platform-infra") and "…" in line for line in lines)
    assert sum(line.startswith("warning: ") for line in lines) == 2
