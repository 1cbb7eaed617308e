"""Teams from outside the repository (README "Teams across repositories"): one shared file of
`[teams.NAME]` tables (a path or an https URL, fetched with the one HTTP client and cached), and
the teams of a GitHub organisation (members by login). Commits are matched to logins through
GitHub's noreply addresses and, for other addresses, one listing of the repository's commits,
a hundred per request: never a request per commit."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from deploycount.checks import Invalid, said, toml
from deploycount.config import FileConfig, TeamSources, file_config
from deploycount.errors import ConfigError, ExternalServiceError, UsageError
from deploycount.files import read_text_file
from deploycount.masking import safe_url
from deploycount.teams import Team, noreply_login
from deploycount.timeutil import iso_z

if TYPE_CHECKING:
    from deploycount.github_api import GitHub

CACHE_SECONDS = 3600.0  # a shared team file is fetched at most once an hour per machine
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_MAX_BYTES = 4 * 1024 * 1024
_COMMIT_PAGES = 20  # 2,000 commits at most when matching emails to logins

LoginResolver = Callable[[str, Collection[str], datetime], dict[str, str]]


@dataclass
class ExtraTeams:
    """The teams, how to match emails to logins, and warnings."""

    teams: list[Team] = field(default_factory=list)
    resolve_logins: LoginResolver | None = None
    warnings: list[str] = field(default_factory=list)


def _teams_from_toml(text: str, where: str) -> list[Team]:
    try:
        config = _team_file(toml(text))
    except Invalid as error:
        raise ConfigError(said(where, error)) from None
    return [
        Team(name, tuple(m.lower() for m in section.members), section.size)
        for name, section in config.teams.items()
    ]


def _team_file(data: dict[str, object]) -> FileConfig:
    extra = sorted(set(data) - {"teams"})
    if extra:
        raise Invalid(extra[0], "a team file holds only [teams.NAME] tables")
    config = file_config({"teams": data.get("teams", {})})
    if config.team_sources != TeamSources():
        raise Invalid("teams", "include and source go in the config, not a team file")
    return config


def _cache_file(url: str, environ: Mapping[str, str]) -> Path:
    base = Path(environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "deploycount" / f"teams-{hashlib.sha256(url.encode()).hexdigest()[:16]}.toml"


def _fetch(url: str, environ: Mapping[str, str], warnings: list[str]) -> str:
    parts = urlsplit(url)
    if parts.scheme != "https" and not (
        parts.scheme == "http" and (parts.hostname or "") in _LOOPBACK
    ):
        raise ConfigError(f"teams.include {safe_url(url)}: use an https URL or a file path")
    cache = _cache_file(url, environ)
    if cache.is_file() and time.time() - cache.stat().st_mtime < CACHE_SECONDS:
        return cache.read_text("utf-8")
    from deploycount.http import HttpClient, RetryPolicy, TooLarge  # noqa: PLC0415 - on use only

    client = HttpClient(RetryPolicy(read_timeout=30, max_retry_seconds=30))
    try:
        answer = client.request("GET", url, what=f"team file {safe_url(url)}", max_bytes=_MAX_BYTES)
    except TooLarge:
        raise ConfigError(f"team file {safe_url(url)} is larger than 4 MiB") from None
    except ExternalServiceError as error:
        if cache.is_file():
            warnings.append(f"{error}: using the copy fetched {_age(cache)} ago")
            return cache.read_text("utf-8")
        raise
    if len(answer.content) > _MAX_BYTES:
        raise ConfigError(f"team file {safe_url(url)} is larger than 4 MiB")
    try:
        text = answer.content.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"team file {safe_url(url)} is not UTF-8 text") from None
    _teams_from_toml(text, safe_url(url))  # never cache what does not parse
    cache.parent.mkdir(parents=True, exist_ok=True)
    scratch = cache.with_suffix(f".{os.getpid()}.tmp")
    scratch.write_text(text, "utf-8")
    scratch.replace(cache)
    return text


def _age(path: Path) -> str:
    hours = (time.time() - path.stat().st_mtime) / 3600
    return f"{hours:.0f} h" if hours >= 1 else "less than an hour"


def included_teams(
    include: str, config_dir: Path | None, environ: Mapping[str, str], warnings: list[str]
) -> list[Team]:
    """The teams of the shared file: a path (relative to the config file) or a URL."""
    if "://" in include:
        return _teams_from_toml(_fetch(include, environ, warnings), safe_url(include))
    path = Path(include)
    if not path.is_absolute() and config_dir is not None:
        path = config_dir / path
    text = read_text_file(path, label=f"teams.include {include} ({path})", limit=_MAX_BYTES)
    return _teams_from_toml(text, str(path))


def _github(environ: Mapping[str, str], repository: str) -> GitHub:
    from deploycount.github_api import DEFAULT_API_URL, GitHub  # noqa: PLC0415

    token = environ.get("GITHUB_TOKEN") or None
    if token is None:
        raise UsageError(
            "teams.source = github:ORG needs GITHUB_TOKEN (a token that may read the "
            "organisation's teams: members: read)"
        )
    return GitHub(repository, token, api_url=environ.get("GITHUB_API_URL") or DEFAULT_API_URL)


def github_teams(org: str, only: Collection[str], environ: Mapping[str, str]) -> list[Team]:
    """The organisation's teams (slugs), members as `@login`; `only` keeps those slugs."""
    github = _github(environ, f"{org}/-")
    wanted = {slug.lower() for slug in only}
    teams = []
    for item in github.paginate(f"/orgs/{org}/teams"):
        slug = str(item.get("slug") or "")
        if not slug or (wanted and slug.lower() not in wanted):
            continue
        logins = sorted(
            "@" + str(member.get("login")).lower()
            for member in github.paginate(f"/orgs/{org}/teams/{slug}/members")
            if member.get("login")
        )
        teams.append(Team(slug, tuple(logins)))
    missing = wanted - {t.name.lower() for t in teams}
    if missing:
        raise UsageError(
            f"teams.only names {', '.join(sorted(missing))}, not a team of github:{org} "
            "(team slugs, as in github.com/orgs/ORG/teams/SLUG)"
        )
    return teams


def login_resolver(environ: Mapping[str, str], warnings: list[str]) -> LoginResolver:
    """Emails -> logins for the addresses a noreply address does not reveal, from the list of
    the repository's commits since the oldest one asked about, a page of 100 at a time."""

    def resolve(repository: str, emails: Collection[str], since: datetime) -> dict[str, str]:
        wanted = {e.lower() for e in emails if noreply_login(e) is None}
        if not wanted:
            return {}
        if not environ.get("GITHUB_TOKEN"):
            warnings.append(
                f"{len(wanted)} email(s) are not GitHub noreply addresses and GITHUB_TOKEN is not "
                "set: their commits could not be matched to GitHub teams (unassigned)"
            )
            return {}
        github = _github(environ, repository)
        found: dict[str, str] = {}
        for item in github.paginate(
            github.repo_path("/commits"), {"since": iso_z(since)}, pages=_COMMIT_PAGES
        ):
            email = str(((item.get("commit") or {}).get("author") or {}).get("email") or "")
            login = (item.get("author") or {}).get("login")
            if email.lower() in wanted and isinstance(login, str):
                found[email.lower()] = login.lower()
                if len(found) == len(wanted):
                    break
        if len(found) < len(wanted):
            warnings.append(
                f"{len(wanted) - len(found)} email(s) could not be matched to a GitHub login "
                "(not linked to an account, or older than the commits listed): unassigned"
            )
        return found

    return resolve


def all_teams(
    local: Sequence[Team], sources: TeamSources, config_dir: Path | None, environ: Mapping[str, str]
) -> ExtraTeams:
    """The config's own teams, then those of the shared file and of GitHub (a local team wins
    over one of the same name), and a login resolver when any team lists `@login` members."""
    extra = ExtraTeams(list(local))
    if sources.include is not None:
        extra.teams += included_teams(sources.include, config_dir, environ, extra.warnings)
    if sources.source is not None:
        extra.teams += github_teams(sources.source.removeprefix("github:"), sources.only, environ)
    elif sources.only:
        raise ConfigError("teams.only needs teams.source = github:ORG")
    first: dict[str, Team] = {}
    for team in extra.teams:
        first.setdefault(team.name, team)
    extra.teams = list(first.values())
    if any(team.by_login for team in extra.teams):
        extra.resolve_logins = login_resolver(environ, extra.warnings)
    return extra
