"""The providers' usage and cost APIs, read for a window: paginated, every answer capped and
retried like the GitHub source's, and an answer cut short is an error, never a smaller total.

Keys come from the environment (`ANTHROPIC_ADMIN_KEY`, `OPENAI_ADMIN_KEY`, `GITHUB_TOKEN`) and
never reach the output; `ANTHROPIC_BASE_URL`, `OPENAI_BASE_URL` and `GITHUB_API_URL` point
elsewhere (a proxy, a test server).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import requests
from pydantic_core import from_json

from deploycount.errors import ExternalServiceError, UsageError
from deploycount.http import HttpClient, TooLarge
from deploycount.masking import register_secret, register_url_secrets

_MAX_ANSWER = 32 * 1024 * 1024  # one page of a thousand records is well under 4 MiB
_MAX_REPORT = 256 * 1024 * 1024  # one day's Copilot report of every user of an enterprise
_MAX_PAGES = 1_000  # per request of a day or a window
_MAX_DAYS = 366

Records = Iterator[tuple[str, object]]


def fetch(
    kind: str,
    since: date,
    until: date,
    environ: Mapping[str, str],
    *,
    log: Callable[[str], None] | None = None,
) -> Records:
    """(where, record) of `kind`'s API for the days `since` to `until` (exclusive)."""
    days = (until - since).days
    if days > _MAX_DAYS:
        raise UsageError(
            f"--spend {kind} asks the API for {days} days: at most {_MAX_DAYS} per report "
            "(the providers keep a year); report a shorter window, or give an export file"
        )
    if kind == "claude-code":
        return _claude_code(_anthropic(environ, log), since, until)
    if kind == "anthropic-cost":
        return _anthropic_cost(_anthropic(environ, log), since, until)
    if kind == "openai-costs":
        return _openai_costs(environ, since, until, log)
    return _copilot(environ, since, until, log)


def _key(environ: Mapping[str, str], name: str, kind: str) -> str:
    key = environ.get(name) or ""
    if not key.strip():
        raise UsageError(f"--spend {kind} reads the provider's API: set {name} (an admin key)")
    register_secret(key)
    return key


def _base(environ: Mapping[str, str], name: str, default: str) -> str:
    url = (environ.get(name) or default).rstrip("/")
    register_url_secrets(url)
    return url


class _Api:
    """One provider's client: a base URL, headers with the key, and JSON pages read capped."""

    def __init__(self, what: str, base: str, headers: Mapping[str, str],
                 log: Callable[[str], None] | None) -> None:  # fmt: skip
        self.what, self.base = what, base
        self.http = HttpClient(headers=headers, log=log)

    def get(self, path: str, params: Mapping[str, str] | list[tuple[str, str]]) -> Any:
        try:
            response = self.http.request(
                "GET", f"{self.base}{path}", what=self.what, params=params,  # type: ignore[arg-type]
                max_bytes=_MAX_ANSWER,
            )  # fmt: skip
        except TooLarge:
            raise ExternalServiceError(
                f"{self.what} answered {path} with more than 32 MiB, far more than a page: refused"
            ) from None
        return _json(response, self.what, path)

    def pages(
        self, path: str, params: list[tuple[str, str]], *, cursor: str = "page"
    ) -> Iterator[Any]:
        """Every page of a list (`has_more`, `next_page`), at most _MAX_PAGES; a cursor that
        comes back, or more pages than that, is an error rather than part of the list."""
        seen: set[str] = set()
        query = list(params)
        for _ in range(_MAX_PAGES):
            page = self.get(path, query)
            if not isinstance(page, dict) or not isinstance(page.get("data"), list):
                raise ExternalServiceError(f"{self.what} answered {path} without a data list")
            yield page
            following = page.get("next_page")
            if not page.get("has_more"):
                return
            if not isinstance(following, str) or not following or following in seen:
                raise ExternalServiceError(
                    f"{self.what} said {path} has more pages but gave no new cursor: the answer "
                    "would be cut short; try again later"
                )
            seen.add(following)
            query = [*params, (cursor, following)]
        raise ExternalServiceError(
            f"{self.what} lists more than {_MAX_PAGES:,} pages at {path}: a part is not the "
            "whole; report a shorter window"
        )


def _json(response: requests.Response, what: str, path: str) -> Any:
    try:
        return response.json()
    except (ValueError, RecursionError):
        raise ExternalServiceError(
            f"{what} answered {path} with something that is not JSON"
        ) from None


def _anthropic(environ: Mapping[str, str], log: Callable[[str], None] | None) -> _Api:
    key = _key(environ, "ANTHROPIC_ADMIN_KEY", "claude-code / anthropic-cost")
    base = _base(environ, "ANTHROPIC_BASE_URL", "https://api.anthropic.com")
    return _Api("Anthropic", base, {"x-api-key": key, "anthropic-version": "2023-06-01"}, log)


def _days(since: date, until: date) -> Iterator[date]:
    day = since
    while day < until:
        yield day
        day += timedelta(days=1)


def _claude_code(api: _Api, since: date, until: date) -> Records:
    """One day per request (`starting_at`), a thousand records a page."""
    path = "/v1/organizations/usage_report/claude_code"
    for day in _days(since, until):
        query = [("starting_at", day.isoformat()), ("limit", "1000")]
        for number, page in enumerate(api.pages(path, query), start=1):
            for index, record in enumerate(page["data"], start=1):
                yield f"{day} page {number} record {index}", record


def _rfc3339(day: date) -> str:
    return datetime.combine(day, time(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _anthropic_cost(api: _Api, since: date, until: date) -> Records:
    """Day buckets of the window, by workspace and cost item."""
    path = "/v1/organizations/cost_report"
    query = [
        ("starting_at", _rfc3339(since)), ("ending_at", _rfc3339(until)),
        ("bucket_width", "1d"), ("group_by[]", "workspace_id"), ("group_by[]", "description"),
        ("limit", "31"),
    ]  # fmt: skip
    for number, page in enumerate(api.pages(path, query), start=1):
        for index, bucket in enumerate(page["data"], start=1):
            yield f"page {number} bucket {index}", bucket


def _openai_costs(environ: Mapping[str, str], since: date, until: date,
                  log: Callable[[str], None] | None) -> Records:  # fmt: skip
    key = _key(environ, "OPENAI_ADMIN_KEY", "openai-costs")
    base = _base(environ, "OPENAI_BASE_URL", "https://api.openai.com")
    api = _Api("OpenAI", base, {"Authorization": f"Bearer {key}"}, log)
    start = int(datetime.combine(since, time(), UTC).timestamp())
    end = int(datetime.combine(until, time(), UTC).timestamp())
    query = [
        ("start_time", str(start)), ("end_time", str(end)), ("bucket_width", "1d"),
        ("group_by[]", "project_id"), ("group_by[]", "line_item"), ("limit", "180"),
    ]  # fmt: skip
    for number, page in enumerate(api.pages("/v1/organization/costs", query), start=1):
        for index, bucket in enumerate(page["data"], start=1):
            yield f"page {number} bucket {index}", bucket


def _copilot(environ: Mapping[str, str], since: date, until: date,
             log: Callable[[str], None] | None) -> Records:  # fmt: skip
    """Each day's per-user report: the API gives signed download links (on another host: the
    token is not sent there) to NDJSON files of one record per user."""
    token = _key(environ, "GITHUB_TOKEN", "copilot")
    org = (
        environ.get("DEPLOYCOUNT_COPILOT_ORG") or environ.get("GITHUB_REPOSITORY", "").split("/")[0]
    )
    if not org:
        raise UsageError("--spend copilot: set DEPLOYCOUNT_COPILOT_ORG (the organisation)")
    base = _base(environ, "GITHUB_API_URL", "https://api.github.com")
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json",
               "X-GitHub-Api-Version": "2022-11-28"}  # fmt: skip
    api = _Api("GitHub", base, headers, log)
    download = HttpClient(log=log)
    path = f"/orgs/{org}/copilot/metrics/reports/users-1-day"
    for day in _days(since, until):
        answer = api.get(path, {"day": day.isoformat()})
        links = answer.get("download_links") if isinstance(answer, dict) else None
        if not isinstance(links, list) or not all(isinstance(link, str) for link in links):
            raise ExternalServiceError(f"GitHub answered {path} for {day} without download links")
        for link in links:
            try:
                response = download.request("GET", link, what="GitHub's report storage",
                                            max_bytes=_MAX_REPORT)  # fmt: skip
            except TooLarge:
                raise ExternalServiceError(
                    f"the Copilot report of {day} is larger than 256 MiB: refused"
                ) from None
            # NDJSON: records end at a newline, and only there (a record's text may hold U+2028)
            for number, line in enumerate(response.content.split(b"\n"), start=1):
                if line.strip():
                    try:
                        record = from_json(line)
                    except ValueError:  # pydantic's parser: not JSON, or nested past 200 levels
                        raise ExternalServiceError(
                            f"the Copilot report of {day}, line {number}, is not JSON"
                        ) from None
                    yield f"{day} line {number}", record
