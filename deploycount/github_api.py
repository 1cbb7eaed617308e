"""GitHub REST client: token auth, `Link` pagination, rate limits, and the few endpoints used."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from typing import Any

import requests

from deploycount.errors import ExternalServiceError, UsageError
from deploycount.http import HttpClient, RetryPolicy, retry_after_seconds
from deploycount.masking import register_secret

DEFAULT_API_URL = "https://api.github.com"
PER_PAGE = "100"
_MAX_PAGES = 100


def is_rate_limited(response: requests.Response) -> bool:
    """403/429 answers that mean "slow down" rather than "not allowed"."""
    if response.status_code not in (403, 429):
        return False
    if response.headers.get("x-ratelimit-remaining") == "0" or "Retry-After" in response.headers:
        return True
    return "rate limit" in response.text.lower()


def rate_limit_wait(response: requests.Response) -> float | None:
    """Retry-After, else the reset time when the quota is spent, else None (back off)."""
    after = retry_after_seconds(response)
    if after is not None:
        return after
    if response.headers.get("x-ratelimit-remaining") == "0":
        reset = response.headers.get("x-ratelimit-reset", "")
        if reset.isdigit():
            return max(0.0, int(reset) - time.time()) + 1.0
    return None


class GitHub:
    """The REST API of github.com or a GitHub Enterprise Server (`GITHUB_API_URL`)."""

    def __init__(
        self,
        repository: str,
        token: str | None,
        *,
        api_url: str = DEFAULT_API_URL,
        policy: RetryPolicy | None = None,
    ) -> None:
        if "/" not in repository:
            raise UsageError(
                f"GitHub repository {repository!r} is not owner/name: set GITHUB_REPOSITORY"
            )
        self.repository = repository
        self.api_url = api_url.rstrip("/")
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
        if token:
            register_secret(token)
            headers["Authorization"] = f"Bearer {token}"
        self.http = HttpClient(policy, headers=headers)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str], repository: str) -> GitHub:
        return cls(
            environ.get("GITHUB_REPOSITORY") or repository,
            environ.get("GITHUB_TOKEN") or None,
            api_url=environ.get("GITHUB_API_URL") or DEFAULT_API_URL,
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: Mapping[str, str] | None = None,
    ) -> requests.Response:
        url = path if path.startswith("http") else f"{self.api_url}{path}"
        data = None if json_body is None else json.dumps(json_body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else None
        return self.http.request(
            method, url, what="GitHub", data=data, headers=headers, params=params,
            accept=lambda response: not is_rate_limited(response), wait=rate_limit_wait,
        )  # fmt: skip

    def paginate(
        self, path: str, params: Mapping[str, str] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every item of a list endpoint, following `Link: <...>; rel="next"` (100 per page)."""
        url: str | None = f"{self.api_url}{path}"
        query: Mapping[str, str] | None = {**(params or {}), "per_page": PER_PAGE}
        for _ in range(_MAX_PAGES):
            if url is None:
                return
            response = self.request("GET", url, params=query)
            page = response.json()
            if not isinstance(page, list):
                raise ExternalServiceError(
                    f"GitHub answered {path} with something that is not a list"
                )
            yield from (item for item in page if isinstance(item, dict))
            url = response.links.get("next", {}).get("url")
            query = None  # the next link carries the query already

    # -- the endpoints deploycount uses ----------------------------------------------------------

    def repo_path(self, suffix: str) -> str:
        return f"/repos/{self.repository}{suffix}"

    def deployments(self, environment: str) -> Iterator[dict[str, Any]]:
        return self.paginate(self.repo_path("/deployments"), {"environment": environment})

    def deployment_statuses(self, deployment_id: int) -> list[dict[str, Any]]:
        return list(self.paginate(self.repo_path(f"/deployments/{deployment_id}/statuses")))

    def pull_commits(self, number: int) -> list[dict[str, Any]]:
        return list(self.paginate(self.repo_path(f"/pulls/{number}/commits")))

    def issue_comments(self, number: int) -> list[dict[str, Any]]:
        return list(self.paginate(self.repo_path(f"/issues/{number}/comments")))

    def create_comment(self, number: int, body: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request(
            "POST", self.repo_path(f"/issues/{number}/comments"), json_body={"body": body}
        ).json()
        return result

    def update_comment(self, comment_id: int, body: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request(
            "PATCH", self.repo_path(f"/issues/comments/{comment_id}"), json_body={"body": body}
        ).json()
        return result

    def token_login(self) -> str:
        """The account the token acts as. Actions' installation token cannot read /user: it
        acts as github-actions[bot]."""
        try:
            login = self.request("GET", "/user").json().get("login")
        except ExternalServiceError:
            return "github-actions[bot]"
        return str(login) if login else "github-actions[bot]"
