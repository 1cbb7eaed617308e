"""The deploy event, what a source loads, and the splitting of events at a window; the wire form
and its checks are `records.py` (pydantic, loaded with the first event read)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from deploycount.repository import Repository

Status = Literal["success", "failure"]


@dataclass(frozen=True, slots=True)
class DeployEvent:
    """One deploy of one sha to one environment, at a UTC time, that succeeded or failed;
    `service` names the service of a monorepo it deployed ("": the whole repository)."""

    id: str
    sha: str
    environment: str
    time: datetime
    status: Status
    service: str = ""


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
