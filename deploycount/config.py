"""`.deploycount.toml` as pydantic models, and the one place where flag > file > default.

Each command family resolves its flags, the config file and the defaults in one function
(`resolve_report_settings`, `resolve_push_settings`, `resolve_record_settings`,
`resolve_report_output`); nothing else calls `choose`. The defaults themselves are named
constants in `options`, defined once and importable without pydantic.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from deploycount.attribution import (
    BUILTIN_TOOL_IDS,
    OTHER_TOOL,
    TOOL_ID_PATTERN,
    Confidence,
    Markers,
    builtin_markers,
)
from deploycount.errors import ConfigError, UsageError
from deploycount.masking import register_secret, register_url_secrets, safe_url
from deploycount.options import (
    DEFAULT_DEPLOYS,
    DEFAULT_ENVIRONMENT,
    DEFAULT_MAX_RETRY_SECONDS,
    DEFAULT_MIN_CONFIDENCE,
    DEFAULT_MIN_TEAM_SIZE,
    DEFAULT_OTLP_PROTOCOL,
    DEFAULT_PUSH_ATTEMPTS,
    DEFAULT_REMOTE,
    DEFAULT_REPORT_FORMAT,
    DEFAULT_SINCE,
    DEFAULT_TIMEOUT,
    DEFAULT_UNTIL,
    OTLP_PROTOCOLS,
    ReportOptions,
)
from deploycount.teams import RESERVED_TEAM_NAMES, Team
from deploycount.timeutil import parse_when

CONFIG_FILE = ".deploycount.toml"

ConfidenceName = Literal["low", "medium", "high"]
T = TypeVar("T")

NonEmpty = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReportSection(_Section):
    """`[report]`: defaults for the report options."""

    since: NonEmpty | None = None
    until: NonEmpty | None = None
    env: NonEmpty | None = None
    format: Literal["table", "json", "markdown", "openmetrics"] | None = None
    output: NonEmpty | None = None
    every: NonEmpty | None = None


class DeploysSection(_Section):
    """`[deploys]`: where deploy events come from."""

    source: NonEmpty | None = None
    remote: NonEmpty | None = None  # where the notes ledger is fetched from and pushed to


ToolId = Annotated[str, StringConstraints(pattern=TOOL_ID_PATTERN)]


class ToolSection(_Section):
    """`[attribution.tools.<id>]`: a tool of the organisation's own."""

    identities: list[NonEmpty] = Field(default_factory=list)  # emails, or GitHub logins
    aliases: list[NonEmpty] = Field(default_factory=list)  # names in trailer values
    footers: list[NonEmpty] = Field(default_factory=list)  # names after "Generated with"


class AttributionSection(_Section):
    """`[attribution]`: minimum confidence, extra AI identities, trailer keys and tools."""

    min_confidence: ConfidenceName | None = None
    identities: dict[str, list[NonEmpty]] = Field(default_factory=dict)
    trailers: list[Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]+$")]] = Field(
        default_factory=list
    )
    tools: dict[ToolId, ToolSection] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_tools(self) -> AttributionSection:
        for tool in self.tools:
            if tool == OTHER_TOOL:
                raise ValueError(f"tools.{tool}: 'other' is reserved")
        known = (*BUILTIN_TOOL_IDS, *self.tools)
        for tool in self.identities:
            if tool not in known:
                raise ValueError(
                    f"identities.{tool}: unknown tool; use one of {', '.join(known)} "
                    "or declare it under [attribution.tools.<id>]"
                )
        return self


class PushSection(_Section):
    """`[push]`: where `deploycount push` sends the report."""

    sink: Literal["pushgateway", "otlp", "webhook"] | None = None
    to: NonEmpty | None = None
    headers: list[NonEmpty] = Field(default_factory=list)
    timeout: float | None = Field(default=None, gt=0, le=300)
    max_retry_seconds: float | None = Field(default=None, ge=0, le=3600)
    otlp_protocol: Literal["http/protobuf", "http/json"] | None = None


class TeamSection(_Section):
    """`[teams.NAME]`: members by email or glob, and an optional declared headcount."""

    members: list[NonEmpty] = Field(min_length=1)
    size: StrictInt | None = Field(default=None, ge=0)


class TeamSources(_Section):
    """`[teams]` keys that say where more teams come from (README "Teams across repositories")."""

    include: NonEmpty | None = None  # a TOML file of [teams.NAME] tables: a path or https URL
    source: NonEmpty | None = None  # "github:ORG": the organisation's teams, members by login
    only: list[NonEmpty] = Field(default_factory=list)  # with source: these team slugs only

    @field_validator("source")
    @classmethod
    def _github_org(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"github:[A-Za-z0-9](?:[A-Za-z0-9-]*)", value):
            raise ValueError("must be github:ORG, e.g. github:acme")
        return value


_SOURCE_KEYS = frozenset(TeamSources.model_fields)


class PrivacySection(_Section):
    min_team_size: int = Field(default=DEFAULT_MIN_TEAM_SIZE, ge=1)


class FileConfig(_Section):
    """The whole `.deploycount.toml`."""

    report: ReportSection = ReportSection()
    deploys: DeploysSection = DeploysSection()
    attribution: AttributionSection = AttributionSection()
    push: PushSection = PushSection()
    teams: dict[str, TeamSection] = Field(default_factory=dict)
    team_sources: TeamSources = TeamSources()
    privacy: PrivacySection = PrivacySection()

    @model_validator(mode="before")
    @classmethod
    def _split_team_sources(cls, data: Any) -> Any:
        """`[teams]` holds both team tables and the keys of TeamSources (not team names)."""
        if isinstance(data, dict) and isinstance(data.get("teams"), dict):
            teams = dict(data["teams"])
            sources = {k: teams.pop(k) for k in list(teams) if k in _SOURCE_KEYS}
            if "team_sources" in data:
                raise ValueError("team_sources is not a config key: use [teams] include/source")
            data = {**data, "teams": teams, "team_sources": sources}
        return data

    @field_validator("teams")
    @classmethod
    def _team_names(cls, value: dict[str, TeamSection]) -> dict[str, TeamSection]:
        for name in value:
            if not name.strip() or name != name.strip() or not name.isprintable():
                raise ValueError(
                    f"team name {name!r} must be a visible name without blanks around it"
                )
            if name.lower() in RESERVED_TEAM_NAMES:
                raise ValueError(f"team name {name!r} is reserved")
        return value


def load_config(explicit: str | None, repo_root: Path | None) -> tuple[FileConfig, Path | None]:
    """The config from `--config PATH`, else `.deploycount.toml` at the repository root, else
    defaults. A file named explicitly must exist; the default one is optional."""
    if explicit is not None:
        path = Path(explicit)
        if path.is_dir():
            raise ConfigError(f"--config {explicit} is a directory: name the .toml file in it")
        if not path.is_file():
            raise ConfigError(f"config file {explicit} does not exist")
    elif repo_root is not None and (repo_root / CONFIG_FILE).is_file():
        path = repo_root / CONFIG_FILE
    else:
        return FileConfig(), None
    return parse_config(path), path


def parse_config(path: Path) -> FileConfig:
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"invalid config {path}: not UTF-8 text") from None
    except OSError as error:
        raise ConfigError(f"cannot read config {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"invalid config {path}: {error}") from None
    try:
        return FileConfig.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        key = re.sub(r"^team_sources\b", "teams", key)  # written as [teams] keys
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            message = "unknown key (see the README for the config keys)"
        raise ConfigError(f"invalid config {path}: {key}: {message}") from None


def choose(flag: T | None, configured: T | None, default: T) -> T:
    """Flag beats config file, which beats the default."""
    if flag is not None:
        return flag
    if configured is not None:
        return configured
    return default


# -- report ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportSettings:
    """Flags, config and defaults resolved into what the report pipeline needs."""

    since: datetime
    until: datetime
    environment: str
    deploy_spec: str | None  # None: choose per environment (the ledger, else DEFAULT_DEPLOYS)
    remote: str
    minimum: Confidence
    markers: Markers
    teams: tuple[Team, ...]
    min_team_size: int
    now: datetime  # when the report is made: a window that ends later counts its elapsed part
    # More teams from outside (resolved by the pipeline), and where a relative teams.include
    # is found (None: the repository root).
    team_sources: TeamSources = field(default_factory=TeamSources)
    config_dir: Path | None = None


def markers_from_config(config: FileConfig) -> Markers:
    """The built-in identity and marker tables, extended by `[attribution]`."""
    extra = config.attribution
    markers = builtin_markers()
    if extra.identities or extra.trailers or extra.tools:
        tools = {tool: section.model_dump() for tool, section in extra.tools.items()}
        markers = markers.extended(extra.identities, extra.trailers, tools)
    return markers


def minimum_confidence(flag: str | None, config: FileConfig) -> Confidence:
    return Confidence.parse(choose(flag, config.attribution.min_confidence, DEFAULT_MIN_CONFIDENCE))


def resolve_report_settings(
    options: ReportOptions, config: FileConfig, *, now: datetime
) -> ReportSettings:
    until = parse_when(
        choose(options.until, config.report.until, DEFAULT_UNTIL), now=now, option="--until"
    )
    since = parse_when(
        choose(options.since, config.report.since, DEFAULT_SINCE), now=until, option="--since"
    )
    if since >= until:
        raise UsageError(
            f"--since ({since:%Y-%m-%d %H:%M}) must be before --until ({until:%Y-%m-%d %H:%M})"
        )
    teams = tuple(
        Team(name, tuple(m.lower() for m in section.members), section.size)
        for name, section in config.teams.items()
    )
    return ReportSettings(
        since=since,
        until=until,
        environment=choose(options.env, config.report.env, DEFAULT_ENVIRONMENT),
        deploy_spec=choose(options.deploys, config.deploys.source, None),
        remote=choose(None, config.deploys.remote, DEFAULT_REMOTE),
        minimum=minimum_confidence(options.min_confidence, config),
        markers=markers_from_config(config),
        teams=teams,
        min_team_size=config.privacy.min_team_size,
        now=now,
        team_sources=config.team_sources,
        config_dir=Path(options.config_path).resolve().parent if options.config_path else None,
    )


def resolve_report_output(
    output_format: str | None, output: str | None, config: FileConfig
) -> tuple[str, str | None]:
    """The report's format and where it goes (None: stdout)."""
    return (
        choose(output_format, config.report.format, DEFAULT_REPORT_FORMAT),
        choose(output, config.report.output, None),
    )


# -- record ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordSettings:
    environment: str
    remote: str


def resolve_record_settings(
    env: str | None, remote: str | None, config: FileConfig
) -> RecordSettings:
    return RecordSettings(
        environment=choose(env, config.report.env, DEFAULT_ENVIRONMENT),
        remote=choose(remote, config.deploys.remote, DEFAULT_REMOTE),
    )


# -- push -----------------------------------------------------------------------------------------

_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class PushSettings:
    """Where and how `push` sends the report."""

    sink: str
    url: str
    headers: dict[str, str]
    timeout: float
    max_retry_seconds: float
    otlp_protocol: str


OTLP_PROTOCOL_VARIABLES = ("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL")


def _otlp_protocol_from_environment(environ: Mapping[str, str]) -> str | None:
    """The OpenTelemetry SDK variables, metrics-specific first; `grpc` is not spoken here."""
    for name in OTLP_PROTOCOL_VARIABLES:
        value = environ.get(name, "").strip()
        if not value:
            continue
        if value not in OTLP_PROTOCOLS:
            raise UsageError(
                f"{name}={value!r} is not a protocol deploycount speaks: use http/protobuf or "
                "http/json (gRPC is not supported; collectors take OTLP/HTTP on port 4318)"
            )
        return value
    return None


def resolve_push_settings(
    *,
    sink: str | None,
    url: str | None,
    headers: Sequence[str] | None,
    timeout: float | None,
    max_retry_seconds: float | None,
    config: PushSection,
    environ: Mapping[str, str],
    otlp_protocol: str | None = None,
) -> PushSettings:
    chosen_sink = choose(sink, config.sink, None)
    if chosen_sink is None:
        raise UsageError("push needs --sink pushgateway|otlp|webhook (or [push] sink in config)")
    chosen_url = choose(url, config.to, None)
    if chosen_url is None:
        raise UsageError("push needs --to URL (or [push] to in config)")
    register_url_secrets(chosen_url)
    try:
        parts = urlsplit(chosen_url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as error:
        raise UsageError(f"--to is not a valid URL ({error}): e.g. https://host:9091") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--to {safe_url(chosen_url)!r} is not an http(s) URL")
    parsed = parse_headers(choose(headers, config.headers or None, []), environ)
    return PushSettings(
        sink=chosen_sink,
        url=chosen_url,
        headers=parsed,
        timeout=choose(timeout, config.timeout, DEFAULT_TIMEOUT),
        max_retry_seconds=choose(
            max_retry_seconds, config.max_retry_seconds, DEFAULT_MAX_RETRY_SECONDS
        ),
        otlp_protocol=choose(
            otlp_protocol,
            config.otlp_protocol,
            (chosen_sink == "otlp" and _otlp_protocol_from_environment(environ))
            or DEFAULT_OTLP_PROTOCOL,
        ),
    )


def parse_headers(lines: Sequence[str], environ: Mapping[str, str]) -> dict[str, str]:
    """`Name: value` lines as a dict; `${VAR}` in a value is taken from the environment, so
    tokens can stay out of config files. Every value is registered as a secret."""
    headers: dict[str, str] = {}
    for line in lines:
        name, colon, value = line.partition(":")
        name = name.strip()
        if not colon or not _HEADER_NAME.match(name):
            raise UsageError("--header must look like 'Name: value' (the value is not shown here)")

        def expand(match: re.Match[str], header: str = name) -> str:
            variable = match[1]
            if variable not in environ:
                raise UsageError(f"header {header}: environment variable {variable} is not set")
            return environ[variable]

        value = _VARIABLE.sub(expand, value.strip())
        register_secret(value)
        if "\n" in value or "\r" in value:
            raise UsageError(f"header {name}: the value must be one line")
        if not value.isascii() or not value.isprintable():
            raise UsageError(
                f"header {name}: the value must be printable ASCII (HTTP headers are; "
                "the value is not shown here)"
            )
        headers[name] = value
    return headers


__all__ = [
    "DEFAULT_DEPLOYS",
    "DEFAULT_ENVIRONMENT",
    "DEFAULT_PUSH_ATTEMPTS",
    "DEFAULT_REMOTE",
    "FileConfig",
    "PushSettings",
    "RecordSettings",
    "ReportOptions",
    "ReportSettings",
    "choose",
    "load_config",
    "markers_from_config",
    "minimum_confidence",
    "parse_config",
    "resolve_push_settings",
    "resolve_record_settings",
    "resolve_report_output",
    "resolve_report_settings",
]
