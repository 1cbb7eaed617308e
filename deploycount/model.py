"""The JSON report (README "The JSON report") as pydantic models: one source for JSON, schema
and renderers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_ID = "deploycount.report/1"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LeadTimeStats(_Frozen):
    """Lead time in hours of counted commits: count, median and 90th percentile."""

    n: int
    p50: float | None
    p90: float | None


class LeadTimes(_Frozen):
    ai: LeadTimeStats
    human: LeadTimeStats


# The lead-time histogram's upper bounds in seconds (1h 4h 12h 1d 2d 4d 1w 2w 4w 8w); +Inf is n.
LEAD_TIME_BOUNDS_SECONDS = (
    3_600, 14_400, 43_200, 86_400, 172_800, 345_600, 604_800, 1_209_600, 2_419_200, 4_838_400,
)  # fmt: skip


class LeadTimeHistogram(_Frozen):
    """Lead times of counted commits as a cumulative histogram: `le` maps each bound in seconds
    (as a string, e.g. "3600") to the count at or below it; the +Inf count is `n` of the stats.
    Unlike p50/p90, these add up across repositories and teams."""

    sum_seconds: float
    le: dict[str, int]


class LeadTimeHistograms(_Frozen):
    ai: LeadTimeHistogram
    human: LeadTimeHistogram


class RevertedCommits(_Frozen):
    """Commits shipped in the window that a later commit reverted."""

    ai: int
    human: int


class Metrics(_Frozen):
    """The metrics of README "Metrics"; every field is null for a suppressed team."""

    deployments: int | None
    ai_deployments: int | None
    size: int | None
    size_source: Literal["declared", "active"] | None
    normalised_deployments: float | None
    ai_normalised_deployments: float | None
    commits: int | None
    ai_commits: int | None
    ai_commit_share: float | None
    lead_time_hours: LeadTimes | None
    lead_time_histogram: LeadTimeHistograms | None
    reverted_commits: RevertedCommits | None
    tools: dict[str, int] | None


class Totals(Metrics):
    """Metrics of the whole repository, plus the delivery outcomes of the window."""

    deployments: int
    ai_deployments: int
    size: int
    size_source: Literal["declared", "active"]
    commits: int
    ai_commits: int
    lead_time_hours: LeadTimes
    lead_time_histogram: LeadTimeHistograms
    reverted_commits: RevertedCommits
    tools: dict[str, int]
    rollbacks: int
    failed_deployments: int


class TeamRow(Metrics):
    team: str
    suppressed: bool


class DeploymentRow(_Frozen):
    id: str
    sha: str
    time: str
    kind: Literal["ship", "baseline", "redeploy", "rollback", "failed"]
    commits: int = Field(description="counted commits this deploy shipped first")
    ai_commits: int
    repository: str = Field(description="the repository deployed")


class Report(_Frozen):
    """The JSON report printed by `deploycount report --format json`."""

    schema_id: Literal["deploycount.report/1"] = Field(
        default="deploycount.report/1", alias="schema"
    )
    repository: str = Field(description="the repository; for several, owner/* or *")
    repositories: list[str] = Field(description="every repository the report covers")
    environment: str
    deploy_source: str
    since: str
    until: str
    weeks: float
    totals: Totals
    teams: list[TeamRow]
    deployments: list[DeploymentRow]
    warnings: list[str]

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2)


def report_json_schema() -> dict[str, object]:
    return Report.model_json_schema(by_alias=True)
