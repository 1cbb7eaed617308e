"""`deploycount record`: append a deploy event to the ledger, and push the ledger if asked."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

from deploycount.commands import open_repository
from deploycount.config import resolve_record_settings
from deploycount.deploys import source_from_spec
from deploycount.deploys.notes import (
    RecordResult,
    append_events,
    check_remote,
    checked_event,
    merge_remote_ledger,
    push_ledger,
    record_deploy,
)
from deploycount.deploys.tags import TAG_ENVIRONMENT
from deploycount.errors import UsageError
from deploycount.options import DEFAULT_PUSH_SECONDS
from deploycount.repository import Repository
from deploycount.timeutil import parse_when, utc_now


@dataclass(frozen=True)
class RecordOutcome:
    result: RecordResult | None  # None for --push-only and --from-tags
    pushed_to: str | None = None
    push_attempts: int = 0
    backfilled: tuple[str, list[RecordResult]] | None = None  # (the spec, what it recorded)

    def messages(self) -> list[str]:
        """What happened, for stderr."""
        lines = []
        if self.backfilled is not None:
            spec, results = self.backfilled
            added = sum(result.added for result in results)
            lines.append(
                f"recorded {added} deploy(s) from {spec}"
                + (f" ({len(results) - added} already recorded)" if len(results) > added else "")
            )
        if self.result is not None:
            event = self.result.event
            verb = "recorded" if self.result.added else "already recorded, unchanged:"
            lines.append(
                f"{verb} {event.status} deploy {event.id} of {event.sha[:12]} to "
                f"{event.environment}" + (f" (service {event.service})" if event.service else "")
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
    from_tags: str | None = None,
    service: str = "",
) -> RecordOutcome:
    repo, config = open_repository(directory, config_path)
    settings = resolve_record_settings(env, remote, config)
    if from_tags is not None and (sha != "HEAD" or when or event_id or status != "success"):
        raise UsageError(
            "--from-tags records each tag as a successful deploy at the tag's own time, with "
            "the tag's name as its id: give no SHA, --time, --id or --status with it"
        )
    if service and config.services and service not in config.services:
        raise UsageError(
            f"--service {service}: not a service of [services] ({', '.join(config.services)})"
        )
    # (--from-tags is the backfill made before a service moves from its tags to the ledger)
    tags = config.services[service].tags if service in config.services else None
    if service and tags is not None and from_tags is None:
        raise UsageError(
            f"--service {service}: its deploys are its release tags (services.{service}.tags "
            f"= {tags!r}), so a recorded deploy would never be read; "
            "to record its deploys, remove tags from its section"
        )
    if push or push_only:
        check_remote(repo, settings.remote)  # before anything is written
    if push and not push_only:
        # The remote's ledger first, so that an --id another clone used already is refused
        # here, as one used in this clone is (a fresh CI clone has no ledger of its own).
        merge_remote_ledger(repo, settings.remote, deadline=time.monotonic() + push_timeout)
    result = None
    backfilled = None
    if from_tags is not None and not push_only:
        backfilled = _from_tags(repo, from_tags, settings.environment, service)
    elif not push_only:
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
            service=service,
        )
    if not (push or push_only):
        return RecordOutcome(result, backfilled=backfilled)
    recorded = [result.event] if result is not None else []
    recorded += [r.event for r in backfilled[1]] if backfilled is not None else []
    attempts = push_ledger(
        repo, settings.remote, attempts=retries, seconds=push_timeout, recorded=recorded
    )
    return RecordOutcome(result, settings.remote, attempts, backfilled)


def _from_tags(
    repo: Repository, glob: str, environment: str, service: str
) -> tuple[str, list[RecordResult]]:
    """Every deploy `tags:GLOB` finds (pre-releases left out, as a report leaves them), put in
    the ledger in one change: the backfill that lets the ledger take over from the tags."""
    spec = glob if glob.startswith("tags:") else f"tags:{glob}"
    source = source_from_spec(spec)
    if environment != TAG_ENVIRONMENT:
        raise UsageError(f"--from-tags: tags are {TAG_ENVIRONMENT} deploys, not {environment}")
    loaded = source.load(repo, environment)
    events = [
        checked_event(e.id, e.sha, e.environment, e.time, e.status, service=service)
        for e in loaded.events
    ]
    if not events:
        raise UsageError(f"--from-tags: no tag matches {spec}: nothing to record")
    return spec, append_events(repo, events)
