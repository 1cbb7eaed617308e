"""GitHub REST client: token auth, `Link` pagination, rate limits, and the few endpoints used."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from deploycount import checks
from deploycount.checks import Invalid
from deploycount.errors import ExternalServiceError, UsageError
from deploycount.http import HttpClient, RetryPolicy, TooLarge, retry_after_seconds
from deploycount.masking import register_secret, register_url_secrets

DEFAULT_API_URL = "https://api.github.com"
PER_PAGE = "100"
_MAX_PAGES = 100
# An answer of 100 deployments with 100 statuses each is well under 4 MiB; a larger one is not
# GitHub's, and is refused as it arrives (memory stays bounded, as for team files).
MAX_ANSWER_BYTES = 32 * 1024 * 1024
_COMMENT_PAGES = 500  # 50,000 comments: past that, the sticky comment is not searched further


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
        reset = checks.digits(response.headers.get("x-ratelimit-reset", ""))
        if reset is not None:
            return max(0.0, reset - time.time()) + 1.0
    return None


def _url_host(url: str) -> str:
    """The host of an https://, ssh:// or scp-like (`git@host:owner/name`) remote URL."""
    if "://" in url:
        try:
            return (urlsplit(url).hostname or "").lower()
        except ValueError:
            return ""
    if "@" in url and ":" in url:
        return url.split("@", 1)[1].split(":", 1)[0].lower()
    return ""


def answer_json(response: requests.Response, path: str) -> Any:
    """The JSON of a GitHub answer; an HTML page or broken JSON is one clear error."""
    try:
        return response.json()
    except (ValueError, RecursionError):
        kind = response.headers.get("Content-Type", "").split(";")[0] or "no content type"
        raise ExternalServiceError(
            f"GitHub answered {path} with something that is not JSON ({kind}): is "
            "GITHUB_API_URL the API's address (https://api.github.com, or https://HOST/api/v3 "
            "for GitHub Enterprise Server)?"
        ) from None


_DEPLOYMENTS_QUERY = """
query($owner: String!, $name: String!, $environment: String!, $after: String) {
  repository(owner: $owner, name: $name) {
    deployments(environments: [$environment], first: 100, after: $after,
                orderBy: {field: CREATED_AT, direction: DESC}) {
      pageInfo { hasNextPage endCursor }
      nodes {
        databaseId
        commitOid
        environment
        payload
        createdAt
        statuses(first: 100) { nodes { state createdAt } }
      }
    }
  }
}
"""


def _rest_form(node: Mapping[str, Any], where: str) -> dict[str, Any]:
    """A GraphQL deployment node in the REST API's field names (states lower-cased); a node
    that is not of GitHub's schema is an error naming its field (`where`)."""
    statuses_field = node.get("statuses") or {}
    if not isinstance(statuses_field, dict) or not isinstance(statuses_field.get("nodes") or [],
                                                               list):  # fmt: skip
        raise Invalid(f"{where}.statuses", "must be an object with a list of nodes")
    statuses = statuses_field.get("nodes") or []
    for number, status in enumerate(statuses):
        if not isinstance(status, dict):
            raise Invalid(f"{where}.statuses.nodes.{number}", "must be an object")
        checks.utc_time(status.get("createdAt"), f"{where}.statuses.nodes.{number}.createdAt")
    if node.get("createdAt") is not None:
        checks.utc_time(node["createdAt"], f"{where}.createdAt")
    return {
        "id": node.get("databaseId"),
        "sha": node.get("commitOid"),
        "environment": node.get("environment"),
        "payload": node.get("payload"),
        "created_at": node.get("createdAt"),
        "statuses": [
            {"state": str(s.get("state") or "").lower(), "created_at": s.get("createdAt")}
            for s in statuses
            if isinstance(s, dict)
        ],
    }


class GitHub:
    """The REST and GraphQL APIs of github.com or a GitHub Enterprise Server
    (`GITHUB_API_URL`)."""

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
        self.truncated = False
        self.comment_pages = _COMMENT_PAGES

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str], repository: str, origin_url: str | None = None
    ) -> GitHub:
        """The client for `GITHUB_REPOSITORY`, else for the repository `origin` names when it is
        on GitHub (or the server of `GITHUB_SERVER_URL`/`GITHUB_API_URL`): never a guess made
        from a local path. `GITHUB_TOKEN` is required."""
        api_url = environ.get("GITHUB_API_URL") or DEFAULT_API_URL
        register_url_secrets(api_url)
        token = environ.get("GITHUB_TOKEN") or None
        if token is None:
            raise UsageError(
                "GITHUB_TOKEN is not set: the GitHub API needs a token (in a workflow: env: "
                "GITHUB_TOKEN: ${{ github.token }}, with deployments: read or "
                "pull-requests: write as the command needs)"
            )
        named = environ.get("GITHUB_REPOSITORY")
        if not named:
            hosts = {"github.com"} | {
                (urlsplit(environ.get(key) or "").hostname or "").lower()
                for key in ("GITHUB_SERVER_URL", "GITHUB_API_URL")
            }
            origin_host = _url_host(origin_url or "")
            if origin_host not in hosts - {""}:
                raise UsageError(
                    "GITHUB_REPOSITORY is not set and the origin remote is not on GitHub: set "
                    "GITHUB_REPOSITORY=owner/name"
                )
            named = repository
        return cls(named, token, api_url=api_url)

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: Mapping[str, str] | None = None,
        retry_seconds: float | None = None,
    ) -> requests.Response:
        url = path if path.startswith("http") else f"{self.api_url}{path}"
        data = None if json_body is None else json.dumps(json_body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else None
        try:
            return self.http.request(
                method, url, what="GitHub", data=data, headers=headers, params=params,
                accept=lambda response: not is_rate_limited(response), wait=rate_limit_wait,
                retry_seconds=retry_seconds, max_bytes=MAX_ANSWER_BYTES,
            )  # fmt: skip
        except TooLarge:
            raise ExternalServiceError(
                f"GitHub answered {path.split('?', maxsplit=1)[0]} with larger than "
                f"{MAX_ANSWER_BYTES // (1024 * 1024)} MiB, far more than any of its answers: "
                "refused (is GITHUB_API_URL GitHub's API?)"
            ) from None

    def paginate(
        self, path: str, params: Mapping[str, str] | None = None, *, pages: int = _MAX_PAGES
    ) -> Iterator[dict[str, Any]]:
        """Every item of a list endpoint, following `Link: <...>; rel="next"` (100 per page), at
        most `pages` pages; `truncated` then says whether more were left unread."""
        url: str | None = f"{self.api_url}{path}"
        query: Mapping[str, str] | None = {**(params or {}), "per_page": PER_PAGE}
        self.truncated = False
        for _ in range(pages):
            if url is None:
                return
            response = self.request("GET", url, params=query)
            page = answer_json(response, path)
            if not isinstance(page, list):
                raise ExternalServiceError(
                    f"GitHub answered {path} with something that is not a list"
                )
            yield from (item for item in page if isinstance(item, dict))
            url = response.links.get("next", {}).get("url")
            query = None  # the next link carries the query already
        self.truncated = url is not None

    # -- the endpoints deploycount uses ----------------------------------------------------------

    def repo_path(self, suffix: str) -> str:
        return f"/repos/{self.repository}{suffix}"

    def graphql_url(self) -> str:
        """github.com's `/graphql` beside the REST API; a GitHub Enterprise Server's REST API is
        `https://HOST/api/v3` and its GraphQL `https://HOST/api/graphql`."""
        if self.api_url.endswith("/api/v3"):
            return self.api_url.removesuffix("/v3") + "/graphql"
        return f"{self.api_url}/graphql"

    def graphql(self, query: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        """The `data` of a GraphQL answer; its `errors` are one ExternalServiceError."""
        response = self.request(
            "POST", self.graphql_url(), json_body={"query": query, "variables": dict(variables)}
        )
        answer = answer_json(response, "/graphql")
        if not isinstance(answer, dict):
            raise ExternalServiceError("GitHub answered /graphql with something that is not JSON")
        errors = answer.get("errors")
        if errors:
            first = errors[0] if isinstance(errors, list) and errors else errors
            message = first.get("message") if isinstance(first, dict) else str(first)
            raise ExternalServiceError(f"GitHub's GraphQL API refused the query: {message}")
        data = answer.get("data")
        if not isinstance(data, dict):
            raise ExternalServiceError("GitHub's GraphQL answer has no data")
        return data

    def deployments(self, environment: str) -> Iterator[dict[str, Any]]:
        """The environment's deployments, newest first, each with its statuses (REST field
        names: `id`, `sha`, `environment`, `created_at`, `statuses` of `state`, `created_at`):
        one GraphQL request per 100 deployments, where REST needed one more per deployment."""
        owner, name = self.repository.split("/", 1)
        after: str | None = None
        cursors: set[str] = set()
        for number in range(_MAX_PAGES):
            variables = {"owner": owner, "name": name, "environment": environment, "after": after}
            data = self.graphql(_DEPLOYMENTS_QUERY, variables)
            repository = data.get("repository") or {}
            connection = repository.get("deployments") if isinstance(repository, dict) else {}
            connection = connection if isinstance(connection, dict) else {}
            nodes = connection.get("nodes") or []
            try:
                if not isinstance(nodes, list):
                    raise Invalid("deployments.nodes", "must be a list")  # noqa: TRY301
                forms = [_rest_form(node, f"deployments.nodes.{index}")
                         for index, node in enumerate(nodes) if isinstance(node, dict)]  # fmt: skip
            except Invalid as error:
                raise ExternalServiceError(
                    f"GitHub's GraphQL answer is not of GitHub's schema: {error}"
                ) from None
            yield from forms
            page = connection.get("pageInfo") or {}
            page = page if isinstance(page, dict) else {}
            after = page.get("endCursor")
            if not page.get("hasNextPage") or not isinstance(after, str):
                return
            if after in cursors:
                raise ExternalServiceError(
                    f"GitHub's GraphQL API gave page {number + 2} of the {environment} "
                    "deployments the cursor of an earlier page: it would list the same "
                    "deployments again and again; try again later"
                )
            cursors.add(after)
        raise ExternalServiceError(
            f"GitHub lists more than {_MAX_PAGES * 100:,} {environment} deployments after the "
            "window's start: deploycount reads at most that many, and a report of part of them "
            "would be wrong; report a later window, or record the deploys in the ledger "
            "(deploycount record)"
        )

    def issues(self, label: str, since: datetime) -> Iterator[dict[str, Any]]:
        """The issues with `label` updated since `since` (open and closed; the endpoint lists
        pull requests too, with a `pull_request` key). More than 10,000 is an error: a report of
        part of them would be wrong."""
        params = {"labels": label, "state": "all", "since": since.strftime("%Y-%m-%dT%H:%M:%SZ")}
        yield from self.paginate(self.repo_path("/issues"), params)
        if self.truncated:
            raise ExternalServiceError(
                f"GitHub lists more than {_MAX_PAGES * 100:,} issues labelled {label!r} since "
                f"{since:%Y-%m-%d}: deploycount reads at most that many; report a later window "
                "or export the incidents to a file (--incidents FILE)"
            )

    def pull_commits(self, number: int) -> list[dict[str, Any]]:
        return list(self.paginate(self.repo_path(f"/pulls/{number}/commits")))

    def issue_comments(self, number: int) -> tuple[list[dict[str, Any]], bool]:
        """Every comment of the issue or pull request, and whether that is all of them (at most
        `comment_pages` pages are read)."""
        items = list(
            self.paginate(self.repo_path(f"/issues/{number}/comments"), pages=self.comment_pages)
        )
        return items, not self.truncated

    def create_comment(self, number: int, body: str) -> dict[str, Any]:
        path = self.repo_path(f"/issues/{number}/comments")
        result = answer_json(self.request("POST", path, json_body={"body": body}), path)
        return result if isinstance(result, dict) else {}

    def update_comment(self, comment_id: int, body: str) -> dict[str, Any]:
        path = self.repo_path(f"/issues/comments/{comment_id}")
        result = answer_json(self.request("PATCH", path, json_body={"body": body}), path)
        return result if isinstance(result, dict) else {}

    def token_login(self, declared: str | None = None) -> tuple[str | None, str]:
        """The account the token acts as, from `GET /user`, else `declared` (the Action declares
        `github-actions[bot]` when it passes the workflow's own GITHUB_TOKEN, which cannot read
        /user); else (None, why it is unknown). Never a guess."""
        try:
            # Only a hint for the sticky comment: not worth the whole retry budget.
            payload = answer_json(self.request("GET", "/user", retry_seconds=5), "/user")
        except ExternalServiceError as error:
            return declared, f"GET /user failed: {error}"
        login = payload.get("login") if isinstance(payload, dict) else None
        if isinstance(login, str) and login:
            return login, ""
        return declared, "GET /user named no login"
