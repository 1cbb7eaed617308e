"""The monitoring that ships: rules checked and unit-tested by promtool, the Grafana dashboard
regenerated and decoded with Grafana's own SDK, and **every** PromQL expression of the README,
the rules and the dashboard run by a real Prometheus that scrapes a real Pushgateway holding
pushes from three repositories (with teams and overlapping windows), each against values
worked out by hand below."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from deploycount.commands.push import send_report
from deploycount.config import PushSettings
from deploycount.http import HttpClient, RetryPolicy
from deploycount.metrics import lead_time_histogram, lead_time_stats
from deploycount.model import (
    DeploymentRow,
    FailureRow,
    LeadTimeHistograms,
    LeadTimes,
    Report,
    RevertedCommits,
    ServiceRow,
    Spend,
    SpendFigures,
    TeamRow,
    TokenCounts,
    Totals,
)
from deploycount.outcomes import summarise
from deploycount.render.samples import grouping_labels, report_families
from deploycount.sinks.pushgateway import push_pushgateway
from tests import docs
from tests.servers import prometheus_query, running_prometheus, running_pushgateway
from tests.tools import required_tool

pytestmark = pytest.mark.linux_only

ROOT = Path(__file__).resolve().parent.parent
MONITORING = ROOT / "monitoring"
RULES = MONITORING / "deploycount.rules.yml"
DASHBOARD = MONITORING / "deploycount-dashboard.json"
DAY = 86_400


def metrics(
    deployments: int, ai_deployments: int, size: int, commits: int, ai_commits: int, *,
    weeks: float, ai_lead: list[float] = (), human_lead: list[float] = (),  # type: ignore[assignment]
    reverted: tuple[int, int] = (0, 0), tools: dict[str, int] | None = None,
    size_source: str = "person-weeks",
) -> dict[str, Any]:  # fmt: skip
    return {
        "deployments": deployments,
        "ai_deployments": ai_deployments,
        "size": size,
        "size_source": size_source,
        "people": size,
        "normalised_deployments": round(deployments / size / weeks, 4),
        "ai_normalised_deployments": round(ai_deployments / size / weeks, 4),
        "commits": commits,
        "ai_commits": ai_commits,
        "ai_commit_share": round(ai_commits / commits, 4) if commits else None,
        "lead_time_hours": LeadTimes(
            ai=lead_time_stats([s / 3600 for s in ai_lead]),
            human=lead_time_stats([s / 3600 for s in human_lead]),
        ),
        "lead_time_histogram": LeadTimeHistograms(
            ai=lead_time_histogram(list(ai_lead)), human=lead_time_histogram(list(human_lead))
        ),
        "reverted_commits": RevertedCommits(ai=reverted[0], human=reverted[1]),
        "tools": tools or {},
    }


def held(repository: str, rows: list[tuple[str, str, bool | None, str | None]],
         failures: list[tuple[str, str, float, bool]], teams: dict[str, set[int]]) -> dict[str, Any]:  # fmt: skip
    """A report's deploys (id, kind, AI-assisted work, rework), failures (source, the deploy
    that failed, hours, its side) and each team's deploys (row indices), with the outcomes
    worked out from them."""
    made = [
        DeploymentRow(
            id=ident,
            sha="0" * 40,
            time="2026-11-01T00:00:00Z",
            kind=kind,  # type: ignore[arg-type]
            commits=1,
            ai_commits=int(bool(ai)),
            repository=repository,
            ai_work=ai,
            rework=rework,
        )
        for ident, kind, ai, rework in rows
    ]
    lost = [
        FailureRow(
            source=source,  # type: ignore[arg-type]
            id=f"f-{deploy}",
            deploy=deploy,
            repository=repository,
            started="2026-11-01T00:00:00Z",
            recovered="2026-11-02T00:00:00Z",
            hours=hours,
            ai=ai,
        )
        for source, deploy, hours, ai in failures
    ]
    outcomes = summarise(made, lost, reverted=(0, 0), commits=(0, 0), min_n=10, teams=teams)
    return {"deployments": made, "failures": lost, "outcomes": outcomes}


def spent(total: float, **teams: float) -> Spend:
    """An organisation's AI spend in USD (the figures per deploy are not pushed)."""
    tokens = TokenCounts(input=0, output=0, cache_read=0, cache_write=0)

    def figures(amount: float) -> SpendFigures:
        return SpendFigures(spend=amount, tokens=tokens, per_deploy=None, per_ai_deploy=None,
                            per_ai_commit=None)  # fmt: skip

    return Spend(currency="USD", sources=["file:org.csv"], total=figures(total),
                 by_team={team: figures(amount) for team, amount in teams.items()},
                 records=1, duplicates=0, outside_window=0)  # fmt: skip


def report(
    repository: str, since: str, totals: dict[str, Any], *, failed: int = 0, rollbacks: int = 0,
    teams: dict[str, dict[str, Any]] | None = None, outcomes: dict[str, Any] | None = None,
    spend: Spend | None = None,
) -> Report:  # fmt: skip
    return Report(
        repository=repository,
        repositories=[repository],
        environment="production",
        deploy_source="tags:v*",
        since=since,
        until="2026-11-22T00:00:00Z",
        weeks=4.0,
        totals=Totals(**totals, rollbacks=rollbacks, failed_deployments=failed),
        teams=[TeamRow(team=name, suppressed=False, **row) for name, row in (teams or {}).items()],
        warnings=[],
        spend=spend,
        **(outcomes or {"deployments": []}),
    )


W28, W7 = "2026-10-25T00:00:00Z", "2026-11-15T00:00:00Z"
API = report(
    "acme/api", W28,
    metrics(6, 4, 4, 30, 12, weeks=4, ai_lead=[1800, 3000, 7200, 90000],
            human_lead=[20000, 50000, 100000], reverted=(1, 0),
            tools={"claude-code": 10, "cursor": 2}),
    failed=1, rollbacks=1,
    teams={
        "pay": metrics(4, 2, 5, 20, 8, weeks=4, size_source="declared",
                       tools={"claude-code": 8}),
        "web": metrics(3, 1, 3, 10, 4, weeks=4, tools={"claude-code": 2, "cursor": 2}),
    },
    # pay's AI-assisted a2 rolled back after 2 h; web's a4 named by an incident of 30 minutes
    outcomes=held(
        "acme/api",
        [("a1", "ship", False, None), ("a2", "ship", True, None),
         ("back", "rollback", None, "a rollback"), ("a3", "ship", True, None),
         ("a4", "ship", False, None)],
        [("rollback", "a2", 2.0, True), ("incident", "a4", 0.5, False)],
        {"pay": {0, 1}, "web": {3, 4}},
    ),
    # the organisation's spend, pushed by both repositories alike: $90 pay, $30 web
    spend=spent(120.0, pay=90.0, web=30.0),
)  # fmt: skip
API_7D = report("acme/api", W7, metrics(2, 2, 2, 5, 5, weeks=1, ai_lead=[1800] * 5))
WEB = report(
    "acme/web", W28,
    metrics(2, 2, 2, 10, 8, weeks=4, ai_lead=[600, 5000], human_lead=[300000],
            reverted=(0, 1), tools={"claude-code": 8}),
    teams={"pay": metrics(2, 2, 5, 10, 8, weeks=4, size_source="declared")},
    # w2 is a hotfix; an incident of 10 h names w1
    outcomes=held(
        "acme/web",
        [("w1", "ship", False, None), ("w2", "ship", False, "within 24 h of a failed deploy")],
        [("incident", "w1", 10.0, False)],
        {"pay": {0, 1}},
    ),
    spend=spent(120.0, pay=90.0, web=30.0),
)  # fmt: skip
OLD = report("acme/old", W28, metrics(1, 0, 1, 2, 0, weeks=4, human_lead=[4000, 8000]))
STALE_SECONDS = 10 * DAY  # acme/old last pushed ten days ago
# A monorepo with [services], in staging: its services' rows (team="all", service=NAME) must
# not count again in the organisation's figures. api: 2 deploys (1 AI) by 2 people, 4 of 6
# commits AI-assisted; web: 1 deploy (1 AI) by 1 person, 1 of 4.
MONO = replace(
    report("acme/mono", W28, metrics(3, 2, 3, 10, 5, weeks=4)),
    environment="staging",
    services=[
        ServiceRow(service="api", suppressed=False, **metrics(2, 1, 2, 6, 4, weeks=4)),
        ServiceRow(service="web", suppressed=False, **metrics(1, 1, 1, 4, 1, weeks=4)),
    ],
    outside_services=0,
)
PS = {"environment": "staging", "window": "28d", "repository": "acme/mono"}

# Cumulative lead-time buckets of the 28-day window over all three repositories, by hand:
# AI 1800 3000 7200 90000 (api) 600 5000 (web); human 20000 50000 100000 (api) 300000 (web)
# 4000 8000 (old).
BOUNDS = [3600, 14400, 43200, 86400, 172800, 345600, 604800, 1209600, 2419200, 4838400, "+Inf"]
AI_28 = [3, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6]
HUMAN_28 = [0, 2, 3, 4, 5, 6, 6, 6, 6, 6, 6]
AI_7 = [5] * 11  # api's 7-day window: five lead times of half an hour
HUMAN_7 = [0] * 11


RECOVERY = [900, 3600, 14400, 43200, 86400, 259200, 604800, "+Inf"]


def _cumulative(counts: list[int], **labels: str) -> dict[frozenset[tuple[str, str]], float]:
    """Recovery-time buckets of the 28-day window: a count per bound of RECOVERY."""
    return {
        L(**P28, **labels, le=_le(bound)): float(count)
        for bound, count in zip(RECOVERY, counts, strict=True)
    }


def _le(bound: object) -> str:
    return "+Inf" if bound == "+Inf" else repr(float(bound))  # type: ignore[arg-type]


def _buckets() -> dict[frozenset[tuple[str, str]], float]:
    table = {}
    zeros = [0] * 11  # the monorepo has no lead times
    for environment, window, ai, human in (
        ("production", "28d", AI_28, HUMAN_28), ("production", "7d", AI_7, HUMAN_7),
        ("staging", "28d", zeros, zeros),
    ):  # fmt: skip
        for assisted, counts in (("true", ai), ("false", human)):
            for bound, count in zip(BOUNDS, counts, strict=True):
                labels = {"environment": environment, "window": window,
                          "assisted": assisted, "le": _le(bound)}  # fmt: skip
                table[frozenset(labels.items())] = float(count)
    return table


def L(**labels: str) -> frozenset[tuple[str, str]]:
    return frozenset(labels.items())


P28 = {"environment": "production", "window": "28d"}
P7 = {"environment": "production", "window": "7d"}
STAGING = {"environment": "staging", "window": "28d"}
APPROX = "approx"  # values that depend on the clock: within five minutes (or its days)

# Every expression shipped, normalised to single spaces, with its answer worked out by hand:
# {label set that tells the series apart: value}.
EXPECTED: dict[str, dict[frozenset[tuple[str, str]], float]] = {
    # --- rules (their expressions, evaluated directly) ---
    "max by (environment, window) ( deploycount_window_end_timestamp_seconds - "
    "deploycount_window_start_timestamp_seconds ) / 604800":
        {L(**P28): 4, L(**P7): 1, L(**STAGING): 4},
    'sum by (environment, window, team) (deploycount_deployments{team!="all"})':
        {L(**P28, team="pay"): 4 + 2, L(**P28, team="web"): 3},
    'sum by (environment, window, team) (deploycount_ai_deployments{team!="all"})':
        {L(**P28, team="pay"): 2 + 2, L(**P28, team="web"): 1},
    'max by (environment, window, team) (deploycount_team_size{team!="all"})':
        {L(**P28, team="pay"): 5, L(**P28, team="web"): 3},
    "deploycount:deployments:team / deploycount:team_size:team / on (environment, window) "
    "group_left deploycount:window_weeks":
        {L(**P28, team="pay"): 6 / 5 / 4, L(**P28, team="web"): 3 / 3 / 4},
    "deploycount:ai_deployments:team / deploycount:team_size:team / on (environment, window) "
    "group_left deploycount:window_weeks":
        {L(**P28, team="pay"): 4 / 5 / 4, L(**P28, team="web"): 1 / 3 / 4},
    'sum by (environment, window) (deploycount_deployments{team="all", service=~"|all"})':
        {L(**P28): 6 + 2 + 1, L(**P7): 2, L(**STAGING): 3},
    "deploycount:deployments:org / sum by (environment, window) "
    '(deploycount_team_size{team="all", service=~"|all"}) / deploycount:window_weeks':
        {L(**P28): 9 / (4 + 2 + 1) / 4, L(**P7): 2 / 2 / 1, L(**STAGING): 3 / 3 / 4},
    'sum by (environment, window) (deploycount_ai_deployments{team="all", service=~"|all"}) / '
    "deploycount:deployments:org":
        {L(**P28): (4 + 2 + 0) / 9, L(**P7): 2 / 2, L(**STAGING): 2 / 3},
    'sum by (environment, window) (deploycount_ai_commits{team="all", service=~"|all"}) / sum by '
    '(environment, window) (deploycount_commits{team="all", service=~"|all"})':
        {L(**P28): (12 + 8 + 0) / (30 + 10 + 2), L(**P7): 5 / 5, L(**STAGING): 5 / 10},
    # api's a2 (rolled back) and a4, web's w1 (named by incidents) over their 5 + 2 attempts;
    # the 7-day and staging reports here carry no outcomes, so no attempts and no rate
    'sum by (environment, window) (deploycount_failed_changes{team="all", service=~"|all"}) / '
    'sum by (environment, window) (deploycount_change_attempts{team="all", service=~"|all"})':
        {L(**P28): 3 / 7},
    "sum by (environment, window, assisted, le) ( "
    'deploycount_lead_time_seconds_bucket{team="all", service=~"|all"} )': _buckets(),
    "time() - max by (repository, environment, window) ( "
    "deploycount_last_push_timestamp_seconds ) > 3 * 86400":
        {L(repository="acme/old", **P28): STALE_SECONDS},
    "sum by (environment, window, repository, service) ( "
    'deploycount_deployments{team="all", service!~"|all"} )':
        {L(**PS, service="api"): 2, L(**PS, service="web"): 1},
    "deploycount:deployments:service / sum by (environment, window, repository, service) ( "
    'deploycount_team_size{team="all", service!~"|all"} ) / on (environment, window) '
    "group_left deploycount:window_weeks":
        {L(**PS, service="api"): 2 / 2 / 4, L(**PS, service="web"): 1 / 1 / 4},
    "sum by (environment, window, repository, service) ( "
    'deploycount_ai_commits{team="all", service!~"|all"} ) / sum by (environment, window, '
    'repository, service) ( deploycount_commits{team="all", service!~"|all"} )':
        {L(**PS, service="api"): 4 / 6, L(**PS, service="web"): 1 / 4},
    # did it hold up: rework api 1 of 5 + web 1 of 2; pay's 0 of 2 (api) + 1 of 2 (web), web's 0
    # of 2. Recoveries by side: AI 7200 (api); human 1800 (api), 36000 (web); by team: pay 7200,
    # 36000; web 1800. Buckets 900 3600 14400 43200 86400 259200 604800 +Inf.
    'sum by (environment, window) (deploycount_rework_deployments{team="all", service=~"|all"}) '
    "/ sum by (environment, window) ( "
    'deploycount_successful_deployments{team="all", service=~"|all"} )': {L(**P28): 2 / 7},
    'sum by (environment, window, team) (deploycount_rework_deployments{team!="all"}) / sum by '
    '(environment, window, team) (deploycount_successful_deployments{team!="all"})':
        {L(**P28, team="pay"): 1 / 4, L(**P28, team="web"): 0},
    "sum by (environment, window, assisted, le) ( "
    'deploycount_recovery_time_seconds_bucket{team="all", service=~"|all"} )': {
        **_cumulative([0, 0, 1, 1, 1, 1, 1, 1], assisted="true"),
        **_cumulative([0, 1, 1, 2, 2, 2, 2, 2], assisted="false"),
    },
    "sum by (environment, window, team, le) ( "
    'deploycount_recovery_time_seconds_bucket{team!="all"} )': {
        **_cumulative([0, 0, 1, 2, 2, 2, 2, 2], team="pay"),
        **_cumulative([0, 1, 1, 1, 1, 1, 1, 1], team="web"),
    },
    # what it cost: both repositories push the organisation's $90 / $30 / $120: the max, once
    'max by (environment, window, team, currency) (deploycount_spend{team!="all"})':
        {L(**P28, team="pay", currency="USD"): 90, L(**P28, team="web", currency="USD"): 30},
    'max by (environment, window, currency) (deploycount_spend{team="all", service=~"|all"})':
        {L(**P28, currency="USD"): 120},
    # per AI-assisted deploy: pay 90 / (2 + 2), web 30 / 1
    "deploycount:spend:team / ignoring (currency) group_left deploycount:ai_deployments:team":
        {L(**P28, team="pay", currency="USD"): 22.5, L(**P28, team="web", currency="USD"): 30},
    # --- README ---
    'deploycount:normalised_deployments:org{environment="production", window="28d"}':
        {L(**P28): 9 / 7 / 4},
    'sum by (team) (deploycount_deployments{team="pay", environment="production", '
    'window="28d"}) / max by (team) (deploycount_team_size{team="pay", '
    'environment="production", window="28d"}) / '
    'scalar(max(deploycount_window_end_timestamp_seconds{environment="production", '
    'window="28d"} - deploycount_window_start_timestamp_seconds{environment="production", '
    'window="28d"}) / 604800)': {L(team="pay"): 6 / 5 / 4},
    'sum by (repository) (deploycount_ai_commits{team="all", service=~"|all", environment="production", '
    'window="28d"}) / sum by (repository) (deploycount_commits{team="all", '
    'service=~"|all", environment="production", window="28d"})':
        {L(repository="acme/api"): 12 / 30, L(repository="acme/web"): 8 / 10,
         L(repository="acme/old"): 0 / 2},
    # rank 0.9 x 6 = 5.4: AI in (86400, 172800] holding the 6th -> 86400 + 86400 x 0.4;
    # human in (172800, 345600] -> 172800 + 172800 x 0.4
    "histogram_quantile(0.9, sum by (assisted, le) ( "
    'deploycount_lead_time_seconds_bucket{team="all", service=~"|all", environment="production", '
    'window="28d"}))': {L(assisted="true"): 120960, L(assisted="false"): 241920},
    # deploys that failed as changes, api's a2 (rolled back) and a4 and web's w1 (each named by
    # an incident), over the attempts among their rows: api's 5 and web's 2
    'deploycount:change_failure_rate:org{environment="production", window="28d"}':
        {L(**P28): 3 / 7},
    'sum by (tool) (deploycount_ai_commits_by_tool{team="all", service=~"|all", environment="production", '
    'window="28d"})': {L(tool="claude-code"): 10 + 8, L(tool="cursor"): 2},
    "time() - max by (repository) (deploycount_last_push_timestamp_seconds"
    '{environment="production", window="28d"}) > 3 * 86400':
        {L(repository="acme/old"): STALE_SECONDS},
    'sum by (repository) (deploycount_rework_deployments{team="all", service=~"|all", '
    'environment="production", window="28d"}) / sum by (repository) '
    '(deploycount_successful_deployments{team="all", service=~"|all", environment="production", '
    'window="28d"})': {L(repository="acme/api"): 1 / 5, L(repository="acme/web"): 1 / 2},
    # AI: one recovery in (3600, 14400] -> 3600 + 10800 x 0.5 = 9000 s; human: rank 1 of 2
    # fills (900, 3600] -> 3600 s
    "histogram_quantile(0.5, sum by (assisted, le) ( "
    'deploycount_recovery_time_seconds_bucket{team="all", service=~"|all", '
    'environment="production", window="28d"})) / 3600':
        {L(assisted="true"): 2.5, L(assisted="false"): 1.0},
    # --- dashboard ($environment=production, $window=28d, $team=(pay|web)) ---
    # (the monorepo is in staging: its services show only there)
    'deploycount:normalised_deployments:service{environment="production", window="28d"}': {},
    'deploycount:deployments:org{environment="production", window="28d"}': {L(**P28): 9},
    'count(deploycount_deployments{environment="production", window="28d", team="all", service=~"|all"})':
        {L(): 3},
    'deploycount:ai_share_of_deployments:org{environment="production", window="28d"}':
        {L(**P28): 6 / 9},
    'deploycount:ai_share_of_commits:org{environment="production", window="28d"}':
        {L(**P28): 20 / 42},
    'deploycount:normalised_deployments:team{environment="production", window="28d", '
    'team=~"(pay|web)"}': {L(**P28, team="pay"): 0.3, L(**P28, team="web"): 0.25},
    'deploycount:ai_normalised_deployments:team{environment="production", window="28d", '
    'team=~"(pay|web)"}': {L(**P28, team="pay"): 0.2, L(**P28, team="web"): 1 / 12},
    # rank 3 of 6: AI fills (0, 3600] exactly -> 3600; human 3rd in (14400, 43200] -> 43200
    "histogram_quantile(0.5, deploycount:lead_time_seconds_bucket:org"
    '{environment="production", window="28d"})':
        {L(**P28, assisted="true"): 3600, L(**P28, assisted="false"): 43200},
    "histogram_quantile(0.9, deploycount:lead_time_seconds_bucket:org"
    '{environment="production", window="28d"})':
        {L(**P28, assisted="true"): 120960, L(**P28, assisted="false"): 241920},
    'sum by (assisted) (deploycount_reverted_commits{environment="production", '
    'window="28d", team="all", service=~"|all"})': {L(assisted="true"): 1, L(assisted="false"): 0 + 1},
    'sum by (repository) (deploycount_deployments{environment="production", window="28d", '
    'team="all", service=~"|all"})': {L(repository="acme/api"): 6, L(repository="acme/web"): 2,
                     L(repository="acme/old"): 1},
    "(time() - max by (repository) (deploycount_last_push_timestamp_seconds"
    '{environment="production", window="28d"})) / 86400 > 3':
        {L(repository="acme/old"): STALE_SECONDS / DAY},
    'deploycount:rework_rate:team{environment="production", window="28d", team=~"(pay|web)"}':
        {L(**P28, team="pay"): 0.25, L(**P28, team="web"): 0},
    'deploycount:rework_rate:org{environment="production", window="28d"}': {L(**P28): 2 / 7},
    "histogram_quantile(0.5, deploycount:recovery_time_seconds_bucket:org"
    '{environment="production", window="28d"})':
        {L(**P28, assisted="true"): 9000, L(**P28, assisted="false"): 3600},
    # pay: rank 1 of 2 fills (3600, 14400] -> 14400; web: 900 + 2700 x 0.5 = 2250
    "histogram_quantile(0.5, deploycount:recovery_time_seconds_bucket:team"
    '{environment="production", window="28d", team=~"(pay|web)"})':
        {L(**P28, team="pay"): 14400, L(**P28, team="web"): 2250},
    'deploycount:spend:team{environment="production", window="28d", team=~"(pay|web)"}':
        {L(**P28, team="pay", currency="USD"): 90, L(**P28, team="web", currency="USD"): 30},
    'deploycount:spend_per_ai_deployment:team{environment="production", window="28d", '
    'team=~"(pay|web)"}':
        {L(**P28, team="pay", currency="USD"): 22.5, L(**P28, team="web", currency="USD"): 30},
}  # fmt: skip


def normalise(expr: str) -> str:
    text = re.sub(r"#[^\n]*", "", expr)
    return " ".join(text.split())


def readme_expressions() -> list[str]:
    return [normalise(b) for b in docs.blocks("promql")]


def rule_expressions() -> list[str]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [normalise(rule["expr"]) for group in groups for rule in group["rules"]]


def dashboard_expressions() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    values = {"$environment": "production", "$window": "28d", "$team": "(pay|web)"}
    found = []
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            expr = target["expr"]
            for name, value in values.items():
                expr = expr.replace(name, value)
            found.append(normalise(expr))
    return found


def test_every_shipped_expression_has_a_hand_worked_answer() -> None:
    shipped = set(readme_expressions()) | set(rule_expressions()) | set(dashboard_expressions())
    expected = {normalise(e) for e in EXPECTED}
    assert len(readme_expressions()) == 9
    assert shipped == expected


def test_rules_pass_promtool() -> None:
    promtool = required_tool("promtool", "apt-get install -y prometheus")
    checked = subprocess.run([promtool, "check", "rules", str(RULES)], capture_output=True,
                             text=True, timeout=60, check=False)  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = subprocess.run(
        [promtool, "test", "rules", "deploycount.rules.test.yml"], cwd=MONITORING,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert tested.returncode == 0 and "SUCCESS" in tested.stdout, tested.stdout + tested.stderr


def test_dashboard_is_generated_and_grafana_reads_it() -> None:
    from grafana_foundation_sdk.cog.plugins import register_default_plugins
    from grafana_foundation_sdk.models.dashboard import Dashboard

    from monitoring.dashboard import render

    assert DASHBOARD.read_text() == render(), "regenerate: python monitoring/dashboard.py"
    register_default_plugins()
    data = json.loads(DASHBOARD.read_text())
    model = Dashboard.from_json(data)
    assert model.uid == "deploycount" and len(model.panels or []) == len(data["panels"])
    assert {v["name"] for v in data["templating"]["list"]} == {
        "datasource", "environment", "window", "team"
    }  # fmt: skip
    for panel in data["panels"]:
        refs = [t["refId"] for t in panel.get("targets", [])]
        assert len(refs) == len(set(refs)) and all(refs), panel["title"]
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24


def _push_all(gateway: str) -> None:
    settings = PushSettings("pushgateway", gateway, {}, 10.0, 10.0, "http/protobuf")
    for item in (API, API_7D, WEB, MONO):
        send_report(item, settings, min_confidence="medium", environ={})
    stale = report_families(OLD, min_confidence="medium", pushed_at=time.time() - STALE_SECONDS)
    client = HttpClient(RetryPolicy(read_timeout=10, max_retry_seconds=10))
    push_pushgateway(client, gateway, grouping_labels(OLD), stale)


def _answer(prometheus: str, expr: str) -> dict[frozenset[tuple[str, str]], float]:
    result = {}
    for series in prometheus_query(prometheus, expr):
        labels = dict(series["metric"])
        labels.pop("__name__", None)
        if "le" in labels and labels["le"] != "+Inf":
            labels["le"] = repr(float(labels["le"]))
        result[frozenset(labels.items())] = float(series["value"][1])  # type: ignore[index]
    return result


def _matches(got: dict[frozenset[tuple[str, str]], float],
             want: dict[frozenset[tuple[str, str]], float], *, clock: bool) -> bool:  # fmt: skip
    """Each wanted label set names exactly one answered series, of the wanted value; nothing
    else is answered. Clock-dependent values may be five minutes off (seconds, or days)."""
    if len(got) != len(want):
        return False
    for labels, value in want.items():
        found = [v for k, v in got.items() if labels <= k]
        if len(found) != 1:
            return False
        if clock:
            tolerance = 300.0 if value > 1000 else 300.0 / DAY
        else:
            tolerance = 1e-9 * max(1.0, abs(value))
        if abs(found[0] - value) > tolerance:
            return False
    return True


@pytest.mark.slow
def test_every_expression_against_a_real_prometheus(tmp_path: Path) -> None:
    with running_pushgateway(tmp_path) as gateway:
        _push_all(gateway)
        rules = tmp_path / "deploycount.rules.yml"
        shutil.copy(RULES, rules)
        target = gateway.removeprefix("http://")
        config = (
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            "scrape_configs:\n"
            "  - job_name: pushgateway\n"
            "    honor_labels: true\n"
            f"    static_configs: [{{targets: ['{target}']}}]\n"
        )
        with running_prometheus(tmp_path, config, rules=rules) as prometheus:
            deadline = time.monotonic() + 60
            pending = dict(EXPECTED)
            answers: dict[str, Any] = {}
            while pending and time.monotonic() < deadline:
                for expr, want in list(pending.items()):
                    got = _answer(prometheus, expr)
                    answers[expr] = got
                    if _matches(got, want, clock="time()" in expr):
                        del pending[expr]
                time.sleep(1)
            assert not pending, {expr: answers.get(expr) for expr in pending}


def test_readme_prometheus_config_passes_promtool(tmp_path: Path) -> None:
    promtool = required_tool("promtool", "apt-get install -y prometheus")
    [block] = [b for b in docs.blocks("yaml") if "scrape_configs:" in b]
    (tmp_path / "prometheus.yml").write_text(block)
    shutil.copy(RULES, tmp_path / "deploycount.rules.yml")  # the file it names, beside it
    checked = subprocess.run([promtool, "check", "config", str(tmp_path / "prometheus.yml")],
                             capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS" in checked.stdout + checked.stderr
