"""`deploycount record`: append a deploy event to the ledger, and push the ledger if asked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from deploycount.commands import open_repository
from deploycount.config import resolve_record_settings
from deploycount.deploys.notes import (
    RecordResult,
    check_remote,
    push_ledger,
    record_deploy,
)
from deploycount.options import DEFAULT_PUSH_SECONDS
from deploycount.timeutil import parse_when, utc_now


@dataclass(frozen=True)
class RecordOutcome:
    result: RecordResult | None  # None for --push-only
    pushed_to: str | None = None
    push_attempts: int = 0

    def messages(self) -> list[str]:
        """What happened, for stderr."""
        lines = []
        if self.result is not None:
            event = self.result.event
            verb = "recorded" if self.result.added else "already recorded, unchanged:"
            lines.append(
                f"{verb} {event.status} deploy {event.id} of {event.sha[:12]} to "
                f"{event.environment}"
            )
        if self.pushed_to is not None:
            lines.append(
                f"pushed the deploy ledger to {self.pushed_to} ({self.push_attempts} attempt(s))"
            )
        return lines


def record(
    directory: str,
    *,
    sha: str,
    env: str | None,
    status: str,
    when: str | None,
    event_id: str | None,
    push: bool,
    remote: str | None,
    retries: int,
    config_path: str | None,
    environ: Mapping[str, str],
    force: bool = False,
    push_only: bool = False,
    push_timeout: float = DEFAULT_PUSH_SECONDS,
) -> RecordOutcome:
    repo, config = open_repository(directory, config_path)
    settings = resolve_record_settings(env, remote, config)
    if push or push_only:
        check_remote(repo, settings.remote)  # before anything is written
    result = None
    if not push_only:
        now = utc_now()
        moment = parse_when(when, now=now, option="--time") if when else now
        result = record_deploy(
            repo,
            commitish=sha,
            environment=settings.environment,
            status=status,
            moment=moment,
            event_id=event_id,
            now=now,
            force=force,
            environ=environ,
        )
    if not (push or push_only):
        return RecordOutcome(result)
    attempts = push_ledger(repo, settings.remote, attempts=retries, seconds=push_timeout)
    return RecordOutcome(result, settings.remote, attempts)
