"""`github`: the GitHub Deployments API (not available yet)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from deploycount.deploys.base import LoadedEvents
from deploycount.errors import UsageError

if TYPE_CHECKING:
    from deploycount.history import Repository


@dataclass(frozen=True)
class GitHubSource:
    spec: str = "github"

    def load(self, repo: Repository, environment: str) -> LoadedEvents:
        raise UsageError(
            "the github deploy source is not available in this version: use tags:, notes or file:"
        )
