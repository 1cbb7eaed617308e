"""`.deploycount.toml` as pydantic models, and the one place where flag > file > default."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

from deploycount.attribution import TOOL_IDS
from deploycount.errors import ConfigError
from deploycount.teams import RESERVED_TEAM_NAMES

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
    format: Literal["table", "json", "markdown"] | None = None
    output: NonEmpty | None = None


class DeploysSection(_Section):
    """`[deploys]`: where deploy events come from."""

    source: NonEmpty | None = None
    remote: NonEmpty | None = None  # where the notes ledger is fetched from and pushed to


class AttributionSection(_Section):
    """`[attribution]`: minimum confidence, extra AI identities and trailer keys."""

    min_confidence: ConfidenceName | None = None
    identities: dict[str, list[NonEmpty]] = Field(default_factory=dict)
    trailers: list[Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]+$")]] = Field(
        default_factory=list
    )

    @field_validator("identities")
    @classmethod
    def _known_tools(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for tool in value:
            if tool not in TOOL_IDS:
                raise ValueError(f"unknown tool {tool!r}; use one of {', '.join(TOOL_IDS)}")
        return value


class PushSection(_Section):
    """`[push]`: where `deploycount push` sends the report."""

    sink: Literal["pushgateway", "otlp", "webhook"] | None = None
    to: NonEmpty | None = None
    headers: list[NonEmpty] = Field(default_factory=list)
    timeout: float | None = Field(default=None, gt=0, le=300)
    max_retry_seconds: float | None = Field(default=None, ge=0, le=3600)


class TeamSection(_Section):
    """`[teams.NAME]`: members by email or glob, and an optional declared headcount."""

    members: list[NonEmpty] = Field(min_length=1)
    size: int | None = Field(default=None, ge=0)


class PrivacySection(_Section):
    min_team_size: int = Field(default=3, ge=1)


class FileConfig(_Section):
    """The whole `.deploycount.toml`."""

    report: ReportSection = ReportSection()
    deploys: DeploysSection = DeploysSection()
    attribution: AttributionSection = AttributionSection()
    push: PushSection = PushSection()
    teams: dict[str, TeamSection] = Field(default_factory=dict)
    privacy: PrivacySection = PrivacySection()

    @field_validator("teams")
    @classmethod
    def _team_names(cls, value: dict[str, TeamSection]) -> dict[str, TeamSection]:
        for name in value:
            if name.lower() in RESERVED_TEAM_NAMES:
                raise ValueError(f"team name {name!r} is reserved")
        return value


def load_config(explicit: str | None, repo_root: Path | None) -> tuple[FileConfig, Path | None]:
    """The config from `--config PATH`, else `.deploycount.toml` at the repository root, else
    defaults. A file named explicitly must exist; the default one is optional."""
    if explicit is not None:
        path = Path(explicit)
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
        message = first["msg"]
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
