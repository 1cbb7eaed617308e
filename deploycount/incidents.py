"""An incidents file (`--incidents FILE`, `[outcomes] incidents`): the incident register a team
keeps, exported from PagerDuty, incident.io, Opsgenie or a spreadsheet, as a JSON array or
JSONL. Each incident:

    {"id": "INC-12", "started": "2026-10-03T09:00:00Z", "resolved": "2026-10-03T11:30:00Z",
     "environment": "production", "service": "api", "deploy": "v1.4.0", "sha": "1a2b3c4"}

`resolved` null or absent: still open. `deploy` (a deploy's id) or `sha` (the commit it
shipped) links it to the change that caused it; with neither it is a failure of no change.
Every incident is checked; the first that does not fit stops the report with its line (exit 2).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from deploycount.checks import Invalid, NotJson, json_lines, json_value, kind_of, said, text
from deploycount.errors import ExternalServiceError, UsageError
from deploycount.files import read_text_file
from deploycount.options import DEFAULT_ENVIRONMENT
from deploycount.outcomes import Incident

if TYPE_CHECKING:
    from deploycount.repository import Repository

_LIMIT = 64 * 1024 * 1024
_SHA = re.compile(r"[0-9a-fA-F]{7,64}")


def load_incidents(
    spec: str,
    repo: Repository,
    *,
    environment: str,
    now: datetime,
    since: datetime,
    environ: Mapping[str, str],
) -> tuple[list[Incident], list[str]]:
    """The incidents `spec` names (`github`, `github:LABEL`, or a file) and warnings about what
    could not be linked; the pull requests issues name are resolved to the commits that merged
    them here."""
    if spec != "github" and not spec.startswith("github:"):
        return read_incidents(Path(spec), root=repo.root, environment=environment, now=now), []
    from deploycount.github_api import GitHub  # noqa: PLC0415 - requests only when asked
    from deploycount.repository import NAMING_REMOTE, repository_name  # noqa: PLC0415

    label = spec.partition(":")[2] or "incident"
    github = GitHub.from_environment(
        environ, repository_name(repo, environ), repo.remote_url(NAMING_REMOTE)
    )
    found: list[tuple[Incident, int | None]] = []
    for issue in github.issues(label, since):
        if "pull_request" in issue:
            continue  # the issues endpoint lists pull requests too
        try:
            found.append(issue_incident(issue, now=now))
        except Invalid as error:
            raise ExternalServiceError(
                f"GitHub's answer for incident issues is not of GitHub's schema: {error}"
            ) from None
    merges = repo.pull_merges({pull for _, pull in found if pull is not None})
    incidents, warnings = [], []
    for read, pull in found:
        incident = read
        if pull is not None:
            if pull in merges:
                incident = replace(read, deploy=merges[pull])
            else:
                warnings.append(
                    f"incident {incident.id} names pull request #{pull}, which no commit here "
                    "merged: counted as a failure of no change"
                )
        incidents.append(incident)
    return incidents, warnings


def read_incidents(path: Path, *, root: Path, environment: str, now: datetime) -> list[Incident]:
    """The incidents of `environment` in the file (relative: to the working directory, else
    to the repository `root`)."""
    if not path.is_absolute() and not path.exists():
        path = root / path
    label = str(path)
    content = read_text_file(path, label=label, limit=_LIMIT)
    incidents = []
    for line, item in _items(content, label):
        try:
            incident = check_incident(item, now=now)
        except Invalid as error:
            raise UsageError(said(f"{label}:{line}", error)) from None
        if incident.environment == environment:
            incidents.append(incident)
    seen: dict[str, Incident] = {}
    for incident in incidents:
        if seen.setdefault(incident.id, incident) != incident:
            raise UsageError(f"{label}: incident {incident.id!r} is given twice, differently")
    return list(seen.values())


def _items(content: str, label: str) -> list[tuple[int, object]]:
    """(line, element) of a JSON array (line 1 for each: arrays are small) or of JSONL, each
    line numbered from the file's first."""
    text = content.removeprefix("\ufeff")
    try:
        if text.lstrip().startswith("["):
            items = json_value(text)  # JSON that starts with [ is an array
            return [(1, item) for item in items] if isinstance(items, list) else []
        return list(json_lines(text))
    except NotJson as error:
        where = f"{label}:{error.line}" if error.line else label
        raise UsageError(f"{where}: not valid JSON: {error.reason}") from None


def _time(value: object, field: str) -> datetime:
    if not isinstance(value, str):
        raise Invalid(field, f"must be an ISO 8601 time with its zone, not {kind_of(value)}")
    moment = None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        moment = moment.astimezone(UTC) if moment.tzinfo is not None else None
    except (ValueError, OverflowError):
        moment = None
    if moment is None:
        raise Invalid(field, f"{value[:40]!r} is not an ISO 8601 time with its zone (…Z or +02:00)")
    return moment


def check_incident(item: object, *, now: datetime) -> Incident:
    """One incident, or Invalid naming the first field that does not fit."""
    if not isinstance(item, Mapping):
        raise Invalid("incident", f"must be a JSON object, not {kind_of(item)}")
    ident = text(item.get("id"), "id")
    if len(ident) > 256:
        raise Invalid("id", "is longer than 256 characters")
    started = _time(item.get("started"), "started")
    if started > now:
        raise Invalid("started", f"{item['started']} is in the future")
    resolved = None
    if item.get("resolved") is not None:
        resolved = _time(item["resolved"], "resolved")
        if resolved < started:
            raise Invalid("resolved", "is before started")
        if resolved > now:
            raise Invalid("resolved", f"{item['resolved']} is in the future")
    fields = {}
    for name in ("environment", "service", "deploy", "sha"):
        value = item.get(name)
        if value is None:
            continue
        fields[name] = text(value, name)
        if len(fields[name]) > 256:
            raise Invalid(name, "is longer than 256 characters")
    if "sha" in fields and not _SHA.fullmatch(fields["sha"]):
        raise Invalid("sha", "must be 7 to 64 hexadecimal digits")
    return Incident(
        id=ident,
        started=started,
        resolved=resolved,
        service=fields.get("service", ""),
        deploy=fields.get("deploy") or fields.get("sha", "").lower(),
        environment=fields.get("environment", DEFAULT_ENVIRONMENT),
    )


# -- GitHub issues as incidents ------------------------------------------------------------------

# A line of an incident issue's body that names its cause: `root cause: 1a2b3c4`, `caused by:
# #123` (the pull request, resolved to the commit that merged it), `deploy: v1.4.0`. Each run of
# blanks and emphasis is matched by one repetition: a hostile body of 64 KiB costs linear time.
_CAUSE = re.compile(
    r"^[ \t>*_-]*(?:root[ -]cause|caused[ -]by|cause|pull[ -]request|sha|commit)"
    r"[ \t*_]*(?::[ \t*_]*)?(?:#(?P<pull>\d{1,9})|(?P<sha>[0-9a-fA-F]{7,64}))\b",
    re.IGNORECASE | re.MULTILINE,
)
_DEPLOY = re.compile(
    r"^[ \t>*_-]*deploy(?:ment)?[ \t*_]*:[ \t*_]*(?P<id>\S{1,256})", re.IGNORECASE | re.MULTILINE
)
_SERVICE = re.compile(
    r"^[ \t>*_-]*service[ \t*_]*:[ \t*_]*(?P<name>\S{1,256})", re.IGNORECASE | re.MULTILINE
)
_MAX_BODY = 65_536  # GitHub's own limit for an issue body


def issue_incident(issue: Mapping[str, object], *, now: datetime) -> tuple[Incident, int | None]:
    """An incident issue (REST form) as an incident, and the pull request it names as its cause
    (None: none); raises Invalid naming the field GitHub's answer got wrong."""
    number = issue.get("number")
    if not isinstance(number, int) or isinstance(number, bool):
        raise Invalid("number", f"must be a whole number, not {kind_of(number)}")
    started = _time(issue.get("created_at"), "created_at")
    closed = issue.get("closed_at") if issue.get("state") == "closed" else None
    resolved = _time(closed, "closed_at") if closed is not None else None
    if resolved is not None and resolved < started:
        raise Invalid("closed_at", "is before created_at")
    body = issue.get("body") or ""
    if not isinstance(body, str):
        raise Invalid("body", f"must be text, not {kind_of(body)}")
    body = body[:_MAX_BODY]
    labels = issue.get("labels") or []
    names = [
        (label.get("name") if isinstance(label, Mapping) else label)
        for label in (labels if isinstance(labels, list) else [])
    ]
    tagged = [n for n in names if isinstance(n, str) and n.startswith("service:")]
    service = tagged[0].split(":", 1)[1].strip() if tagged else ""
    if not service and (found := _SERVICE.search(body)):
        service = found["name"]
    deploy, pull = "", None
    if found := _DEPLOY.search(body):
        deploy = found["id"]
    elif found := _CAUSE.search(body):
        pull = int(found["pull"]) if found["pull"] else None
        deploy = (found["sha"] or "").lower()
    incident = Incident(
        id=f"#{number}", started=min(started, now), resolved=resolved, service=service[:256],
        deploy=deploy,
    )  # fmt: skip
    return incident, pull
