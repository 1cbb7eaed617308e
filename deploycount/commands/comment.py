"""`deploycount comment`: one sticky comment per pull request, for release managers."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploycount.attribution import Attributor
from deploycount.commands import open_repository
from deploycount.commands.report import generate_report
from deploycount.config import ReportOptions, ReportSettings, resolve_report_settings
from deploycount.errors import ExternalServiceError, UsageError
from deploycount.github_api import GitHub
from deploycount.history import NAMING_REMOTE, Repository
from deploycount.render.comment import MARKER, PullCommit, Waiting, render_comment
from deploycount.timeutil import utc_now

_WAITING_SHOWN = 10


@dataclass(frozen=True)
class CommentOutcome:
    body: str
    action: str  # "created", "updated" or "summary only"
    warning: str | None = None


def event_payload(environ: Mapping[str, str]) -> dict[str, Any]:
    path = environ.get("GITHUB_EVENT_PATH")
    if not path:
        return {}
    try:
        payload = json.loads(Path(path).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return payload if isinstance(payload, dict) else {}


def pull_number(flag: int | None, payload: Mapping[str, Any]) -> int:
    if flag is not None:
        return flag
    for candidate in (payload.get("pull_request", {}).get("number"), payload.get("number")):
        if isinstance(candidate, int):
            return candidate
    raise UsageError("no pull request: pass --pr N (or run on a pull_request event)")


def is_fork(payload: Mapping[str, Any]) -> bool:
    pull = payload.get("pull_request") or {}
    head = (pull.get("head") or {}).get("repo") or {}
    base = (pull.get("base") or {}).get("repo") or {}
    return bool(head) and bool(base) and head.get("full_name") != base.get("full_name")


def default_branch_ref(repo: Repository, payload: Mapping[str, Any]) -> tuple[str, str] | None:
    """(branch name, local ref) of the default branch, preferring the remote-tracking one."""
    branch = str((payload.get("repository") or {}).get("default_branch") or "")
    candidates = [f"origin/{branch}", branch] if branch else ["origin/HEAD", "HEAD"]
    resolved = repo.resolve_commits(candidates)
    for ref in candidates:
        if resolved.get(ref):
            return (branch or ref), ref
    return None


def waiting_to_ship(repo: Repository, branch: str, ref: str, shipped: Sequence[str]) -> Waiting:
    newest: list[tuple[str, str]] = []
    count = 0
    for raw in repo.log([ref], shipped):
        count += 1
        if len(newest) < _WAITING_SHOWN:
            newest.append((raw.sha, raw.message.split("\n", 1)[0]))
    return Waiting(branch, count, tuple(newest))


def pull_commits(
    github: GitHub, number: int, attributor: Attributor, settings: ReportSettings
) -> list[PullCommit]:
    rows = []
    for item in github.pull_commits(number):
        commit = item.get("commit") or {}
        author = commit.get("author") or {}
        committer = commit.get("committer") or {}
        message = str(commit.get("message") or "")
        attribution = attributor(
            message,
            str(author.get("name") or ""),
            str(author.get("email") or ""),
            str(committer.get("name") or ""),
            str(committer.get("email") or ""),
        )
        confidence = attribution.confidence()
        rows.append(
            PullCommit(
                sha=str(item.get("sha") or ""),
                subject=message.split("\n", 1)[0],
                ai=attribution.is_ai(settings.minimum),
                tools=attribution.tools(settings.minimum),
                confidence=confidence.label if confidence else None,
            )
        )
    return rows


COMMENT_AS_ENV = "DEPLOYCOUNT_COMMENT_AS"


@dataclass(frozen=True)
class StickyPlan:
    action: str  # "update", "create" or "summary"
    comment_id: int | None = None
    warning: str | None = None


def sticky_plan(
    comments: Sequence[Mapping[str, Any]], complete: bool, login: str | None, why_unknown: str
) -> StickyPlan:
    """Which comment to write. Only a marker comment by the token's own account is ever edited;
    when that account cannot be known, a new comment is created (the old one is never touched);
    when not every comment could be read, nothing is created that could duplicate one."""
    if login is None:
        return StickyPlan(
            "create",
            warning=f"could not tell which account the token acts as ({why_unknown}): created a "
            f"new comment instead of editing one that may be someone else's; set {COMMENT_AS_ENV} "
            "to the token's login to keep one sticky comment",
        )
    for comment in comments:
        user = comment.get("user")
        author = user.get("login") if isinstance(user, Mapping) else None
        if MARKER in str(comment.get("body") or "") and author == login:
            comment_id = comment.get("id")
            if isinstance(comment_id, int):
                return StickyPlan("update", comment_id)
    if not complete:
        return StickyPlan(
            "summary",
            warning="the pull request has more comments than deploycount reads, and its own "
            "comment was not among them: wrote the job summary instead of a second comment",
        )
    return StickyPlan("create")


def post_comment(
    directory: str,
    options: ReportOptions,
    *,
    pull: int | None,
    environ: Mapping[str, str],
) -> CommentOutcome:
    repo, config = open_repository(directory, options.config_path)
    settings = resolve_report_settings(options, config, now=utc_now())
    payload = event_payload(environ)
    number = pull_number(pull, payload)
    shipped: list[str] = []
    report = generate_report(repo, settings, environ=environ, shipped=shipped)
    github = GitHub.from_environment(environ, report.repository, repo.remote_url(NAMING_REMOTE))
    commits = pull_commits(github, number, Attributor(settings.markers, mentions=False), settings)
    branch = default_branch_ref(repo, payload)
    waiting = waiting_to_ship(repo, branch[0], branch[1], shipped) if branch else None
    body = render_comment(report, commits, waiting, pull=number)
    if is_fork(payload):
        return CommentOutcome(
            body,
            "summary only",
            "pull request from a fork: the token is read-only, "
            "so the summary is in the job summary only",
        )
    login, why_unknown = github.token_login(environ.get(COMMENT_AS_ENV) or None)
    comments, complete = github.issue_comments(number)
    plan = sticky_plan(comments, complete, login, why_unknown)
    try:
        if plan.action == "update" and plan.comment_id is not None:
            github.update_comment(plan.comment_id, body)
            return CommentOutcome(body, "updated", plan.warning)
        if plan.action == "create":
            github.create_comment(number, body)
            return CommentOutcome(body, "created", plan.warning)
        return CommentOutcome(body, "summary only", plan.warning)
    except ExternalServiceError as error:
        if error.status == 403:
            return CommentOutcome(
                body, "summary only", f"could not write the comment (read-only token?): {error}"
            )
        raise
