"""The deploy event, its validation, and the spec parser that picks a source."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Literal, Protocol

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    StringConstraints,
    ValidationError,
    field_validator,
)

from deploycount.options import DEFAULT_ENVIRONMENT

if TYPE_CHECKING:
    from deploycount.history import Repository

Status = Literal["success", "failure"]


@dataclass(frozen=True, slots=True)
class DeployEvent:
    """One deploy of one sha to one environment, at a UTC time, that succeeded or failed."""

    id: str
    sha: str
    environment: str
    time: datetime
    status: Status


@dataclass
class LoadedEvents:
    """What a source found: the events, and warnings about what it had to skip."""

    events: list[DeployEvent]
    warnings: list[str] = field(default_factory=list)
    verified: bool = False  # every sha is already a full commit sha of this repository
    # Events the source left out on purpose (pre-release tags), and the spec that includes them:
    # the report names those inside its window.
    left_out: list[DeployEvent] = field(default_factory=list)
    include_hint: str = ""


class DeploySource(Protocol):
    """Anything that can list deploy events; `spec` is how the report names it."""

    @property
    def spec(self) -> str: ...

    def load(self, repo: Repository, environment: str) -> LoadedEvents: ...


class EventRecord(BaseModel):
    """The wire form of an event in a file or the notes ledger; unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: Annotated[str, StringConstraints(min_length=1, max_length=256, strip_whitespace=True)]
    sha: Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{4,64}$")]
    environment: Annotated[
        str, StringConstraints(min_length=1, max_length=256, strip_whitespace=True)
    ] = DEFAULT_ENVIRONMENT
    time: AwareDatetime
    status: Status = "success"

    @field_validator("time")
    @classmethod
    def _representable_in_utc(cls, value: datetime) -> datetime:
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValueError("the time is outside the calendar once turned into UTC") from None

    def to_event(self) -> DeployEvent:
        return DeployEvent(
            id=self.id,
            sha=self.sha.lower(),
            environment=self.environment,
            time=self.time.astimezone(UTC),
            status=self.status,
        )


def split_at_window(
    events: Sequence[DeployEvent], since: datetime, until: datetime
) -> tuple[list[DeployEvent], list[DeployEvent]]:
    """The events before `since`, and those inside `[since, until)`; later ones are dropped."""
    before = [e for e in events if e.time < since]
    window = [e for e in events if since <= e.time < until]
    return before, window


def shipped_shas(events: Sequence[DeployEvent]) -> list[str]:
    """The shas of the successful events, each once, in the events' order."""
    return list(dict.fromkeys(e.sha for e in events if e.status == "success"))


def describe_validation_error(error: ValidationError) -> str:
    """The first problem pydantic found, as `field: reason`."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "event"
    return f"{where}: {first['msg']}"
