"""`tags:GLOB,...`: every matching tag is a successful production deploy of its commit."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from deploycount.deploys.base import DeployEvent, LoadedEvents
from deploycount.errors import UsageError
from deploycount.options import DEFAULT_ENVIRONMENT
from deploycount.timeutil import from_unix

if TYPE_CHECKING:
    from deploycount.history import Repository

TAG_ENVIRONMENT = DEFAULT_ENVIRONMENT  # tags are deploys of the default environment only


@dataclass(frozen=True)
class TagsSource:
    """Tags matching any include glob and no `!exclude` glob (`tags:v*,!*.dev,!*rc*`)."""

    spec: str
    include: tuple[str, ...]
    exclude: tuple[str, ...]

    @classmethod
    def from_argument(cls, argument: str) -> TagsSource:
        patterns = [p.strip() for p in argument.split(",") if p.strip()]
        include = tuple(p for p in patterns if not p.startswith("!"))
        exclude = tuple(p[1:] for p in patterns if p.startswith("!") and len(p) > 1)
        if not include:
            raise UsageError(f"tags:{argument} names no tag glob to include: e.g. tags:v*,!*rc*")
        return cls(spec=f"tags:{','.join(patterns)}", include=include, exclude=exclude)

    def matches(self, name: str) -> bool:
        return any(fnmatchcase(name, p) for p in self.include) and not any(
            fnmatchcase(name, p) for p in self.exclude
        )

    def load(self, repo: Repository, environment: str) -> LoadedEvents:
        if environment != TAG_ENVIRONMENT:
            return LoadedEvents(
                [], [f"deploy source {self.spec} only gives {TAG_ENVIRONMENT} deploys"]
            )
        tags = [t for t in repo.tags() if self.matches(t.name)]
        # Only tags of tags (or of trees) still need peeling: one batch for those few.
        nested = repo.resolve_commits(t.target for t in tags if t.commit is None)
        loaded = LoadedEvents([], verified=True)
        for tag in tags:
            sha = tag.commit or nested.get(tag.target)
            if sha is None or tag.created_at is None:
                loaded.warnings.append(f"tag {tag.name} does not point at a commit: skipped")
                continue
            loaded.events.append(
                DeployEvent(tag.name, sha, TAG_ENVIRONMENT, from_unix(tag.created_at), "success")
            )
        return loaded
