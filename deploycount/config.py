"""`.deploycount.toml` as frozen dataclasses, and the one place where flag > file > default.

Each command family resolves its flags, the config file and the defaults in one function
(`resolve_report_settings`, `resolve_push_settings`, `resolve_record_settings`,
`resolve_report_output`); nothing else calls `choose`. The defaults themselves are named
constants in `options`, defined once and importable without pydantic.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import MISSING, asdict, dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from deploycount import checks
from deploycount.attribution import (
    BUILTIN_TOOL_IDS,
    OTHER_TOOL,
    TOOL_ID_PATTERN,
    Markers,
    builtin_markers,
)
from deploycount.checks import Invalid
from deploycount.errors import ConfigError, UsageError
from deploycount.files import read_text_file
from deploycount.history.reading import RELEASE_SUBJECT
from deploycount.identity import Confidence
from deploycount.masking import register_secret, register_url_secrets, safe_url
from deploycount.options import (
    DEFAULT_COPILOT_CREDIT,
    DEFAULT_DEPLOYS,
    DEFAULT_ENVIRONMENT,
    DEFAULT_MAX_RETRY_SECONDS,
    DEFAULT_MIN_CONFIDENCE,
    DEFAULT_MIN_N,
    DEFAULT_MIN_TEAM_SIZE,
    DEFAULT_OTLP_PROTOCOL,
    DEFAULT_PUSH_ATTEMPTS,
    DEFAULT_REMOTE,
    DEFAULT_REPORT_FORMAT,
    DEFAULT_REWORK_DAYS,
    DEFAULT_REWORK_HOURS,
    DEFAULT_SINCE,
    DEFAULT_TIMEOUT,
    DEFAULT_UNTIL,
    OTLP_PROTOCOLS,
    ReportOptions,
    Rules,
)
from deploycount.services import Service, path_problem
from deploycount.teams import ALL, RESERVED_TEAM_NAMES, Team
from deploycount.timeutil import parse_when

CONFIG_FILE = ".deploycount.toml"

T = TypeVar("T")
S = TypeVar("S")

_UNKNOWN_KEY = "unknown key (docs/reference/config.md lists the config keys)"


# -- checks: each takes a value from the TOML file and the key it sits at, and returns the value to
# keep or raises Invalid (the shared checks of checks.py). They are attached to the fields below,
# so a section's shape and its rules are written once.

Check = Callable[[object, str], object]


_text = checks.text
_toml_type = checks.kind_of


def _one_of(*choices: str) -> Check:
    def check(value: object, key: str) -> str:
        if value not in choices or not isinstance(value, str):
            raise Invalid(key, f"must be one of {', '.join(choices)}")
        return value

    return check


def _matching(pattern: str, what: str) -> Check:
    compiled = re.compile(pattern)

    def check(value: object, key: str) -> str:
        text = _text(value, key)
        if not compiled.fullmatch(text):
            raise Invalid(key, f"must be {what}, not {text!r}")
        return text

    return check


def _list_of(check: Check, kind: str = "an array") -> Check:
    """An array whose items each pass `check`; `kind` is what the error says was expected."""

    def each(value: object, key: str) -> list[object]:
        if not isinstance(value, list):
            raise Invalid(key, f"must be {kind}, not {_toml_type(value)}")
        return [check(item, f"{key}.{index}") for index, item in enumerate(value)]

    return each


_texts = _list_of(_text, "an array of strings")  # of non-empty strings, each stripped


def _members(value: object, key: str) -> object:
    members = _texts(value, key)
    if not members:
        raise Invalid(key, "must name at least one member")
    return members


def _number(*, above: float | None = None, at_least: float | None = None, at_most: float) -> Check:
    def check(value: object, key: str) -> float:
        return checks.number(value, key, above=above, at_least=at_least, at_most=at_most)

    return check


def _count(at_least: int) -> Check:
    def check(value: object, key: str) -> int:
        return checks.whole_number(value, key, at_least=at_least)

    return check


def _table_of(check: Check, name: Check | None = None) -> Check:
    """A table whose keys are names (each checked by `name`) and whose values pass `check`."""

    def each(value: object, key: str) -> dict[str, object]:
        if not isinstance(value, dict):
            raise Invalid(key, f"must be a table, not {_toml_type(value)}")
        if name is not None:
            for item in value:
                name(item, f"{key}.{item}")
        return {item: check(inner, f"{key}.{item}") for item, inner in value.items()}

    return each


def _section(cls: Callable[..., S]) -> Callable[[object, str], S]:
    """A table read into the dataclass `cls`, each key through its field's check."""
    known = {f.name: f for f in fields(cast(Any, cls))}

    def build(value: object, key: str) -> S:
        if not isinstance(value, dict):
            raise Invalid(key, f"must be a table, not {_toml_type(value)}")
        values: dict[str, object] = {}
        for name, item in value.items():
            where = f"{key}.{name}" if key else name
            if name not in known:
                raise Invalid(where, _UNKNOWN_KEY)
            values[name] = known[name].metadata["check"](item, where)
        for name, spec in known.items():
            if name not in values and spec.default is MISSING and spec.default_factory is MISSING:
                raise Invalid(f"{key}.{name}" if key else name, "is required")
        return cls(**values)

    return build


def _checked(check: Check, default: object = None) -> Any:
    """A field that `check` reads from the file, `default` when the file leaves it out."""
    return field(default=default, metadata={"check": check})


def _many(check: Check, empty: Callable[[], object]) -> Any:
    """A field for an array or a table that `check` reads, `empty()` when the file has none."""
    return field(default_factory=empty, metadata={"check": check})


def _within(sections: Callable[..., S]) -> Any:
    """A field holding a whole section, empty when the file has no such table."""
    return field(default_factory=sections, metadata={"check": _section(sections)})


# -- the file's shape ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ReportSection:
    """`[report]`: defaults for the report options."""

    since: str | None = _checked(_text)
    until: str | None = _checked(_text)
    env: str | None = _checked(_text)
    format: str | None = _checked(_one_of("table", "json", "markdown", "openmetrics"))
    output: str | None = _checked(_text)
    every: str | None = _checked(_text)


@dataclass(frozen=True, kw_only=True)
class DeploysSection:
    """`[deploys]`: where deploy events come from."""

    source: str | None = _checked(_text)
    remote: str | None = _checked(_text)  # where the notes ledger is fetched from and pushed to


@dataclass(frozen=True, kw_only=True)
class ToolSection:
    """`[attribution.tools.<id>]`: a tool of the organisation's own."""

    identities: list[str] = _many(_texts, list)  # emails, or GitHub logins
    aliases: list[str] = _many(_texts, list)  # names in trailer values
    footers: list[str] = _many(_texts, list)  # names after "Generated with"


_tool_id = _matching(TOOL_ID_PATTERN, "a tool id (lower-case letters, digits, . _ -)")


@dataclass(frozen=True, kw_only=True)
class AttributionSection:
    """`[attribution]`: minimum confidence, extra AI identities, trailer keys and tools."""

    min_confidence: str | None = _checked(_one_of("low", "medium", "high"))
    identities: dict[str, list[str]] = _many(_table_of(_texts), dict)
    trailers: list[str] = _many(
        _list_of(_matching(r"[A-Za-z0-9-]+", "a trailer key such as Assisted-by")), list
    )
    tools: dict[str, ToolSection] = _many(_table_of(_section(ToolSection), _tool_id), dict)

    def __post_init__(self) -> None:
        for tool in self.tools:
            if tool == OTHER_TOOL:
                raise Invalid(f"attribution.tools.{tool}", "'other' is reserved")
        known = (*BUILTIN_TOOL_IDS, *self.tools)
        for tool in self.identities:
            if tool not in known:
                raise Invalid(
                    f"attribution.identities.{tool}",
                    f"unknown tool; use one of {', '.join(known)} "
                    "or declare it under [attribution.tools.<id>]",
                )


@dataclass(frozen=True, kw_only=True)
class PushSection:
    """`[push]`: where `deploycount push` sends the report."""

    sink: str | None = _checked(_one_of("pushgateway", "otlp", "webhook"))
    to: str | None = _checked(_text)
    headers: list[str] = _many(_texts, list)
    timeout: float | None = _checked(_number(above=0, at_most=300))
    max_retry_seconds: float | None = _checked(_number(at_least=0, at_most=3600))
    otlp_protocol: str | None = _checked(_one_of(*OTLP_PROTOCOLS))


@dataclass(frozen=True, kw_only=True)
class TeamSection:
    """`[teams.NAME]`: members by email or glob, and an optional declared headcount."""

    members: list[str] = field(metadata={"check": _members})
    size: int | None = _checked(_count(0))


@dataclass(frozen=True, kw_only=True)
class TeamSources:
    """`[teams]` keys that say where more teams come from (docs: Many repositories)."""

    include: str | None = _checked(_text)  # a TOML file of [teams.NAME] tables: a path or URL
    source: str | None = _checked(  # "github:ORG": the organisation's teams, members by login
        _matching(r"github:[A-Za-z0-9](?:[A-Za-z0-9-]*)", "github:ORG, e.g. github:acme")
    )
    only: list[str] = _many(_texts, list)  # with source: these team slugs only


_SOURCE_KEYS = frozenset(f.name for f in fields(TeamSources))


def _boolean(value: object, key: str) -> bool:
    if not isinstance(value, bool):
        raise Invalid(key, f"must be true or false, not {_toml_type(value)}")
    return value


def _regex(value: object, key: str) -> str:
    text = _text(value, key)
    try:
        re.compile(text)
    except re.error as error:
        raise Invalid(key, f"{text!r} is not a regular expression: {error}") from None
    return text


@dataclass(frozen=True, kw_only=True)
class ReleaseCommitsSection:
    """`[release_commits]`: the version bumps release tools commit are not counted as work
    (`count = true` counts them); `subjects` adds regular expressions of such subjects."""

    count: bool = _checked(_boolean, False)
    subjects: list[str] = _many(_list_of(_regex, "an array of regular expressions"), list)


@dataclass(frozen=True, kw_only=True)
class OutcomesSection:
    """`[outcomes]`: whether what shipped held up (docs: how it works, "Did it hold up").
    `incidents` is an incidents file (JSON or JSONL), or `github` / `github:LABEL` for the
    repository's issues labelled `incident` (or LABEL); a deploy is rework when it reverts or
    fixes (`Fixes:`) a commit shipped up to `rework_days` before it, comes while an incident is
    open, or up to `rework_hours` after a failed deploy, a rollback or an incident's start;
    AI-assisted and human are compared when each side has `min_n`."""

    incidents: str | None = _checked(_text)
    rework_days: int = _checked(_count(1), DEFAULT_REWORK_DAYS)
    rework_hours: int = _checked(_count(1), DEFAULT_REWORK_HOURS)
    min_n: int = _checked(_count(2), DEFAULT_MIN_N)


def _credit(value: object, key: str) -> float:
    return checks.number(value, key, at_least=0.0, at_most=100.0)  # USD per AI credit


def _team_of(value: object, key: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise Invalid(key, f"must be a table of id = team, not {checks.kind_of(value)}")
    mapped = {}
    for name, team in value.items():
        where = f"{key}.{name}"
        mapped[checks.text(name, where)] = checks.text(team, where)
    return mapped


@dataclass(frozen=True, kw_only=True)
class SpendSection:
    """`[spend]`: what the AI-assisted work cost (docs: What it cost). `sources` are spend specs
    as --spend takes them; `team_of` maps a workspace, project or API key to a team (people
    go by the teams' members); `copilot_credit` is the price of a Copilot AI credit in USD."""

    sources: list[str] = _many(_texts, list)
    team_of: dict[str, str] = _checked(_team_of, None)
    copilot_credit: float = _checked(_credit, DEFAULT_COPILOT_CREDIT)


@dataclass(frozen=True, kw_only=True)
class PrivacySection:
    """`[privacy]`: a team row with fewer people than this shows no figures."""

    min_team_size: int = _checked(_count(1), DEFAULT_MIN_TEAM_SIZE)


def _service_path(value: object, key: str) -> str:
    path = _text(value, key)
    problem = path_problem(path)
    if problem:
        raise Invalid(key, f"{path!r} {problem}")
    return path


def _paths(value: object, key: str) -> list[object]:
    paths = cast(list[object], _list_of(_service_path)(value, key))
    if not paths:
        raise Invalid(key, "must name at least one path (a directory such as packages/api)")
    return paths


def _tag_glob(value: object, key: str) -> str:
    glob = _text(value, key).removeprefix("tags:")
    if not glob or glob != glob.strip():
        raise Invalid(key, "must be a glob of tag names, such as 'api@*' or 'api/v*'")
    return glob


@dataclass(frozen=True, kw_only=True)
class ServiceSection:
    """`[services.NAME]`: a service of a monorepo (docs: Services in one repository). `paths`
    are matched as `git log -- PATH` matches them (a directory and everything in it; a glob
    such as `apps/site/*.ts` must match a whole path, `*` crossing `/`); `tags` is a glob of
    the service's release tags (`api@*`, `api/v*`); `teams` own the service: a commit of
    anybody outside them counts for the first."""

    paths: list[str] = field(metadata={"check": _paths})
    tags: str | None = _checked(_tag_glob)  # None: events whose `service` is NAME
    teams: list[str] = _many(_texts, list)


def _group_name(what: str, reserved: Collection[str], longest: int | None = None) -> Check:
    def check(name: object, key: str) -> None:
        checks.group_name(name, key, what=what, reserved=reserved, longest=longest)

    return check


_team_name = _group_name("team", RESERVED_TEAM_NAMES)
# "all" labels a report's totals in the metrics (service="all"); an event's service is at most
# 256 characters. A partial's services are held to the same (`partial.py`).
SERVICE_RESERVED = frozenset({ALL})
SERVICE_LONGEST = 256
_service_name = _group_name("service", SERVICE_RESERVED, longest=SERVICE_LONGEST)


@dataclass(frozen=True, kw_only=True)
class FileConfig:
    """The whole `.deploycount.toml`. `[teams]` holds both team tables and the keys of
    `TeamSources`; reading splits them (`team_sources` is not a key of the file)."""

    report: ReportSection = _within(ReportSection)
    deploys: DeploysSection = _within(DeploysSection)
    attribution: AttributionSection = _within(AttributionSection)
    push: PushSection = _within(PushSection)
    teams: dict[str, TeamSection] = _many(_table_of(_section(TeamSection), _team_name), dict)
    services: dict[str, ServiceSection] = _many(
        _table_of(_section(ServiceSection), _service_name), dict
    )
    team_sources: TeamSources = _within(TeamSources)
    privacy: PrivacySection = _within(PrivacySection)
    release_commits: ReleaseCommitsSection = _within(ReleaseCommitsSection)
    outcomes: OutcomesSection = _within(OutcomesSection)
    spend: SpendSection = _within(SpendSection)


def file_config(data: Mapping[str, object]) -> FileConfig:
    """The config of a parsed TOML document. Raises Invalid naming the first key that does not
    fit (the caller adds where the document came from)."""
    document = dict(data)
    if "team_sources" in document:
        raise Invalid("team_sources", "not a config key: use [teams] include/source")
    teams = document.get("teams")
    if isinstance(teams, dict):
        tables = dict(teams)
        document["team_sources"] = {k: tables.pop(k) for k in list(tables) if k in _SOURCE_KEYS}
        document["teams"] = tables
    try:
        return _section(FileConfig)(document, "")
    except Invalid as error:  # a key of [teams] is written there, whichever part holds it
        raise Invalid(re.sub(r"^team_sources\b", "teams", error.field), error.reason) from None


def load_config(explicit: str | None, repo_root: Path | None) -> tuple[FileConfig, Path | None]:
    """The config from `--config PATH`, else `.deploycount.toml` at the repository root, else
    defaults. A file named explicitly must exist; the default one is optional."""
    if explicit is not None:
        path = Path(explicit)
        if path.is_dir():
            raise ConfigError(f"--config {explicit} is a directory: name the .toml file in it")
        if not path.exists():
            raise ConfigError(f"config file {explicit} does not exist")
    elif repo_root is not None and os.path.lexists(repo_root / CONFIG_FILE):
        path = repo_root / CONFIG_FILE  # read even when it is no file: said, never skipped
    else:
        return FileConfig(), None
    return parse_config(path), path


_MAX_CONFIG_BYTES = 16 * 1024 * 1024  # 3,000 services with their paths and tags take 0.3 MiB


def parse_config(path: Path) -> FileConfig:
    try:
        data = checks.toml(read_text_file(path, label=str(path), limit=_MAX_CONFIG_BYTES))
    except UsageError as error:  # not a regular file, too large, not UTF-8, unreadable
        raise ConfigError(str(error)) from None
    except Invalid as error:
        raise ConfigError(checks.said(str(path), error)) from None
    try:
        return file_config(data)
    except Invalid as error:
        raise ConfigError(checks.said(str(path), error)) from None


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
    services: tuple[Service, ...] = ()  # empty: the repository is one service
    # The subject of a release commit, not counted as work (None: every commit counts).
    releases: re.Pattern[str] | None = RELEASE_SUBJECT
    incidents: str | None = None  # github[:LABEL], or an incidents file
    outcomes: Rules = field(default_factory=Rules)


def markers_from_config(config: FileConfig) -> Markers:
    """The built-in identity and marker tables, extended by `[attribution]`."""
    extra = config.attribution
    markers = builtin_markers()
    if extra.identities or extra.trailers or extra.tools:
        tools = {tool: asdict(section) for tool, section in extra.tools.items()}
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
        services=tuple(
            Service(name, tuple(section.paths), section.tags, tuple(section.teams))
            for name, section in config.services.items()
        ),
        releases=release_subjects(config.release_commits),
        incidents=_incidents_spec(options, config),
        outcomes=Rules(
            config.outcomes.rework_days, config.outcomes.rework_hours, config.outcomes.min_n
        ),
    )


def _incidents_spec(options: ReportOptions, config: FileConfig) -> str | None:
    """`--incidents` as given, or `[outcomes] incidents` (a file: beside the config file)."""
    if options.incidents is not None:
        return options.incidents
    spec = config.outcomes.incidents
    if spec is None or spec == "github" or spec.startswith("github:"):
        return spec
    if options.config_path and not Path(spec).is_absolute():
        return str(Path(options.config_path).resolve().parent / spec)
    return spec


def release_subjects(section: ReleaseCommitsSection) -> re.Pattern[str] | None:
    """The built-in release subjects with the config's own; None when they count as work."""
    if section.count:
        return None
    if not section.subjects:
        return RELEASE_SUBJECT
    extra = "|".join(f"(?-x:{subject})" for subject in section.subjects)  # not verbose
    return re.compile(f"(?:{RELEASE_SUBJECT.pattern})|{extra}", RELEASE_SUBJECT.flags)


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
