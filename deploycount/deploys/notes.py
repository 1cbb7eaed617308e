"""`notes`: the deploy ledger in git notes under `refs/notes/deploycount`, read and written.

Each note, attached to the deployed commit, holds one JSON event per line. Lines are merged as a
union by id, so two deploy jobs that write at once lose nothing. A line deploycount cannot read is
a warning naming its commit; every other event is still used.

Writing (`record_deploy`, `push_ledger`): two deploy jobs that push at once conflict only at the
ref; the loser fetches the remote ledger, merges it with git's `cat_sort_uniq` notes strategy (the
union of the lines of both sides, each line once) and pushes again, with backoff, a bounded number
of times.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from deploycount.checks import Invalid, NotJson, json_value, said
from deploycount.deploys.base import DeployEvent, LoadedEvents
from deploycount.errors import ExternalServiceError, UsageError
from deploycount.options import DEFAULT_PUSH_ATTEMPTS, DEFAULT_PUSH_SECONDS, DEFAULT_REMOTE
from deploycount.repository import NETWORK_TIMEOUT
from deploycount.timeutil import iso_z

if TYPE_CHECKING:
    from deploycount.deploys.records import EventRecord
    from deploycount.repository import Repository

NOTES_REF = "refs/notes/deploycount"


@dataclass(frozen=True)
class LedgerLine:
    """One line of a note: the event it holds, or why it could not be read."""

    commit: str
    text: str
    record: EventRecord | None
    problem: Invalid | None


def parse_note(commit: str, text: str) -> list[LedgerLine]:
    from deploycount.deploys.records import check_event  # noqa: PLC0415 - pydantic loads with the first event

    lines = []
    for raw in text.split("\n"):
        if not raw.strip():
            continue
        try:
            item = json_value(raw)
        except NotJson as error:
            lines.append(LedgerLine(commit, raw, None, Invalid("JSON", error.reason)))
            continue
        if not isinstance(item, dict):
            lines.append(LedgerLine(commit, raw, None, Invalid("event", "not a JSON object")))
            continue
        try:
            record = check_event(item)
        except Invalid as error:
            lines.append(LedgerLine(commit, raw, None, error))
            continue
        lines.append(LedgerLine(commit, raw, record, None))
    return lines


def read_ledger(repo: Repository, ref: str = NOTES_REF) -> list[LedgerLine]:
    """Every line of every note in the ledger, read through two git processes."""
    return [line for commit, text in repo.notes(ref) for line in parse_note(commit, text)]


def sync_ledger(repo: Repository, remote: str) -> str | None:
    """Bring the remote's ledger into the local one (a fresh clone has no notes). Returns a
    warning when the fetch failed; a remote without a ledger is not a problem."""
    if not repo.has_remote(remote):
        return None
    reason = merge_remote_ledger(repo, remote, deadline=time.monotonic() + NETWORK_TIMEOUT)
    if reason is None:
        return None
    return f"could not fetch the deploy ledger from {remote} ({reason}): using the local ledger"


@dataclass
class NotesSource:
    """The ledger, first brought up to date from `remote` (once per report)."""

    remote: str = DEFAULT_REMOTE
    spec: str = "notes"
    warnings: list[str] = field(default_factory=list)
    _lines: list[LedgerLine] | None = None

    def lines(self, repo: Repository) -> list[LedgerLine]:
        if self._lines is None:
            warning = sync_ledger(repo, self.remote)
            if warning:
                self.warnings.append(warning)
            self._lines = read_ledger(repo)
        return self._lines

    def has_events(self, repo: Repository, environment: str) -> bool:
        """Whether the ledger holds at least one readable event of `environment`."""
        return any(
            line.record is not None and line.record.environment == environment
            for line in self.lines(repo)
        )

    def load(self, repo: Repository, environment: str) -> LoadedEvents:
        loaded = LoadedEvents([], list(self.warnings))
        by_key: dict[tuple[str, str], list[DeployEvent]] = {}  # (id, service): one deploy
        for line in self.lines(repo):
            if line.record is None:
                assert line.problem is not None  # a line is read or has its problem
                where = f"deploy ledger note on {line.commit[:12]}"
                loaded.warnings.append(f"{said(where, line.problem)}: skipped")
                continue
            event = line.record.to_event()
            if event.environment == environment:
                by_key.setdefault((event.id, event.service), []).append(event)
        for events in by_key.values():
            kept, conflict = resolve_conflict(events)
            loaded.events.append(kept)
            if conflict:
                loaded.warnings.append(conflict)
        return loaded


def resolve_conflict(events: Sequence[DeployEvent]) -> tuple[DeployEvent, str | None]:
    """The one deploy a key (id, environment, service) stands for, and what to say when the
    ledger holds two different ones under it (two clones that recorded the same --id, their
    ledgers then merged): the latest counts, whatever the notes' order, and the report says
    which and how to mend it. The same event twice is no conflict."""
    distinct = sorted(set(events), key=lambda e: (e.time, e.status, e.sha))
    kept = distinct[-1]
    if len(distinct) == 1:
        return kept, None
    shown = "; ".join(f"{e.status} of {e.sha[:12]} at {iso_z(e.time)}" for e in distinct[:3])
    service = f" of service {kept.service}" if kept.service else ""
    return kept, (
        f"deploy id {kept.id!r}{service} is recorded {len(distinct)} ways in the ledger "
        f"({shown}): two clones recorded the same --id; this report counts the latest "
        f"({kept.status} at {iso_z(kept.time)}); mend the ledger with git notes "
        "--ref=refs/notes/deploycount edit, or record each deploy under its own --id"
    )


# -- writing the ledger ------------------------------------------------------------------------
#
# Every change is compare-and-swap on refs/notes/deploycount: the change is made on a scratch copy
# of the ledger ref, and the ledger moves to the result only if nobody moved it meanwhile (`git
# update-ref REF NEW OLD`); otherwise it is made again on the new state. Two `record`s in one
# clone, or a `record` and a report merging the remote's ledger, never overwrite each other.

_FIRST_DELAY = 0.25
_MAX_DELAY = 4.0
_SWAP_ATTEMPTS = 200
T = TypeVar("T")


@dataclass(frozen=True)
class RecordResult:
    event: DeployEvent
    added: bool
    line: str


def event_line(event: DeployEvent) -> str:
    """The ledger form of an event: one compact JSON object, fields in a fixed order."""
    return json.dumps(
        {
            "id": event.id,
            "sha": event.sha,
            "environment": event.environment,
            "time": iso_z(event.time),
            "status": event.status,
            **({"service": event.service} if event.service else {}),
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )


def _scratch_ref(purpose: str) -> str:
    return f"refs/notes/deploycount-scratch/{purpose}-{os.getpid()}-{secrets.token_hex(6)}"


def change_ledger(
    repo: Repository,
    change: Callable[[str], tuple[T, bool]],
    *,
    rng: random.Random | None = None,
) -> T:
    """Apply `change` to the ledger atomically. `change(scratch)` edits the notes ref `scratch`
    (a copy of the ledger) and returns (its result, whether it changed anything)."""
    jitter = rng or random.Random()
    for attempt in range(_SWAP_ATTEMPTS):
        old = repo.ref_value(NOTES_REF)
        scratch = _scratch_ref("change")
        try:
            if old is not None:
                repo.swap_ref(scratch, old, None)
            result, changed = change(scratch)
            new = repo.ref_value(scratch)
            if not changed or new is None or new == old:
                return result
            if repo.swap_ref(NOTES_REF, new, old):
                return result
        finally:
            repo.delete_ref(scratch)
        time.sleep(min(0.2, 0.005 * (attempt + 1)) * jitter.random())
    raise ExternalServiceError(
        "the deploy ledger kept changing under this process (other writers?): try again"
    )


def default_event_id(environ: Mapping[str, str] | None, sha: str, moment: datetime) -> str:
    """Inside GitHub Actions `RUN_ID-RUN_ATTEMPT-JOB-<sha12>` (one run may deploy several shas,
    from several jobs), else `<sha12>-<time>`."""
    env = environ or {}
    if env.get("GITHUB_RUN_ID"):
        parts = [env["GITHUB_RUN_ID"], env.get("GITHUB_RUN_ATTEMPT") or "1"]
        if env.get("GITHUB_JOB"):
            parts.append(env["GITHUB_JOB"])
        return "-".join([*parts, sha[:12]])
    return f"{sha[:12]}-{moment.strftime('%Y%m%dT%H%M%SZ')}"


FUTURE_TOLERANCE = timedelta(minutes=1)  # clocks of CI runners drift a little
PAST_TOLERANCE = timedelta(hours=1)  # a deploy cannot finish long before its commit exists


def check_deploy_time(moment: datetime, committed_at: datetime, now: datetime) -> str | None:
    """Why `moment` cannot be when a deploy of a commit made at `committed_at` finished."""
    if moment > now + FUTURE_TOLERANCE:
        return f"--time {iso_z(moment)} is in the future (now is {iso_z(now)})"
    if moment < committed_at - PAST_TOLERANCE:
        return (
            f"--time {iso_z(moment)} is before the commit was made ({iso_z(committed_at)}): "
            "a deploy cannot ship a commit that did not exist yet"
        )
    return None


def record_deploy(
    repo: Repository,
    *,
    commitish: str,
    environment: str,
    status: str,
    moment: datetime,
    event_id: str | None,
    now: datetime,
    force: bool = False,
    environ: Mapping[str, str] | None = None,
    service: str = "",
) -> RecordResult:
    """Append one event to the note of the deployed commit. The same event again (same id and
    environment, same sha and status) changes nothing; an id already used for another sha or
    status is an error, so a retried deploy's outcome is never silently dropped."""
    sha = repo.resolve_commits([commitish]).get(commitish)
    if sha is None:
        raise UsageError(f"{commitish!r} is not a commit in this repository: give the deployed sha")
    if not force:
        committed = repo.commit_times([sha]).get(sha)
        problem = check_deploy_time(moment, committed, now) if committed is not None else None
        if problem:
            raise UsageError(f"{problem}; pass --force to record it anyway")
    identifier = event_id if event_id is not None else default_event_id(environ, sha, moment)
    event = checked_event(identifier, sha, environment, moment, status, service=service)
    [result] = append_events(repo, [event])
    return result


def checked_event(
    identifier: str,
    sha: str,
    environment: str,
    moment: datetime,
    status: str,
    *,
    service: str = "",
) -> DeployEvent:
    """The event, checked with the reader's own model: a line every report would skip is never
    written."""
    from deploycount.deploys.records import check_event  # noqa: PLC0415 - pydantic loads with the first event

    try:
        record = check_event(
            {"id": identifier, "sha": sha, "environment": environment,
             "time": moment, "status": status, "service": service}
        )  # fmt: skip
    except Invalid as error:
        raise UsageError(f"cannot record this deploy: {error}") from None
    if (record.id, record.environment, record.service) != (identifier, environment, service) or (
        "\n" in identifier + service
    ):
        raise UsageError(
            "--id, --env and --service must be single lines without surrounding blanks"
        )
    return record.to_event()


def append_events(repo: Repository, events: Sequence[DeployEvent]) -> list[RecordResult]:
    """Append events to the notes of their commits, in one change of the ledger. An event
    already there (same id and environment, same sha and status) changes nothing; an id already
    used for another sha or status is an error, so a retried deploy's outcome is never silently
    dropped."""

    def append(scratch: str) -> tuple[list[RecordResult], bool]:
        # (id, environment, service) -> the event already recorded under it, and its line
        known = {
            (line.record.id, line.record.environment, line.record.service): (
                line.record.to_event(),
                line.text,
            )
            for line in read_ledger(repo, scratch)
            if line.record is not None
        }
        results: list[RecordResult] = []
        new_lines: dict[str, list[str]] = {}
        for event in events:
            key = (event.id, event.environment, event.service)
            if key not in known:
                line = event_line(event)
                new_lines.setdefault(event.sha, []).append(line)
                results.append(RecordResult(event, added=True, line=line))
                known[key] = (event, line)
                continue
            other, text = known[key]
            if other.sha == event.sha and other.status == event.status:
                results.append(RecordResult(other, added=False, line=text))
                continue
            raise UsageError(
                f"event id {event.id!r} already records a {other.status} deploy of "
                f"{other.sha[:12]} to {event.environment}"
                + (f" of service {event.service}" if event.service else "")
                + f" at {iso_z(other.time)}: give this "
                "deploy another --id (the same sha and status again would change nothing)"
            )
        if new_lines:
            # Keep every byte already there: the note may hold other writers' lines.
            before = dict(repo.note_data(scratch))
            notes = {}
            for sha, lines in new_lines.items():
                existing = before.get(sha, b"").rstrip(b"\n")
                data = "\n".join(lines).encode() + b"\n"
                notes[sha] = existing + b"\n" + data if existing else data
            repo.set_notes(scratch, notes, f"deploycount: {len(events)} deploy event(s)")
        return results, bool(new_lines)

    return change_ledger(repo, append)


def merge_remote_ledger(repo: Repository, remote: str, *, deadline: float) -> str | None:
    """Fetch the remote's ledger and merge it into the local one (a union of lines), by
    compare-and-swap. None when done or when the remote has no ledger; else why it failed."""
    incoming = _scratch_ref("incoming")
    try:
        fetched, reason = repo.fetch_ref(
            remote, NOTES_REF, incoming, timeout=max(0.1, deadline - time.monotonic())
        )
        if not fetched:
            return None if reason == "missing" else reason

        def merge(scratch: str) -> tuple[None, bool]:
            repo.merge_notes(incoming, scratch)
            return None, True

        change_ledger(repo, merge)
        return None
    finally:
        repo.delete_ref(incoming)


def push_ledger(
    repo: Repository,
    remote: str,
    *,
    attempts: int = DEFAULT_PUSH_ATTEMPTS,
    seconds: float = DEFAULT_PUSH_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
    recorded: Sequence[DeployEvent] = (),
) -> int:
    """Push the ledger; on rejection merge the remote's and try again, at most `attempts` times
    and `seconds` in all (each git call is bounded by what is left). Returns the attempts used.

    Raises ExternalServiceError when the remote keeps refusing or does not answer; the local
    ledger then still holds every event (ours and the remote's merged so far). Raises
    UsageError, and pushes nothing, when the remote's ledger records another deploy under the
    key of one of `recorded` (the events this run recorded)."""
    check_remote(repo, remote)
    if not repo.ref_exists(NOTES_REF):
        return 0
    jitter = rng or random.Random()
    deadline = time.monotonic() + seconds
    reason = ""
    attempt = 0
    for attempt in range(1, attempts + 1):
        if attempt > 1:
            # Back off *before* fetching: the merge must be as fresh as possible when we push.
            delay = min(_MAX_DELAY, _FIRST_DELAY * 2 ** (attempt - 2)) * (0.5 + jitter.random())
            if time.monotonic() + delay >= deadline:
                break
            sleep(delay)
            fetch_reason = merge_remote_ledger(repo, remote, deadline=deadline)
            if fetch_reason is not None:
                reason = f"{reason}; fetch failed too: {fetch_reason}"
            refuse_conflicts(repo, recorded)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        pushed, reason = repo.push_ref(remote, NOTES_REF, timeout=remaining)
        if pushed:
            return attempt
    raise ExternalServiceError(
        f"could not push the deploy ledger to {remote} ({attempt} attempt(s) in "
        f"{seconds:g}s at most: {reason}); every event is kept in the local ledger: push it "
        f"with `deploycount record --push-only` (recording again with the same --id changes "
        "nothing)"
    )


def refuse_conflicts(repo: Repository, recorded: Sequence[DeployEvent]) -> None:
    """A one-line refusal when the ledger (merged with another clone's) holds a deploy other
    than one of `recorded` under its key: never resolved silently, never pushed."""
    keys = {(e.id, e.environment, e.service) for e in recorded}
    if not keys:
        return
    found: dict[tuple[str, str, str], list[DeployEvent]] = {}
    for line in read_ledger(repo):
        if line.record is not None:
            event = line.record.to_event()
            key = (event.id, event.environment, event.service)
            if key in keys:
                found.setdefault(key, []).append(event)
    for events in found.values():
        _, conflict = resolve_conflict(events)
        if conflict is not None:
            raise UsageError(
                f"{conflict.split(': two clones', 1)[0]}: another clone recorded the same "
                "--id first; not pushed: record this deploy under its own --id"
            )


def check_remote(repo: Repository, remote: str) -> None:
    if not repo.has_remote(remote):
        raise UsageError(f"no git remote named {remote!r}: pass --remote NAME (or add it)")
