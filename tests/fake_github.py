"""A small real HTTP server on 127.0.0.1 that behaves like the GitHub REST endpoints deploycount
uses: token check, pagination capped at 100 per page with `Link` headers, a secondary rate limit
answer with `Retry-After`, and comments owned by the account of the token that wrote them."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

from tests.servers import serve

REPO = "acme/api"


@dataclass
class GitHubState:
    tokens: dict[str, str] = field(default_factory=lambda: {"good-token": "deploy-bot"})
    integration_tokens: set[str] = field(default_factory=set)  # like GITHUB_TOKEN: no /user
    deployments: list[dict[str, Any]] = field(default_factory=list)
    statuses: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    pull_commits: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    rate_limit_once: set[str] = field(default_factory=set)  # paths answered 403 once
    read_only: bool = False
    user_answer: tuple[int, Any] | None = None  # what GET /user answers instead, e.g. (500, {})
    admin_tokens: set[str] = field(default_factory=set)  # may edit anyone's comment
    html_paths: set[str] = field(default_factory=set)  # answered 200 with an HTML page
    requests: list[tuple[str, str]] = field(default_factory=list)
    # organisation teams: org -> [{"slug", ...}]; (org, slug) -> [{"login"}]
    org_teams: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    team_members: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    repo_commits: list[dict[str, Any]] = field(default_factory=list)  # newest first, as GitHub
    issues: list[dict[str, Any]] = field(default_factory=list)  # REST form, pull requests too
    next_id: int = 1000

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id


@dataclass
class FakeGitHub:
    url: str
    state: GitHubState


def _page(items: list[Any], query: dict[str, list[str]], base: str) -> tuple[list[Any], str | None]:
    per_page = min(int(query.get("per_page", ["30"])[0]), 100)
    page = int(query.get("page", ["1"])[0])
    chunk = items[(page - 1) * per_page : page * per_page]
    link = None
    if page * per_page < len(items):
        rest = "&".join(f"{k}={v[0]}" for k, v in query.items() if k not in ("page",))
        link = f'<{base}?{rest}&page={page + 1}>; rel="next"'
    return chunk, link


def _graphql_deployments(state: GitHubState, body: Any) -> dict[str, Any]:
    """The one GraphQL query deploycount sends, answered as GitHub does: an environment's
    deployments newest first, 100 a page with an opaque cursor, each with its statuses
    (states in capitals). Any other query is a GraphQL error."""
    query = str((body or {}).get("query", ""))
    variables = (body or {}).get("variables") or {}
    wanted = ("deployments(environments: [$environment], first: 100", "pageInfo", "statuses(")
    if not all(part in query for part in wanted) or "owner" not in variables:
        return {"errors": [{"message": "this fake answers the deployments query only"}]}
    if f"{variables['owner']}/{variables.get('name')}" != REPO:
        return {"data": {"repository": None}, "errors": [{"message": "Could not resolve"}]}
    items = sorted(
        (d for d in state.deployments if d["environment"] == variables.get("environment")),
        key=lambda d: d["id"], reverse=True,
    )  # fmt: skip
    start = int(variables.get("after") or 0)
    chunk = items[start : start + 100]
    nodes = [
        {
            "databaseId": d["id"],
            "commitOid": d["sha"],
            "environment": d["environment"],
            "payload": d.get("payload", "{}"),
            "createdAt": d["created_at"],
            "statuses": {
                "nodes": [
                    {"state": s["state"].upper(), "createdAt": s["created_at"]}
                    for s in state.statuses.get(d["id"], [])
                ]
            },
        }
        for d in chunk
    ]
    page = {"hasNextPage": start + len(chunk) < len(items), "endCursor": str(start + len(chunk))}
    return {"data": {"repository": {"deployments": {"pageInfo": page, "nodes": nodes}}}}


@contextmanager
def fake_github(given: GitHubState | None = None) -> Iterator[FakeGitHub]:
    state = given or GitHubState()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _handle(self) -> None:  # noqa: PLR0915 - one branch per endpoint, like a router
            parts = urlsplit(self.path)
            path, query = parts.path, parse_qs(parts.query)
            with lock:
                state.requests.append((self.command, path))
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            if token not in state.tokens and token not in state.integration_tokens:
                self._reply(401, {"message": "Bad credentials"})
                return
            if path in state.rate_limit_once:
                state.rate_limit_once.discard(path)
                self._reply(
                    403,
                    {"message": "You have exceeded a secondary rate limit."},
                    {"Retry-After": "1"},
                )
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"null")
            base = f"http://127.0.0.1:{cast(tuple[str, int], self.server.server_address)[1]}{path}"
            login = state.tokens.get(token, "github-actions[bot]")
            if path in state.html_paths:
                page = b"<html><body>Sign in</body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)
                return
            if path == "/graphql" and self.command == "POST":
                self._reply(200, _graphql_deployments(state, body))
                return
            if path == "/user" and state.user_answer is not None:
                self._reply(*state.user_answer)
                return
            if path == "/user":
                if token in state.integration_tokens:
                    self._reply(403, {"message": "Resource not accessible by integration"})
                else:
                    self._reply(200, {"login": login})
                return
            if path == f"/repos/{REPO}/deployments":
                environment = query.get("environment", [None])[0]
                items = [d for d in state.deployments if environment in (None, d["environment"])]
                items = sorted(
                    items, key=lambda d: d["id"], reverse=True
                )  # newest first, as GitHub
                chunk, link = _page(items, query, base)
                self._reply(200, chunk, {"Link": link} if link else None)
                return
            if match := re.fullmatch(rf"/repos/{REPO}/deployments/(\d+)/statuses", path):
                chunk, link = _page(state.statuses.get(int(match[1]), []), query, base)
                self._reply(200, chunk, {"Link": link} if link else None)
                return
            if match := re.fullmatch(r"/orgs/([^/]+)/teams", path):
                chunk, link = _page(state.org_teams.get(match[1], []), query, base)
                self._reply(200, chunk, {"Link": link} if link else None)
                return
            if match := re.fullmatch(r"/orgs/([^/]+)/teams/([^/]+)/members", path):
                members = state.team_members.get((match[1], match[2]))
                if members is None:
                    self._reply(404, {"message": "Not Found"})
                    return
                chunk, link = _page(members, query, base)
                self._reply(200, chunk, {"Link": link} if link else None)
                return
            if path == f"/repos/{REPO}/commits":
                since = query.get("since", [""])[0]
                items = [c for c in state.repo_commits if c["commit"]["author"]["date"] >= since]
                chunk, link = _page(items, query, base)
                self._reply(200, chunk, {"Link": link} if link else None)
                return
            if path == f"/repos/{REPO}/issues":
                wanted = set(query.get("labels", [""])[0].split(",")) - {""}
                since = query.get("since", [""])[0]
                items = [
                    i for i in state.issues
                    if wanted <= {label["name"] for label in i.get("labels", [])}
                    and str(i.get("updated_at", "")) >= since
                ]  # fmt: skip
                chunk, link = _page(items, query, base)
                self._reply(200, chunk, {"Link": link} if link else None)
                return
            if match := re.fullmatch(rf"/repos/{REPO}/pulls/(\d+)/commits", path):
                chunk, link = _page(state.pull_commits.get(int(match[1]), []), query, base)
                self._reply(200, chunk, {"Link": link} if link else None)
                return
            if match := re.fullmatch(rf"/repos/{REPO}/issues/(\d+)/comments", path):
                comments = state.comments.setdefault(int(match[1]), [])
                if self.command == "GET":
                    chunk, link = _page(comments, query, base)
                    self._reply(200, chunk, {"Link": link} if link else None)
                    return
                if state.read_only:
                    self._reply(403, {"message": "Resource not accessible by integration"})
                    return
                comment = {"id": state.new_id(), "body": body["body"], "user": {"login": login}}
                comments.append(comment)
                self._reply(201, comment)
                return
            if match := re.fullmatch(rf"/repos/{REPO}/issues/comments/(\d+)", path):
                for comments in state.comments.values():
                    for comment in comments:
                        if comment["id"] == int(match[1]):
                            if (
                                comment["user"]["login"] != login
                                and token not in state.admin_tokens
                            ):
                                self._reply(403, {"message": "not your comment"})
                                return
                            comment["body"] = body["body"]
                            self._reply(200, comment)
                            return
            self._reply(404, {"message": "Not Found"})

        do_GET = do_POST = do_PATCH = _handle

        def log_message(self, format: str, *args: object) -> None:
            return

    with serve(Handler) as url:
        yield FakeGitHub(url, state)
