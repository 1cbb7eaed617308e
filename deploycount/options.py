"""Every default, defined once, and the report flags as a typed object.

Kept free of pydantic and everything else heavy, so the CLI can build its `--help` from it in a
few milliseconds; `config.py` resolves flag > config file > these defaults.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_SINCE = "28d"
DEFAULT_UNTIL = "now"
DEFAULT_ENVIRONMENT = "production"
DEFAULT_DEPLOYS = "tags:v*"  # when no source is named and the ledger has no events
DEFAULT_REMOTE = "origin"
DEFAULT_MIN_CONFIDENCE = "medium"
DEFAULT_REPORT_FORMAT = "table"
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RETRY_SECONDS = 60.0
DEFAULT_OTLP_PROTOCOL = "http/protobuf"  # the OpenTelemetry SDKs' default
OTLP_PROTOCOLS = ("http/protobuf", "http/json")
DEFAULT_MIN_TEAM_SIZE = 3
DEFAULT_PUSH_ATTEMPTS = 8  # `record --push` attempts, each merging the remote ledger first
DEFAULT_PUSH_SECONDS = 120.0  # `record --push` gives up after this long in all
DEFAULT_REWORK_DAYS = 7  # a revert or fix of work shipped this recently is rework
DEFAULT_REWORK_HOURS = 24  # so is a deploy this soon after a failure
DEFAULT_MIN_N = 10  # the fewest cases on each side before AI-assisted and human are compared
DEFAULT_COPILOT_CREDIT = 0.04  # USD per Copilot AI credit (a premium request), GitHub's price


@dataclass(frozen=True)
class Rules:
    """`[outcomes]` of the config: what makes a deploy rework, and when sides are compared."""

    rework_days: int = DEFAULT_REWORK_DAYS
    rework_hours: int = DEFAULT_REWORK_HOURS
    min_n: int = DEFAULT_MIN_N


@dataclass(frozen=True)
class ReportOptions:
    """The report flags as given on the command line (None = not given)."""

    since: str | None = None
    until: str | None = None
    env: str | None = None
    deploys: str | None = None
    min_confidence: str | None = None
    config_path: str | None = None
    incidents: str | None = None
    spend: tuple[str, ...] = ()
