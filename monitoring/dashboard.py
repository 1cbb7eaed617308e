"""The Grafana dashboard for deploycount's Prometheus metrics, built with Grafana's own
`grafana-foundation-sdk` so that every field is one Grafana knows.

    python monitoring/dashboard.py > monitoring/deploycount-dashboard.json

The panels read the recording rules of `deploycount.rules.yml` (load them into Prometheus
first) and, for per-repository views, the pushed series themselves. tests/test_monitoring.py
regenerates the file and runs every query against a real Prometheus.
"""

from __future__ import annotations

import sys

from grafana_foundation_sdk.builders.dashboard import (
    Dashboard,
    DatasourceVariable,
    QueryVariable,
    Row,
)
from grafana_foundation_sdk.builders.prometheus import Dataquery
from grafana_foundation_sdk.builders.stat import Panel as Stat
from grafana_foundation_sdk.builders.table import Panel as Table
from grafana_foundation_sdk.builders.timeseries import Panel as TimeSeries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import DataSourceRef, VariableRefresh
from grafana_foundation_sdk.models.prometheus import PromQueryFormat

SOURCE = DataSourceRef(type_val="prometheus", uid="${datasource}")
WHERE = 'environment="$environment", window="$window"'
TOTALS = f'{WHERE}, team="all", service=~"|all"'  # a repository's totals (not its services')


def query(expr: str, legend: str = "", *, table: bool = False) -> Dataquery:
    built = Dataquery().expr(expr).datasource(SOURCE)
    if legend:
        built = built.legend_format(legend)
    if table:
        built = built.instant().format(PromQueryFormat.TABLE)
    return built


def stat(title: str, description: str, expr: str, unit: str, decimals: int = 2) -> Stat:
    return (
        Stat().title(title).description(description).datasource(SOURCE)
        .unit(unit).decimals(decimals).span(4).height(4).with_target(query(expr).ref_id("A"))
    )  # fmt: skip


def series(title: str, description: str, unit: str, *targets: Dataquery) -> TimeSeries:
    panel = (
        TimeSeries().title(title).description(description).datasource(SOURCE)
        .unit(unit).min(0).span(12).height(8)
    )  # fmt: skip
    for ref_id, target in zip("ABCDEFGH", targets, strict=False):
        panel = panel.with_target(target.ref_id(ref_id))
    return panel


def build() -> Dashboard:
    variable = QueryVariable
    return (
        Dashboard("deploycount: AI-assisted work that ships")
        .uid("deploycount")
        .tags(["deploycount", "dora", "ai"])
        .description(
            "Normalised deployments, AI share, lead time, reverts and change-failure rate "
            "from deploycount push --sink pushgateway. Needs monitoring/deploycount.rules.yml."
        )
        .time("now-90d", "now")
        .refresh("1h")
        .with_variable(DatasourceVariable("datasource").label("Data source").type("prometheus"))
        .with_variable(
            variable("environment")
            .label("Environment")
            .datasource(SOURCE)
            .query("label_values(deploycount_deployments, environment)")
            .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
        )
        .with_variable(
            variable("window")
            .label("Window")
            .datasource(SOURCE)
            .query('label_values(deploycount_deployments{environment="$environment"}, window)')
            .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
        )
        .with_variable(
            variable("team")
            .label("Team")
            .datasource(SOURCE)
            .query(
                'label_values(deploycount_deployments{environment="$environment", '
                'team!="all"}, team)'
            )
            .multi(True)
            .include_all(True)
            .all_value(".+")
            .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
        )
        .with_row(Row("Organisation, over the window"))
        .with_panel(
            stat(
                "Deployments",
                "Deploys that shipped counted commits, summed over every repository.",
                f"deploycount:deployments:org{{{WHERE}}}",
                "none",
                decimals=0,
            )
        )
        .with_panel(
            stat(
                "Repositories",
                "Repositories that pushed figures for this environment and window.",
                f"count(deploycount_deployments{{{TOTALS}}})",
                "none",
                decimals=0,
            )
        )
        .with_panel(
            stat(
                "Deployments per person per week",
                "All deploys over all active people (a person in two repositories counts "
                "twice, so this is a lower bound; deploycount merge counts each once).",
                f"deploycount:normalised_deployments:org{{{WHERE}}}",
                "none",
            )
        )
        .with_panel(
            stat(
                "AI share of deploys",
                "Deploys that shipped at least one AI-assisted commit.",
                f"deploycount:ai_share_of_deployments:org{{{WHERE}}}",
                "percentunit",
            )
        )
        .with_panel(
            stat(
                "AI share of commits",
                "AI-assisted commits among the counted commits shipped.",
                f"deploycount:ai_share_of_commits:org{{{WHERE}}}",
                "percentunit",
            )
        )
        .with_panel(
            stat(
                "Change-failure rate",
                "(failed deploys + rollbacks) / (deploys + failed deploys).",
                f"deploycount:change_failure_rate:org{{{WHERE}}}",
                "percentunit",
            )
        )
        .with_row(Row("Over time"))
        .with_panel(
            series(
                "Deployments per person per week, by team",
                "Deploys of each team over its size, across every repository it works in.",
                "none",
                query(
                    f'deploycount:normalised_deployments:team{{{WHERE}, team=~"$team"}}',
                    "{{team}}",
                ),
                query(
                    f'deploycount:ai_normalised_deployments:team{{{WHERE}, team=~"$team"}}',
                    "{{team}} (AI-assisted)",
                ),
            )
        )
        .with_panel(
            series(
                "AI share of deploys and of commits",
                "Deploys that shipped at least one AI-assisted commit, and AI-assisted commits "
                "among counted commits.",
                "percentunit",
                query(f"deploycount:ai_share_of_deployments:org{{{WHERE}}}", "deploys"),
                query(f"deploycount:ai_share_of_commits:org{{{WHERE}}}", "commits"),
            )
        )
        .with_panel(
            series(
                "Lead time, AI-assisted vs not (median and p90)",
                "Commit to production, from the lead-time histograms of every repository.",
                "s",
                query(
                    f"histogram_quantile(0.5, deploycount:lead_time_seconds_bucket:org{{{WHERE}}})",
                    "median, AI-assisted={{assisted}}",
                ),
                query(
                    f"histogram_quantile(0.9, deploycount:lead_time_seconds_bucket:org{{{WHERE}}})",
                    "p90, AI-assisted={{assisted}}",
                ),
            )
        )
        .with_panel(
            series(
                "Reverted commits",
                "Commits shipped in the window and reverted later, AI-assisted or not.",
                "none",
                query(
                    f"sum by (assisted) (deploycount_reverted_commits{{{TOTALS}}})",
                    "AI-assisted={{assisted}}",
                ),
            )
        )
        .with_panel(
            series(
                "Change-failure rate",
                "(failed deploys + rollbacks) / (deploys + failed deploys).",
                "percentunit",
                query(f"deploycount:change_failure_rate:org{{{WHERE}}}", "all repositories"),
            )
        )
        .with_panel(
            series(
                "Rework rate, by team",
                "Deploys that were repair (a rollback, a revert of recent work, a hotfix after "
                "a failure, a deploy during an incident) over successful deploys.",
                "percentunit",
                query(f'deploycount:rework_rate:team{{{WHERE}, team=~"$team"}}', "{{team}}"),
                query(f"deploycount:rework_rate:org{{{WHERE}}}", "all repositories"),
            )
        )
        .with_panel(
            series(
                "Recovery time (median), AI-assisted vs human, and by team",
                "From a failure (failed deploy, rollback, incident) to production good again; "
                "AI-assisted is the side of the deploy that failed.",
                "s",
                query(
                    "histogram_quantile(0.5, deploycount:recovery_time_seconds_bucket:org"
                    f"{{{WHERE}}})",
                    "AI-assisted={{assisted}}",
                ),
                query(
                    "histogram_quantile(0.5, deploycount:recovery_time_seconds_bucket:team"
                    f'{{{WHERE}, team=~"$team"}})',
                    "{{team}}",
                ),
            )
        )
        .with_panel(
            series(
                "AI spend by team, beside deploys per person per week",
                "The organisation's AI spend per team (the max of what repositories push: it is "
                "the same export), and what the team shipped.",
                "none",
                query(
                    f'deploycount:spend:team{{{WHERE}, team=~"$team"}}',
                    "{{team}} spend ({{currency}})",
                ),
                query(
                    f'deploycount:normalised_deployments:team{{{WHERE}, team=~"$team"}}',
                    "{{team}} deploys per person per week",
                ),
            )
        )
        .with_panel(
            series(
                "AI spend per AI-assisted deploy, by team",
                "What each deploy with AI-assisted commits cost in AI spend: falling is value.",
                "none",
                query(
                    f'deploycount:spend_per_ai_deployment:team{{{WHERE}, team=~"$team"}}',
                    "{{team}} ({{currency}})",
                ),
            )
        )
        .with_row(Row("Repositories"))
        .with_panel(
            Table()
            .title("Deployments by repository")
            .datasource(SOURCE)
            .span(12)
            .height(8)
            .with_target(
                query(
                    f"sum by (repository) (deploycount_deployments{{{TOTALS}}})",
                    table=True,
                ).ref_id("A")
            )
        )
        .with_panel(
            Table()
            .title("Services of monorepos: deployments per person per week")
            .description(
                "Repositories with [services] push a row per service (team=all, service=NAME)."
            )
            .datasource(SOURCE)
            .span(12)
            .height(8)
            .no_value("no repository has [services]")
            .with_target(
                query(f"deploycount:normalised_deployments:service{{{WHERE}}}", table=True).ref_id(
                    "A"
                )
            )
        )
        .with_panel(
            Table()
            .title("Stale repositories: days since the last push (over 3)")
            .description("Remove an archived repository with deploycount push --delete.")
            .datasource(SOURCE)
            .span(12)
            .height(8)
            .no_value("none")
            .with_target(
                query(
                    "(time() - max by (repository) "
                    f"(deploycount_last_push_timestamp_seconds{{{WHERE}}})) / 86400 > 3",
                    table=True,
                ).ref_id("A")
            )
        )
    )


def render() -> str:
    return JSONEncoder(sort_keys=True, indent=2).encode(build().build()) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
