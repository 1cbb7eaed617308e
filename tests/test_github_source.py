"""The `github` deploy source against a GitHub-like server on 127.0.0.1 (via GITHUB_API_URL)."""

from __future__ import annotations

import pytest

from tests.conftest import GitRepo, RunCli
from tests.fake_github import REPO, GitHubState, fake_github

WINDOW = ("--since", "2026-10-01", "--until", "2026-10-29")


def deployment(
    state: GitHubState, sha: str, *statuses: tuple[str, str], env: str = "production"
) -> None:
    ident = state.new_id()
    created = statuses[0][1] if statuses else "2026-01-01T00:00:00Z"
    state.deployments.append({"id": ident, "sha": sha, "environment": env, "created_at": created})
    state.statuses[ident] = [{"state": s, "created_at": t} for s, t in statuses]


@pytest.mark.slow
def test_deployments_api_with_pagination_and_rate_limit(repo: GitRepo, run_cli: RunCli) -> None:
    base = repo.commit("base", when="2026-09-01T10:00:00Z")
    shas = [
        repo.commit(f"change {n}", when=f"2026-10-02T{n % 24:02d}:{n // 24:02d}:00Z")
        for n in range(3)
    ]
    state = GitHubState()
    deployment(state, base, ("success", "2026-09-02T00:00:00Z"))
    # 150 redeploys of the first sha push the listing past one page of 100.
    for n in range(150):
        deployment(
            state,
            shas[0],
            ("pending", "2026-10-05T00:00:00Z"),
            ("success", f"2026-10-05T{n // 60:02d}:{n % 60:02d}:00Z"),
        )
    deployment(
        state, shas[2], ("in_progress", "2026-10-06T00:00:00Z"), ("failure", "2026-10-06T00:10:00Z")
    )
    deployment(state, shas[2], ("success", "2026-10-07T00:00:00Z"))
    deployment(state, shas[2], ("queued", "2026-10-08T00:00:00Z"))  # not finished: not an event
    deployment(state, shas[2], ("success", "2026-10-08T00:00:00Z"), env="staging")
    state.rate_limit_once.add("/graphql")
    with fake_github(state) as github:
        env = {
            "GITHUB_API_URL": github.url,
            "GITHUB_TOKEN": "good-token",
            "GITHUB_REPOSITORY": REPO,
        }
        result = run_cli(
            "report", "--format", "json", "--deploys", "github", *WINDOW, cwd=repo, env=env
        )
    assert result.exit_code == 0, result.stderr
    report = result.json()
    kinds = [d["kind"] for d in report["deployments"]]
    assert len(kinds) == 152
    assert kinds[0] == "ship" and set(kinds[1:150]) == {"redeploy"}
    assert kinds[150:] == ["failed", "ship"]
    assert report["totals"]["commits"] == 3
    # Rate-limited once, then two pages of at most 100 deployments with their statuses: 3
    # requests, where the REST API needed one more per deployment (157 more here).
    assert state.requests == [("POST", "/graphql")] * 3


def test_bad_token_is_one_line_exit_1(repo: GitRepo, run_cli: RunCli) -> None:
    repo.commit("x")
    with fake_github() as github:
        env = {
            "GITHUB_API_URL": github.url,
            "GITHUB_TOKEN": "wrong-token-value",
            "GITHUB_REPOSITORY": REPO,
        }
        result = run_cli("report", "--deploys", "github", cwd=repo, env=env)
    assert result.exit_code == 1
    assert "401 Unauthorized" in result.stderr
    assert "Bad credentials" in result.stderr
    assert "wrong-token-value" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_only_what_the_window_needs_is_read(repo: GitRepo, run_cli: RunCli) -> None:
    """1,200 old deployments and a 7-day window: a handful of requests, not one per deployment."""
    old = repo.commit("old", when="2025-01-01T10:00:00Z")
    recent = repo.commit("recent", when="2026-10-20T10:00:00Z")
    state = GitHubState()
    for n in range(1200):
        day = f"2025-{1 + n // 110:02d}-{1 + n % 28:02d}T{n % 24:02d}:00:00Z"
        deployment(state, old, ("success", day))
    deployment(state, recent, ("success", "2026-10-22T00:00:00Z"))
    with fake_github(state) as github:
        env = {
            "GITHUB_API_URL": github.url,
            "GITHUB_TOKEN": "good-token",
            "GITHUB_REPOSITORY": REPO,
        }
        result = run_cli(
            "--debug", "report", "--format", "json", "--deploys", "github",
            "--since", "2026-10-18", "--until", "2026-10-25", cwd=repo, env=env,
        )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert [(d["kind"], d["commits"]) for d in result.json()["deployments"]] == [("ship", 1)]
    assert len(state.requests) <= 20, len(state.requests)
    assert f"github source: {len(state.requests)} request(s)" in result.stderr


def test_a_7_day_window_with_a_deploy_every_6_hours_costs_one_request(
    repo: GitRepo, run_cli: RunCli
) -> None:
    """28 deployments: 30 requests through REST (a list and one status list each), one GraphQL
    request now; and GitHub's GraphQL errors are one line, exit 1."""
    sha = repo.commit("x", when="2026-10-01T00:00:00Z")
    state = GitHubState()
    for n in range(28):
        deployment(state, sha, ("success", f"2026-10-{2 + n // 4:02d}T{(n % 4) * 6:02d}:00:00Z"))
    with fake_github(state) as github:
        env = {"GITHUB_API_URL": github.url, "GITHUB_TOKEN": "good-token",
               "GITHUB_REPOSITORY": REPO}  # fmt: skip
        done = run_cli("report", "--format", "json", "--deploys", "github", "--since",
                       "2026-10-02", "--until", "2026-10-09", cwd=repo, env=env)  # fmt: skip
        wrong = run_cli("report", "--deploys", "github", cwd=repo,
                        env={**env, "GITHUB_REPOSITORY": "acme/other"})  # fmt: skip
    assert done.exit_code == 0, done.stderr
    assert len(done.json()["deployments"]) == 28
    assert state.requests.count(("POST", "/graphql")) == 2  # the report's, then the wrong one
    assert wrong.exit_code == 1 and "GraphQL API refused the query" in wrong.stderr
    assert len(wrong.stderr.strip().splitlines()) == 1


def test_the_graphql_address_of_github_and_of_an_enterprise_server() -> None:
    from deploycount.github_api import GitHub

    assert GitHub("a/b", None).graphql_url() == "https://api.github.com/graphql"
    ghes = GitHub("a/b", None, api_url="https://git.example.com/api/v3/")
    assert ghes.graphql_url() == "https://git.example.com/api/graphql"
