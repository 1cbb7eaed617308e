"""`deploycount comment`: one sticky comment per pull request, for release managers."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, cast
from urllib.parse import urlsplit

from deploycount import checks
from deploycount.attribution import Attributor
from deploycount.checks import Invalid
from deploycount.commands import open_repository
from deploycount.commands.report import one_report
from deploycount.config import ReportOptions, ReportSettings, resolve_report_settings
from deploycount.errors import ExternalServiceError, UsageError
from deploycount.files import read_text_file
from deploycount.github_api import GitHub
from deploycount.history.reading import read_commits
from deploycount.model import Report
from deploycount.pipeline import generate_report
from deploycount.render.comment import MARKER, PullCommit, Waiting, render_comment
from deploycount.repository import NAMING_REMOTE, Repository
from deploycount.services import PathOwners
from deploycount.timeutil import utc_now
from deploycount.window import last_deploy_day

_WAITING_SHOWN = 10


@dataclass(frozen=True)
class CommentOutcome:
    body: str
    action: str  # "created", "updated" or "summary only"
    warning: str | None = None


# The parts of a GitHub event the comment reads, with the type each must have (null is absent):
# an object's parts are named in a dict.
_REPO = {"full_name": str}
_EVENT_SHAPE: dict[str, Any] = {
    "number": int,
    "pull_request": {
        "number": int,
        "head": {"repo": _REPO},
        "base": {"ref": str, "sha": str, "repo": _REPO},
    },
    "repository": {"default_branch": str},
}
_MAX_EVENT_BYTES = 64 * 1024 * 1024  # GitHub caps a webhook payload at 25 MB


def event_payload(environ: Mapping[str, str]) -> dict[str, Any]:
    """The event the workflow runs on (`GITHUB_EVENT_PATH`), with the parts the comment reads
    checked: a file that cannot be read, or a part of the wrong type, is one line (a pull
    request read wrong would be a comment about something else)."""
    path = environ.get("GITHUB_EVENT_PATH")
    if not path:
        return {}
    label = f"GITHUB_EVENT_PATH {path}"
    text = read_text_file(path, label=label, limit=_MAX_EVENT_BYTES)
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise UsageError(f"{label}: not JSON ({str(error)[:80]})") from None
    try:
        _check_shape(payload, _EVENT_SHAPE, "")
    except Invalid as error:
        raise UsageError(checks.said(label, error)) from None
    return cast(dict[str, Any], payload)


def _check_shape(value: object, shape: dict[str, Any], where: str) -> None:
    if not isinstance(value, dict):
        raise Invalid(where or "the event", f"must be an object, not {checks.kind_of(value)}")
    for key, kind in shape.items():
        part = value.get(key)
        field = f"{where}.{key}" if where else key
        if part is None:
            continue
        if isinstance(kind, dict):
            _check_shape(part, kind, field)
        elif not isinstance(part, kind) or isinstance(part, bool):
            raise Invalid(field, f"must be {checks.kind_of(kind())}, not {checks.kind_of(part)}")


def _pull(payload: Mapping[str, Any], *keys: str) -> Any:
    """The part of the event's pull request at `keys` (None when any is absent); the event's
    shape was checked by `event_payload`."""
    value: Any = payload.get("pull_request")
    for key in keys:
        value = (value or {}).get(key)
    return value


def pull_number(flag: int | None, payload: Mapping[str, Any]) -> int | None:
    """`--pr`, else the pull request of the event, else None."""
    if flag is not None:
        return flag
    number = _pull(payload, "number")
    return cast(int | None, number if number is not None else payload.get("number"))


def is_fork(payload: Mapping[str, Any]) -> bool:
    head, base = _pull(payload, "head", "repo") or {}, _pull(payload, "base", "repo") or {}
    return bool(head) and bool(base) and head.get("full_name") != base.get("full_name")


def default_branch_ref(repo: Repository, payload: Mapping[str, Any]) -> tuple[str, str] | None:
    """(branch name, local ref) of the branch deploys come from: the event's default branch,
    else the repository's (`origin/HEAD`, `init.defaultBranch`, `main`, `master`); never HEAD,
    which on a pull request's checkout is the branch itself."""
    return _named_branch(repo, (payload.get("repository") or {}).get("default_branch"))


def base_branch_ref(repo: Repository, payload: Mapping[str, Any]) -> tuple[str, str] | None:
    """(branch name, local ref) a pull request's commits are counted from: its base branch
    (None when the event names one this clone does not have: another branch would count the
    wrong commits), else the default branch."""
    base = _pull(payload, "base", "ref")
    if base:
        return _branch_here(repo, base)
    return default_branch_ref(repo, payload)


def base_problem(repo: Repository, payload: Mapping[str, Any]) -> str | None:
    """Why the branch's own commits cannot be told from the rest, or None."""
    if base_branch_ref(repo, payload) is not None:
        return None
    base = _pull(payload, "base", "ref")
    if base:
        return (
            f"the pull request's base branch {base} is not in this clone: its own commits "
            "cannot be told from the rest; fetch it (actions/checkout with fetch-depth: 0)"
        )
    return NO_BASE


def _named_branch(repo: Repository, name: object) -> tuple[str, str] | None:
    if isinstance(name, str) and name:
        found = _branch_here(repo, name)
        if found is not None:
            return found
    return repo.default_branch()


def _branch_here(repo: Repository, name: str) -> tuple[str, str] | None:
    candidates = [f"refs/remotes/{NAMING_REMOTE}/{name}", f"refs/heads/{name}"]
    found = repo.resolve_refs(candidates)
    return next(((name, ref) for ref in candidates if found.get(ref)), None)


NO_BASE = (
    "no base branch found (no pull request base, no origin/HEAD, no main or master): the "
    "branch's own commits cannot be told from the rest; run git remote set-head origin --auto, "
    "or fetch the default branch"
)


def waiting_to_ship(repo: Repository, branch: str, ref: str, shipped: Sequence[str]) -> Waiting:
    """The commits of `ref` no deploy shipped: how many, and the newest few."""
    fields, chunks = repo.log_chunks([ref], shipped, max_count=_WAITING_SHOWN)
    newest = tuple((c.sha, c.subject) for c in read_commits(fields, chunks))
    return Waiting(branch, repo.count_commits([ref], shipped), newest)


@dataclass(frozen=True)
class _Listed:
    """A pull-request commit as listed (by GitHub or by git), before attribution."""

    sha: str
    parents: int
    first_parent: str | None
    message: str
    author: tuple[str, str]
    committer: tuple[str, str]


def _from_api(item: Mapping[str, Any]) -> _Listed:
    commit = item.get("commit") or {}
    author = commit.get("author") or {}
    committer = commit.get("committer") or {}
    parents = [str(p.get("sha") or "") for p in item.get("parents") or [] if isinstance(p, Mapping)]
    return _Listed(
        sha=str(item.get("sha") or ""),
        parents=len(parents),
        first_parent=parents[0] if parents else None,
        message=str(commit.get("message") or ""),
        author=(str(author.get("name") or ""), str(author.get("email") or "")),
        committer=(str(committer.get("name") or ""), str(committer.get("email") or "")),
    )


def local_pull_commits(repo: Repository, payload: Mapping[str, Any]) -> list[_Listed]:
    """The branch's own commits from git alone (for --dry-run without a token): HEAD minus the
    pull request's base, else minus the default branch."""
    base = str(_pull(payload, "base", "sha") or "")
    if not base:
        found = base_branch_ref(repo, payload)
        base = found[1] if found else ""
    resolved = repo.resolve_commits([base, "HEAD"]) if base else {}
    if not base or not resolved.get(base) or not resolved.get("HEAD"):
        return []
    fields, chunks = repo.log_chunks(["HEAD"], [str(resolved[base])])
    listed = [
        _Listed(
            commit.sha,
            commit.parents,
            commit.first_parent,
            commit.message,
            (commit.author.name, commit.author.email),
            (commit.committer.name, commit.committer.email),
        )
        for commit in read_commits(fields, chunks)
    ]
    listed.reverse()  # oldest first, as GitHub lists them
    return listed


def pull_commits(
    repo: Repository, listed: Sequence[_Listed], attributor: Attributor, settings: ReportSettings
) -> list[PullCommit]:
    """Attribute each commit; merges are marked, and so are empty commits where git has both
    trees (a commit not fetched here is taken as not empty)."""
    single = [c for c in listed if c.parents == 1 and c.first_parent]
    trees = (
        repo.trees({sha for c in single for sha in (c.sha, c.first_parent or "")}) if single else {}
    )
    rows = []
    for item in listed:
        attribution = attributor(item.message, *item.author, *item.committer)
        confidence = attribution.confidence()
        own = trees.get(item.sha)
        parent = trees.get(item.first_parent) if item.first_parent else None
        rows.append(
            PullCommit(
                sha=item.sha,
                subject=item.message.split("\n", 1)[0],
                ai=attribution.is_ai(settings.minimum),
                tools=attribution.tools(settings.minimum),
                confidence=confidence.label if confidence else None,
                merge=item.parents > 1,
                empty=item.parents == 1 and own is not None and own == parent,
            )
        )
    return rows


_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


def commit_url(environ: Mapping[str, str], repository: str) -> str | None:
    """Where commits are shown: GITHUB_SERVER_URL (GitHub Enterprise sets its own), else
    github.com; None when the repository is not an owner/name (no link beats a wrong one)."""
    server = (environ.get("GITHUB_SERVER_URL") or "https://github.com").rstrip("/")
    parts = urlsplit(server)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username:
        return None
    if not _REPOSITORY.match(repository):
        return None
    return f"{server}/{repository}/commit"


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


def touched_services(
    repo: Repository, settings: ReportSettings, shas: Sequence[str]
) -> list[str] | None:
    """The services whose paths the pull request's commits change, in config order (None:
    no [services]). Commits missing from the clone are left out."""
    if not settings.services:
        return None
    owners = PathOwners(settings.services)
    present = [sha for sha, full in repo.resolve_commits(shas).items() if full is not None]
    mask = 0
    for paths in repo.changed_paths(present).values():
        mask |= owners.of_paths(paths)
    return [name for bit, name in enumerate(owners.names) if mask >> bit & 1]


def _delivery_report(
    repo: Repository, settings: ReportSettings, report: Report, environ: Mapping[str, str]
) -> Report | None:
    """When the window held no deploy, the report of a window as long that ends with the last
    deploy, whose delivery the comment shows instead (saying so): a table of zeros tells a
    release manager nothing. None when the window held deploys, or none was ever made."""
    day = last_deploy_day(report.warnings) if not report.totals.deployments else None
    if day is None:
        return None
    until = day + timedelta(days=1)
    earlier = replace(settings, since=until - (settings.until - settings.since), until=until)
    return generate_report(repo, earlier, environ=environ)


def post_comment(
    directory: str,
    options: ReportOptions,
    *,
    pull: int | None,
    environ: Mapping[str, str],
    dry_run: bool = False,
) -> CommentOutcome:
    """Write the sticky comment; with `dry_run`, only render it (no token needed: without one,
    the branch's commits come from git)."""
    repo, config = open_repository(directory, options.config_path)
    settings = resolve_report_settings(options, config, now=utc_now())
    payload = event_payload(environ)
    number = pull_number(pull, payload)
    if number is None and not dry_run:
        raise UsageError("no pull request: pass --pr N (or run on a pull_request event)")
    shipped: list[str] = []
    report = one_report(repo, settings, config, options, environ=environ, shipped=shipped)
    delivery = _delivery_report(repo, settings, report, environ)
    attributor = Attributor(settings.markers, mentions=False)
    github = None
    if not dry_run or (environ.get("GITHUB_TOKEN") and number is not None):
        github = GitHub.from_environment(environ, report.repository, repo.remote_url(NAMING_REMOTE))
    if github is not None and number is not None:
        listed = [_from_api(item) for item in github.pull_commits(number)]
    else:
        listed = local_pull_commits(repo, payload)
    commits = pull_commits(repo, listed, attributor, settings)
    branch = default_branch_ref(repo, payload)
    waiting = waiting_to_ship(repo, branch[0], branch[1], shipped) if branch else None
    no_base = base_problem(repo, payload) if github is None else None
    touched = touched_services(repo, settings, [c.sha for c in commits])
    body = render_comment(
        report,
        None if no_base else commits,
        waiting,
        pull=number,
        commit_url=commit_url(environ, report.repository),
        touched=touched,
        earlier=delivery,
    )
    if dry_run or github is None or number is None:  # the last two only happen in a dry run
        return CommentOutcome(body, "dry run: nothing posted", no_base)
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
