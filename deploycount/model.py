"""The JSON report (README "The JSON report") as frozen dataclasses: one source for the JSON, the
schema and the renderers.

Plain dataclasses keep pydantic off the report's own path (importing it and building models
took a short report about 0.15 s): the JSON is written by the standard library, and pydantic is
loaded only to read a report back (`report_from_json`) and to write its schema.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar, cast

from deploycount.checks import first_problem

if TYPE_CHECKING:
    from pydantic import TypeAdapter

SCHEMA_ID: Final = "deploycount.report/1"
T = TypeVar("T")

# How pydantic reads a report back: an unknown key is an error, as it always was.
_READ_CONFIG = {"extra": "forbid"}


@dataclass(frozen=True, kw_only=True)
class LeadTimeStats:
    """Lead time in hours of counted commits: count, median and 90th percentile."""

    __pydantic_config__ = _READ_CONFIG

    n: int
    p50: float | None
    p90: float | None


@dataclass(frozen=True, kw_only=True)
class LeadTimes:
    __pydantic_config__ = _READ_CONFIG

    ai: LeadTimeStats
    human: LeadTimeStats


# The lead-time histogram's upper bounds in seconds (1h 4h 12h 1d 2d 4d 1w 2w 4w 8w); +Inf is n.
LEAD_TIME_BOUNDS_SECONDS = (
    3_600, 14_400, 43_200, 86_400, 172_800, 345_600, 604_800, 1_209_600, 2_419_200, 4_838_400,
)  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class LeadTimeHistogram:
    """Lead times of counted commits as a cumulative histogram: `le` maps each bound in seconds
    (as a string, e.g. "3600") to the count at or below it; the +Inf count is `n` of the stats.
    Unlike p50/p90, these add up across repositories and teams."""

    __pydantic_config__ = _READ_CONFIG

    sum_seconds: float
    le: dict[str, int]


@dataclass(frozen=True, kw_only=True)
class LeadTimeHistograms:
    __pydantic_config__ = _READ_CONFIG

    ai: LeadTimeHistogram
    human: LeadTimeHistogram


@dataclass(frozen=True, kw_only=True)
class RevertedCommits:
    """Commits shipped in the window that a later commit reverted."""

    __pydantic_config__ = _READ_CONFIG

    ai: int
    human: int


@dataclass(frozen=True, kw_only=True)
class Metrics:
    """The metrics of README "Metrics"; every field is null for a suppressed team."""

    __pydantic_config__ = _READ_CONFIG

    deployments: int | None
    ai_deployments: int | None
    # declared, or the people active in an average week (person-weeks over the window's weeks)
    size: int | float | None
    size_source: Literal["declared", "person-weeks"] | None
    people: int | None  # distinct people with counted commits shipped (the privacy floor's)
    normalised_deployments: float | None
    ai_normalised_deployments: float | None
    commits: int | None
    ai_commits: int | None
    ai_commit_share: float | None
    lead_time_hours: LeadTimes | None
    lead_time_histogram: LeadTimeHistograms | None
    reverted_commits: RevertedCommits | None
    tools: dict[str, int] | None


METRIC_FIELDS = tuple(f.name for f in fields(Metrics))


@dataclass(frozen=True, kw_only=True)
class Totals(Metrics):
    """Metrics of the whole repository, plus the delivery outcomes of the window."""

    deployments: int
    ai_deployments: int
    size: int | float
    size_source: Literal["declared", "person-weeks"]
    people: int
    commits: int
    ai_commits: int
    lead_time_hours: LeadTimes
    lead_time_histogram: LeadTimeHistograms
    reverted_commits: RevertedCommits
    tools: dict[str, int]
    rollbacks: int
    failed_deployments: int


@dataclass(frozen=True, kw_only=True)
class TeamRow(Metrics):
    team: str
    suppressed: bool


@dataclass(frozen=True, kw_only=True)
class ServiceRow(Metrics):
    """A service of `[services]`: its deploys and the commits they shipped that touch its
    paths. `size` is its active people; below the privacy floor the row shows no figures."""

    service: str
    suppressed: bool


@dataclass(frozen=True, kw_only=True)
class DeploymentRow:
    __pydantic_config__ = _READ_CONFIG

    id: str
    sha: str
    time: str
    kind: Literal["ship", "baseline", "redeploy", "rollback", "failed"]
    commits: int = field(metadata={"description": "counted commits this deploy shipped first"})
    ai_commits: int
    repository: str = field(metadata={"description": "the repository deployed"})
    service: str | None = field(
        default=None, metadata={"description": "the service deployed (null: no [services])"}
    )
    ai_work: bool | None = field(
        default=None,
        metadata={"description": "whether it shipped AI-assisted commits, counting those "
                  "reverted later (null: no commit that counts); the side it takes when "
                  "AI-assisted and human outcomes are compared"},
    )  # fmt: skip
    rework: str | None = field(
        default=None,
        metadata={"description": "why this deploy was repair rather than planned work (null: "
                  "it was not; docs: how it works, rework)"},
    )  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class FailureRow:
    """A failure that began in the window: a failed deploy, a rollback (the deploy it undid
    failed), or an incident; `recovered` null: still open at the window's end."""

    __pydantic_config__ = _READ_CONFIG

    source: Literal["failed deploy", "rollback", "incident"]
    id: str = field(
        metadata={"description": "the failed deploy's, the rollback's or the incident's id"}
    )
    deploy: str | None = field(
        default=None, metadata={"description": "the deploy that failed (null: none named)"}
    )
    service: str | None = None
    repository: str = ""
    started: str
    recovered: str | None
    hours: float | None = field(metadata={"description": "recovery time (null: open)"})
    ai: bool | None = field(
        metadata={"description": "the failed deploy shipped AI-assisted commits (null: unknown)"}
    )


@dataclass(frozen=True, kw_only=True)
class RateSide:
    """One side of a comparison: k of n, the rate and its 95 % Wilson interval (null below
    the minimum n)."""

    __pydantic_config__ = _READ_CONFIG

    n: int
    k: int
    rate: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True, kw_only=True)
class MedianSide:
    """One side of a comparison of times: n, the median and an order-statistic interval of at
    least 95 % (null below the minimum n)."""

    __pydantic_config__ = _READ_CONFIG

    n: int
    p50: float | None
    low: float | None
    high: float | None


Verdict = Literal[
    "too few to compare", "no clear difference", "AI-assisted lower", "AI-assisted higher"
]


@dataclass(frozen=True, kw_only=True)
class Comparison:
    __pydantic_config__ = _READ_CONFIG

    ai: RateSide | MedianSide
    human: RateSide | MedianSide
    verdict: Verdict


@dataclass(frozen=True, kw_only=True)
class RecoveryStats:
    __pydantic_config__ = _READ_CONFIG

    n: int
    p50: float | None
    p90: float | None


@dataclass(frozen=True, kw_only=True)
class ReworkStats:
    __pydantic_config__ = _READ_CONFIG

    deployments: int = field(metadata={"description": "successful deploys (baseline left out)"})
    rework: int
    rate: float | None


@dataclass(frozen=True, kw_only=True)
class ChangeFailure:
    """The change-failure rate: of the window's deploy attempts (successful deploys, the
    baseline left out, and failed deploys), those that failed as changes, each once: a failed
    deploy, or a shipped deploy later rolled back or named by an incident. A report written
    before it was counted reads back as 0 of 0."""

    __pydantic_config__ = _READ_CONFIG

    attempts: int = 0
    failed: int = 0
    rate: float | None = None


@dataclass(frozen=True, kw_only=True)
class HeldUp:
    """Failures, recovery time and rework of a team (the deploys that shipped its commits) or
    a service."""

    __pydantic_config__ = _READ_CONFIG

    failures: int
    open: int
    change_failure: ChangeFailure = field(default_factory=ChangeFailure)
    recovery_hours: RecoveryStats
    recovery_histogram: LeadTimeHistogram = field(
        metadata={"description": "recovery times as a cumulative histogram, `le` in seconds "
                  "(15m 1h 4h 12h 1d 3d 1w); the +Inf count is recovery_hours.n"},
    )  # fmt: skip
    rework: ReworkStats


# Recovery-time buckets in seconds: 15m 1h 4h 12h 1d 3d 1w; +Inf is n.
RECOVERY_BOUNDS_SECONDS = (900, 3_600, 14_400, 43_200, 86_400, 259_200, 604_800)


@dataclass(frozen=True, kw_only=True)
class Outcomes:
    """Whether what shipped held up: failures, recovery time (hours), rework, and AI-assisted
    beside human with n and intervals (docs: how it works, "Did it hold up")."""

    __pydantic_config__ = _READ_CONFIG

    failures: int
    open: int
    change_failure: ChangeFailure = field(default_factory=ChangeFailure)
    recovery_hours: RecoveryStats
    rework: ReworkStats
    min_n: int
    change_fail: Comparison
    rework_split: Comparison
    revert: Comparison
    recovery: Comparison
    by_team: dict[str, HeldUp] = field(
        default_factory=dict,
        metadata={"description": "per team above the privacy floor: failures of the deploys "
                  "that shipped its commits, and their rework"},
    )  # fmt: skip
    by_service: dict[str, HeldUp] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class TokenCounts:
    __pydantic_config__ = _READ_CONFIG

    input: int
    output: int
    cache_read: int
    cache_write: int


@dataclass(frozen=True, kw_only=True)
class SpendFigures:
    """A team's (or the totals') AI spend in the window, beside what shipped: never a score."""

    __pydantic_config__ = _READ_CONFIG

    spend: float = field(metadata={"description": "in the currency's unit"})
    tokens: TokenCounts
    per_deploy: float | None = field(metadata={"description": "spend / deployments"})
    per_ai_deploy: float | None = field(metadata={"description": "spend / ai_deployments"})
    per_ai_commit: float | None = field(metadata={"description": "spend / ai_commits"})
    change: float | None = field(
        default=None,
        metadata={"description": "spend against the period before of the same length (0.8: "
                  "+80 %; null: nothing to compare)"},
    )  # fmt: skip
    deploys_change: float | None = None


@dataclass(frozen=True, kw_only=True)
class Spend:
    """What the AI-assisted work cost (docs: What it cost): per team, never per person."""

    __pydantic_config__ = _READ_CONFIG

    currency: str
    sources: list[str]
    total: SpendFigures
    by_team: dict[str, SpendFigures] = field(
        metadata={"description": "teams above the privacy floor, and unassigned"}
    )
    hidden: list[str] = field(
        default_factory=list,
        metadata={"description": "teams whose spend is fewer people's than the privacy floor: "
                  "in the totals, not shown on their own"},
    )  # fmt: skip
    records: int = field(metadata={"description": "records of the window read"})
    duplicates: int = field(metadata={"description": "records given twice, counted once"})
    outside_window: int = field(metadata={"description": "records of other days, left out"})


@dataclass(frozen=True, kw_only=True)
class Report:
    """The JSON report printed by `deploycount report --format json`."""

    __pydantic_config__ = _READ_CONFIG

    schema: Literal["deploycount.report/1"] = SCHEMA_ID
    repository: str = field(metadata={"description": "the repository; for several, owner/* or *"})
    repositories: list[str] = field(metadata={"description": "every repository the report covers"})
    environment: str
    deploy_source: str
    since: str
    until: str
    weeks: float
    totals: Totals
    teams: list[TeamRow]
    services: list[ServiceRow] = field(default_factory=list)
    outside_services: int | None = field(
        default=None,
        metadata={
            "description": "commits the deploys reached that touch no service's paths, so no "
            "service counts them (null: no [services])"
        },
    )
    deployments: list[DeploymentRow]
    warnings: list[str]
    outcomes: Outcomes | None = field(
        default=None,
        metadata={"description": "whether what shipped held up (null: not known, as in a "
                  "merge of partials made before outcomes)"},
    )  # fmt: skip
    failures: list[FailureRow] = field(default_factory=list)
    spend: Spend | None = field(
        default=None, metadata={"description": "AI spend beside the deploys (null: no --spend)"}
    )

    def to_json(self) -> str:
        """The report as JSON, indented by two spaces, non-ASCII text as it is."""
        return json.dumps(_finite(asdict(self)), indent=2, ensure_ascii=False)


def _finite(value: object) -> object:
    """`value` with every infinite or NaN float as None (JSON has no such numbers)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


class NotAReport(ValueError):
    """JSON that is not a report (or a part of one): the first problem, as `field: reason`."""


_ADAPTERS: dict[type, Any] = {}


def _adapter(kind: type[T]) -> TypeAdapter[T]:
    """pydantic's validator of a report dataclass, built once; pydantic is imported here only."""
    if kind not in _ADAPTERS:
        from pydantic import TypeAdapter  # noqa: PLC0415 - reading reports back only

        _ADAPTERS[kind] = TypeAdapter(kind)
    adapter: TypeAdapter[T] = _ADAPTERS[kind]
    return adapter


def _read(kind: type[T], data: object, *, text: bool) -> T:
    adapter = _adapter(kind)
    from pydantic import ValidationError  # noqa: PLC0415 - loaded by _adapter already

    try:
        if text:
            return adapter.validate_json(cast(str | bytes, data))
        return adapter.validate_python(data)
    except ValidationError as error:
        raise NotAReport(str(first_problem(error, kind.__name__))) from None


def validated(kind: type[T], data: object) -> T:
    """Parsed JSON checked and built as `kind`, a report dataclass; raises NotAReport."""
    return _read(kind, data, text=False)


def report_from_json(text: str | bytes) -> Report:
    """A report read back from its JSON; raises NotAReport."""
    return _read(Report, text, text=True)


def report_json_schema() -> dict[str, object]:
    return _adapter(Report).json_schema(by_alias=True)
