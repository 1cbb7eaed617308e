"""`report --every`: one report per period from one pass over history, equal to the report of
each period on its own; and its OpenMetrics output backfilled into a real Prometheus with
`promtool tsdb create-blocks-from openmetrics`."""

from __future__ import annotations

import itertools
import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import GitRepo, RunCli
from tests.servers import prometheus_query, running_prometheus
from tests.tools import required_tool

CONFIG = """
[teams.pay]
members = ["ann@example.com", "ben@example.com"]

[teams.web]
members = ["cy@example.com"]

[privacy]
min_team_size = 1
"""
ANN, BEN, CY = "Ann <ann@example.com>", "Ben <ben@example.com>", "Cy <cy@example.com>"
CLAUDE = "\n\nCo-authored-by: Claude <noreply@anthropic.com>\n"
SPAN = ("--since", "2026-09-07", "--until", "2026-10-26")  # seven whole weeks
ENV = {"GITHUB_REPOSITORY": "acme/api"}


@pytest.fixture
def weekly(repo: GitRepo) -> GitRepo:
    """Seven weeks of releases: a quiet week, a revert shipped weeks after its target, a
    rollback, a pre-release tag, AI and human commits in two teams."""
    (repo.path / ".deploycount.toml").write_text(CONFIG)
    repo.commit("base", author=ANN, when="2026-08-25T10:00:00Z")
    repo.tag("v0.1", annotated_at="2026-08-26T00:00:00Z")
    repo.commit("feat: a1" + CLAUDE, author=ANN, when="2026-09-08T10:00:00Z")
    repo.commit("feat: h1", author=CY, when="2026-09-09T10:00:00Z")
    repo.tag("v1.0", annotated_at="2026-09-10T00:00:00Z")
    target = repo.commit("feat: x" + CLAUDE, author=BEN, when="2026-09-15T10:00:00Z", file="x.txt")
    repo.commit("fix: h2", author=BEN, when="2026-09-16T10:00:00Z")
    repo.tag("v1.1", annotated_at="2026-09-17T00:00:00Z")
    v11 = repo.head()
    repo.commit("feat: h3", author=CY, when="2026-09-22T10:00:00Z")  # week 3: no deploy
    repo.revert(target, when="2026-09-29T10:00:00Z")
    repo.tag("v1.2", annotated_at="2026-09-30T00:00:00Z")
    repo.tag("v1.2.1", v11, annotated_at="2026-10-06T00:00:00Z")  # a rollback
    repo.commit("feat: c1\n\nAssisted-by: Cursor\n", author=CY, when="2026-10-12T10:00:00Z")
    repo.tag("v1.3-rc1", annotated_at="2026-10-13T00:00:00Z")
    repo.tag("v1.3", annotated_at="2026-10-14T00:00:00Z")
    repo.commit("feat: a2" + CLAUDE, author=ANN, when="2026-10-20T10:00:00Z")
    repo.tag("v1.4", annotated_at="2026-10-21T00:00:00Z")
    repo.commit("feat: later", author=ANN, when="2026-10-22T10:00:00Z")
    return repo


def _weeks() -> list[tuple[str, str]]:
    start = datetime(2026, 9, 7, tzinfo=UTC)
    days = [start + timedelta(weeks=k) for k in range(8)]
    return [(a.date().isoformat(), b.date().isoformat()) for a, b in itertools.pairwise(days)]


def test_every_period_equals_its_own_report(weekly: GitRepo, run_cli: RunCli) -> None:
    result = run_cli("report", "--every", "1w", *SPAN, "--format", "json", cwd=weekly, env=ENV)
    assert result.exit_code == 0, result.stderr
    periods = json.loads(result.stdout)
    assert len(periods) == 7
    alone = []
    for since, until in _weeks():
        single = run_cli("report", "--since", since, "--until", until, "--format", "json",
                         cwd=weekly, env=ENV)  # fmt: skip
        assert single.exit_code == 0, single.stderr
        alone.append(json.loads(single.stdout))
    assert periods == alone
    # The history this test means to cover is really there.
    kinds = [[d["kind"] for d in p["deployments"]] for p in periods]
    assert kinds == [["ship"], ["ship"], [], ["ship"], ["rollback"], ["ship"], ["ship"]]
    assert [p["totals"]["deployments"] for p in periods] == [1, 1, 0, 1, 0, 1, 1]
    assert [p["totals"]["ai_commits"] for p in periods] == [1, 0, 0, 0, 0, 1, 1]
    # x shipped in week 2 and was reverted on main in week 4: known at report time, in the
    # week's own report as in the weekly series
    assert periods[1]["totals"]["reverted_commits"] == {"ai": 1, "human": 0}
    assert any("pre-release" in w for w in periods[5]["warnings"])
    assert [t["team"] for t in periods[0]["teams"]] == ["pay", "web"]


def test_a_span_that_is_not_whole_periods(weekly: GitRepo, run_cli: RunCli) -> None:
    result = run_cli("report", "--every", "2w", *SPAN, "--format", "json", cwd=weekly, env=ENV)
    assert result.exit_code == 0, result.stderr
    periods = json.loads(result.stdout)
    assert [(p["since"], p["until"]) for p in periods] == [
        ("2026-09-14T00:00:00Z", "2026-09-28T00:00:00Z"),
        ("2026-09-28T00:00:00Z", "2026-10-12T00:00:00Z"),
        ("2026-10-12T00:00:00Z", "2026-10-26T00:00:00Z"),
    ]
    assert "left out 2026-09-07T00:00:00Z to 2026-09-14T00:00:00Z" in result.stderr
    for bad, message in (
        (["--every", "8w"], "longer than the window"),
        (["--every", "0w"], "is not a length of time"),
        (["--every", "fortnight"], "is not a length of time"),
        (["--every", "1w", "--format", "table"], "use --format json or openmetrics"),
    ):
        result = run_cli("report", *bad, *SPAN, cwd=weekly, env=ENV)
        assert result.exit_code == 2, result.stderr
        assert message in result.stderr


@pytest.mark.linux_only
def test_backfill_into_a_real_prometheus(weekly: GitRepo, run_cli: RunCli, tmp_path: Path) -> None:
    """The README's three commands: report --every ... --format openmetrics, promtool tsdb
    create-blocks-from openmetrics, a Prometheus started on the blocks; a range query answers
    each week's value."""
    promtool = required_tool("promtool", "apt-get install -y prometheus")
    periods = json.loads(
        run_cli("report", "--every", "1w", *SPAN, "--format", "json", cwd=weekly, env=ENV).stdout
    )
    metrics = tmp_path / "deploycount.om"
    result = run_cli("report", "--every", "1w", *SPAN, "--format", "openmetrics",
                     "--output", str(metrics), cwd=weekly, env=ENV)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert metrics.read_text().endswith("# EOF\n")
    data = tmp_path / "data"
    created = subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", str(metrics), str(data)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert created.returncode == 0, created.stdout + created.stderr
    ends = [datetime.fromisoformat(p["until"].replace("Z", "+00:00")).timestamp() for p in periods]
    with running_prometheus(tmp_path, "global: {}\n") as prometheus:
        window = {"start": str(ends[0]), "end": str(ends[-1]), "step": "1w"}

        def weekly_values(expr: str) -> list[float]:
            [series] = prometheus_query(prometheus, expr, **window)
            points = series["values"]
            assert [float(t) for t, _ in points] == ends
            return [float(v) for _, v in points]

        selector = 'repository="acme/api",environment="production",window="7d",team="all"'
        assert weekly_values(f"deploycount_deployments{{{selector}}}") == [
            p["totals"]["deployments"] for p in periods
        ]
        assert weekly_values(f"deploycount_ai_commits{{{selector}}}") == [
            p["totals"]["ai_commits"] for p in periods
        ]
        assert weekly_values(
            f'sum(deploycount_lead_time_seconds_count{{{selector},assisted="false"}})'
        ) == [p["totals"]["lead_time_hours"]["human"]["n"] for p in periods]
        # A week where a team is suppressed has no sample: a gap, not a zero.
        [series] = prometheus_query(
            prometheus,
            'deploycount_commits{repository="acme/api",window="7d",team="pay"}',
            **window,
        )
        pay = [next(t for t in p["teams"] if t["team"] == "pay") for p in periods]
        expected = {end: row["commits"] for end, row in zip(ends, pay, strict=True)
                    if not row["suppressed"]}  # fmt: skip
        assert 0 < len(expected) < len(ends)
        assert {float(t): float(v) for t, v in series["values"]} == expected


def test_the_deploy_before_the_window_is_the_last_one(repo: GitRepo, run_cli: RunCli) -> None:
    """v1 (A), v2 (B), then a rollback to A, all before the window; deploying A again inside the
    window is a redeploy of what runs, not a rollback."""
    repo.commit("base", when="2026-08-01T10:00:00Z")
    repo.tag("v0", annotated_at="2026-08-01T11:00:00Z")
    a = repo.commit("feat: a", when="2026-08-02T10:00:00Z")
    repo.tag("v1", annotated_at="2026-08-02T11:00:00Z")
    repo.commit("feat: b", when="2026-08-03T10:00:00Z")
    repo.tag("v2", annotated_at="2026-08-03T11:00:00Z")
    repo.tag("v2.0.1", a, annotated_at="2026-08-04T11:00:00Z")  # rollback to A
    repo.tag("v2.0.2", a, annotated_at="2026-08-10T11:00:00Z")  # A again, in the window
    result = run_cli("report", "--since", "2026-08-08", "--until", "2026-08-15",
                     "--format", "json", cwd=repo)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert [d["kind"] for d in result.json()["deployments"]] == ["redeploy"]
