"""`github`: the environment's deployments, each with its statuses, read through GitHub's
GraphQL API a hundred at a time (`GitHub.deployments`).

A deployment counts from its first `success` status (time = that status's `created_at`); a
`failure` or `error` status before any success makes it a failed deploy at that time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from deploycount.deploys.base import DeployEvent, LoadedEvents
from deploycount.repository import NAMING_REMOTE, repository_name

if TYPE_CHECKING:
    from deploycount.repository import Repository

_FAILED = frozenset({"failure", "error"})


def event_from_deployment(
    deployment: dict[str, Any], statuses: list[dict[str, Any]]
) -> DeployEvent | None:
    """The event a deployment stands for, or None while it has no final status."""
    ordered = sorted(statuses, key=lambda s: str(s.get("created_at", "")))
    for status in ordered:
        state = status.get("state")
        if state == "success" or state in _FAILED:
            when = datetime.fromisoformat(
                str(status["created_at"]).replace("Z", "+00:00")
            ).astimezone(UTC)
            return DeployEvent(
                id=str(deployment["id"]),
                sha=str(deployment["sha"]).lower(),
                environment=str(deployment.get("environment", "")),
                time=when,
                status="success" if state == "success" else "failure",
                service=_service(deployment.get("payload")),
            )
    return None


def _service(payload: object) -> str:
    """The `service` a deployment's payload names (`gh api .../deployments -f
    payload='{"service":"api"}'`), else "". The payload is the deployer's JSON text (the REST
    API gives it parsed): anything else in it, or text that is not JSON, is no service."""
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except (ValueError, RecursionError):
            return ""
    service = payload.get("service") if isinstance(payload, dict) else None
    if not isinstance(service, str) or not service.strip() or len(service) > 256:
        return ""
    return service.strip()


@dataclass(frozen=True)
class GitHubSource:
    """Reads `GITHUB_TOKEN`, `GITHUB_REPOSITORY` and `GITHUB_API_URL` from `environ`."""

    environ: Mapping[str, str] = field(default_factory=dict)
    spec: str = "github"
    since: datetime | None = None  # the window's start: older deployments are read only so far
    log: Callable[[str], None] | None = None

    def load(self, repo: Repository, environment: str) -> LoadedEvents:
        """Deployments newest first (as GitHub lists them), each with its statuses, stopping
        once past the last successful deploy before the window: a repository with years of
        deployments costs a few requests, not one per deployment ever made."""
        # Imported here: requests costs ~80 ms of start-up that every other source and command
        # would pay, which alone puts a window report over its budget.
        from deploycount.github_api import GitHub  # noqa: PLC0415

        github = GitHub.from_environment(
            self.environ, repository_name(repo, self.environ), repo.remote_url(NAMING_REMOTE)
        )
        loaded = LoadedEvents([])
        for deployment in github.deployments(environment):
            if not isinstance(deployment.get("id"), int) or not isinstance(
                deployment.get("sha"), str
            ):
                loaded.warnings.append("GitHub returned a deployment without id or sha: skipped")
                continue
            event = event_from_deployment(deployment, list(deployment.get("statuses") or []))
            if event is not None:
                loaded.events.append(event)
                if (
                    self.since is not None
                    and event.status == "success"
                    and event.time < self.since
                    and _created(deployment) < self.since
                ):
                    break  # the last deploy before the window: nothing older matters
        if self.log is not None:
            self.log(f"github source: {github.http.requests} request(s) to the GitHub API")
        return loaded


def _created(deployment: dict[str, Any]) -> datetime:
    """When a deployment was created; deployments listed after it are older still."""
    try:
        return datetime.fromisoformat(str(deployment["created_at"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return datetime.max.replace(tzinfo=UTC)
